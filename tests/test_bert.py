"""The plain-torch BERT encoder gives sentence-transformers' vectors, and steps aside for a model
layout it does not implement."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from ingest import bert
from ingest.embedders import SentenceTransformerEmbedder, resolve_model_path

ROOT = Path(__file__).resolve().parents[1]


def sample_texts() -> list[str]:
    """Questions, whole paragraphs of the shipped papers, one past the window, and edge cases."""
    papers = sorted(p for p in (ROOT / "corpus").iterdir() if p.suffix in {".txt", ".md"})
    paragraphs = [
        part.strip()
        for paper in papers
        for part in paper.read_text(encoding="utf-8").split("\n\n")[:12]
        if part.strip()
    ]
    return [
        "Which authorities lead which workstream?",
        "Has any council agreed to share a chief executive?",
        *paragraphs,
        " ".join(paragraphs)[:6000],  # longer than the model's 256-token window: truncated
        "",
        "£240K",
    ]


@pytest.mark.slow
def test_vectors_match_sentence_transformers():
    from sentence_transformers import SentenceTransformer

    folder = resolve_model_path("all-MiniLM-L6-v2")
    assert bert.supported(folder)
    texts = sample_texts()
    ours = bert.BertEncoder(folder).encode(texts, batch_size=8)
    reference = SentenceTransformer(str(folder), device="cpu", local_files_only=True).encode(
        texts, batch_size=8, normalize_embeddings=True
    )
    assert ours.shape == reference.shape
    assert float((ours * reference).sum(axis=1).min()) > 0.99999
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


@pytest.mark.slow
def test_the_embedder_uses_it_and_bfloat16_stays_close():
    texts = sample_texts()[:12]
    plain = SentenceTransformerEmbedder(precision="float32")
    half = SentenceTransformerEmbedder(precision="bfloat16")
    a, b = np.array(plain.embed(texts)), np.array(half.embed(texts))
    assert isinstance(plain._model, bert.BertEncoder)
    assert plain.max_tokens == 254
    assert float((a * b).sum(axis=1).min()) > 0.99


def test_other_layouts_are_left_to_sentence_transformers(tmp_path):
    source = resolve_model_path("all-MiniLM-L6-v2")
    for name in ("modules.json", "config.json", "tokenizer.json"):
        shutil.copy(source / name, tmp_path / name)
    (tmp_path / "model.safetensors").write_bytes(b"")
    (tmp_path / "1_Pooling").mkdir()
    pooling = json.loads((source / "1_Pooling" / "config.json").read_text())
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    assert bert.supported(tmp_path)
    cls = {**pooling, "pooling_mode_cls_token": True, "pooling_mode_mean_tokens": False}
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps(cls))
    assert not bert.supported(tmp_path)
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    config = json.loads((source / "config.json").read_text())
    (tmp_path / "config.json").write_text(json.dumps({**config, "model_type": "xlm-roberta"}))
    assert not bert.supported(tmp_path)
