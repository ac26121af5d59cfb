"""A BERT sentence encoder in plain torch: the forward pass of a sentence-transformers model made of
a BERT transformer, mean pooling and normalisation (all-MiniLM-L6-v2 is one), without importing
transformers or sentence-transformers.

Those two libraries take most of a process's start (about 6 of its 8 seconds here); torch, the
`tokenizers` library and safetensors take under two. The vectors are those of sentence-transformers
to within float rounding (tests/test_settings.py compares them), so an index built with either
answers the same. Any other model layout is left to sentence-transformers (`supported`).
"""

from __future__ import annotations

import json
from pathlib import Path

POOLING = {"pooling_mode_mean_tokens": True}
MODULES = (
    "sentence_transformers.models.Transformer",
    "sentence_transformers.models.Pooling",
    "sentence_transformers.models.Normalize",
)


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def supported(folder: Path) -> bool:
    """True for a BERT + mean pooling + normalise model with absolute positions and GELU."""
    try:
        modules = tuple(m["type"] for m in _json(folder / "modules.json"))
        pooling = _json(folder / "1_Pooling" / "config.json")
        config = _json(folder / "config.json")
    except (OSError, ValueError, KeyError, TypeError):
        return False
    mean_only = all(
        bool(value) == (key in POOLING)
        for key, value in pooling.items()
        if key.startswith("pooling_mode")
    )
    return (
        modules == MODULES
        and mean_only
        and config.get("model_type") == "bert"
        and config.get("hidden_act") == "gelu"
        and config.get("position_embedding_type", "absolute") == "absolute"
        and (folder / "model.safetensors").exists()
        and (folder / "tokenizer.json").exists()
    )


class BertEncoder:
    """Unit sentence vectors from a BERT model folder (see `supported`)."""

    def __init__(self, folder: Path):
        import torch
        from safetensors.torch import load_file
        from tokenizers import Tokenizer

        self.torch = torch
        config = _json(folder / "config.json")
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        try:
            self.max_seq_length = int(_json(folder / "sentence_bert_config.json")["max_seq_length"])
        except (OSError, ValueError, KeyError):
            self.max_seq_length = int(config.get("max_position_embeddings", 512))
        self.weights = {
            name.removeprefix("bert."): tensor.float()
            for name, tensor in load_file(str(folder / "model.safetensors")).items()
        }
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tokenizer.enable_truncation(max_length=self.max_seq_length)
        tokenizer.enable_padding(pad_id=int(config.get("pad_token_id", 0)))
        self.tokenizer = tokenizer

    def _linear(self, x, name: str):
        return self.torch.nn.functional.linear(
            x, self.weights[f"{name}.weight"], self.weights[f"{name}.bias"]
        )

    def _norm(self, x, name: str):
        width = x.shape[-1]
        return self.torch.nn.functional.layer_norm(
            x, (width,), self.weights[f"{name}.weight"], self.weights[f"{name}.bias"], self.eps
        )

    def encode(self, texts: list[str], batch_size: int = 16):
        """Unit vectors (a float32 numpy array, one row per text), longest texts batched together
        as sentence-transformers does."""
        import numpy as np

        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.zeros(
            (len(texts), self.weights["embeddings.word_embeddings.weight"].shape[1]), "float32"
        )
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            out[rows] = self._batch([texts[i] for i in rows])
        return out

    def _batch(self, texts: list[str]):
        torch = self.torch
        functional = torch.nn.functional
        encodings = self.tokenizer.encode_batch(texts)
        ids = torch.tensor([e.ids for e in encodings], dtype=torch.long)
        mask = torch.tensor([e.attention_mask for e in encodings], dtype=torch.float32)
        types = torch.tensor([e.type_ids for e in encodings], dtype=torch.long)
        w = self.weights
        with torch.inference_mode():
            positions = torch.arange(ids.shape[1]).unsqueeze(0)
            x = (
                w["embeddings.word_embeddings.weight"][ids]
                + w["embeddings.position_embeddings.weight"][positions]
                + w["embeddings.token_type_embeddings.weight"][types]
            )
            x = self._norm(x, "embeddings.LayerNorm")
            batch, length, width = x.shape
            head = width // self.heads
            # Padding is never attended to: a large negative added before the softmax.
            bias = ((1.0 - mask) * torch.finfo(torch.float32).min)[:, None, None, :]

            def split(t):
                return t.view(batch, length, self.heads, head).transpose(1, 2)

            for layer in range(self.layers):
                p = f"encoder.layer.{layer}"
                q = split(self._linear(x, f"{p}.attention.self.query"))
                k = split(self._linear(x, f"{p}.attention.self.key"))
                v = split(self._linear(x, f"{p}.attention.self.value"))
                context = functional.scaled_dot_product_attention(q, k, v, attn_mask=bias)
                context = context.transpose(1, 2)
                context = context.reshape(batch, length, width)
                attended = self._linear(context, f"{p}.attention.output.dense")
                x = self._norm(attended + x, f"{p}.attention.output.LayerNorm")
                hidden = functional.gelu(self._linear(x, f"{p}.intermediate.dense"))
                x = self._norm(
                    self._linear(hidden, f"{p}.output.dense") + x, f"{p}.output.LayerNorm"
                )
            pooled = (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1e-9)
            return functional.normalize(pooled, p=2, dim=1).float().numpy()
