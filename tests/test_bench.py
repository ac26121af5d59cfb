"""The scale benchmark's parts: the synthetic archive and the embedding cache."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from evals import synthetic
from evals.bench import report
from evals.embed_cache import CachedEmbedder
from ingest.embedders import HashingEmbedder
from tests.conftest import REPO


def _files(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_the_same_seed_and_scale_give_the_same_archive(tmp_path):
    first = synthetic.generate(tmp_path / "a", 300, seed=3)
    second = synthetic.generate(tmp_path / "b", 300, seed=3)
    assert first["papers"] == second["papers"] == synthetic.papers_for(300)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    assert any(name.endswith(".pdf") for name in _files(tmp_path / "a"))


def test_a_larger_scale_holds_every_paper_of_a_smaller_one():
    for i in range(40):
        assert synthetic.paper(i, 7).lines == synthetic.paper(i, 7).lines
    small = [synthetic.paper(i, 7).lines for i in range(synthetic.papers_for(1000))]
    large = [synthetic.paper(i, 7).lines for i in range(synthetic.papers_for(10000))]
    assert large[: len(small)] == small


def test_scheme_names_are_unique_across_a_large_archive():
    names = [synthetic._scheme(i) for i in range(synthetic.papers_for(100_000))]
    assert len(set(names)) == len(names)


def test_each_planted_answer_is_in_its_paper(tmp_path):
    synthetic.generate(tmp_path, 2000, seed=7, questions=30)
    questions = [
        json.loads(line) for line in (tmp_path / "questions.jsonl").read_text().splitlines()
    ]
    assert len(questions) == 30
    for q in questions:
        [doc_id] = q["sources"]
        index = int(doc_id.split("-")[1])
        planted = synthetic.paper(index, 7)
        text = "\n".join(planted.lines)
        for group in q["answers"]:
            assert any(alternative in text for alternative in group), (q, group)
        assert planted.facts["scheme"] in q["question"]


def test_a_folder_reused_for_a_smaller_scale_keeps_only_its_papers(tmp_path):
    synthetic.generate(tmp_path, 600)
    synthetic.generate(tmp_path, 300)
    papers = [p for p in tmp_path.iterdir() if p.suffix in (".pdf", ".txt")]
    assert len(papers) == synthetic.papers_for(300)


@pytest.mark.slow
def test_invented_names_are_not_those_of_the_shipped_or_real_papers():
    folders = [
        REPO / "corpus",
        REPO.parent / "shared" / "realdocs",
        REPO.parent / "shared" / "realdocs2",
    ]
    if not all(f.is_dir() for f in folders):
        pytest.skip("../shared is not present")
    from pypdf import PdfReader

    text = []
    for folder in folders:
        for path in sorted(folder.iterdir()):
            if path.suffix == ".pdf":
                text += [page.extract_text() or "" for page in PdfReader(path).pages]
            elif path.suffix in (".txt", ".md"):
                text.append(path.read_text(errors="ignore"))
    seen = set(re.findall(r"[A-Z][a-z]+", "\n".join(text)))
    places = {
        h + t
        for h in synthetic._words(synthetic._HEADS)
        for t in synthetic._words(synthetic._TAILS)
    }
    people = set(synthetic._words(synthetic._LAST) + synthetic._words(synthetic._LAST2))
    assert not places & seen
    assert not people & seen


def test_cached_embeddings_are_the_encoder_s_and_survive_a_new_process(tmp_path):
    inner = HashingEmbedder()
    cache = CachedEmbedder(inner, tmp_path / "cache.sqlite")
    texts = ["RESOLVED that the budget be approved.", "Councillor Sarah West moved.", "x"]
    first = cache.embed(texts + texts[:1])
    expected = HashingEmbedder().embed(texts)
    assert np.allclose(first[:3], expected) and first[3] == first[0]
    assert (cache.misses, cache.hits, inner.calls) == (4, 0, 4)
    again = CachedEmbedder(HashingEmbedder(), tmp_path / "cache.sqlite")
    assert again.embed(texts) == first[:3]
    assert (again.misses, again.hits, again.inner.calls) == (0, 3, 0)
    assert again.encoder_seconds > 0  # the cost recorded when the vectors were first made
    assert again.encode_seconds == 0


def test_the_report_names_each_target_and_whether_it_was_met():
    row = {
        "chunks": 1000,
        "pages_per_s": 1.0,
        "chunks_per_s": 50.0,
        "outside_encoder_share": 0.1,
        "index_mb": 10,
        "peak_memory_mb": 700,
        "startup_s": 12.0,
        "search_ms": {"p50": 20, "p95": 40},
        "ask_ms": {"p50": 100, "p95": 900},
        "ask_concurrent_ms": {"p50": 300, "p95": 1500},
        "accuracy": 0.8,
        "right_paper_first": 0.9,
        "recall_at_4": 0.9,
    }
    text = report([row], {"cpu": "test CPU", "cores": 2, "memory_gib": 24})
    assert "p95 900 ms ≤ 800 (MISSED)" in text
    assert "startup 12.0 s ≤ 10 (MISSED)" in text
    assert "p50 100 ms ≤ 300 (met)" in text


def test_papers_left_by_an_older_generator_are_rewritten(tmp_path):
    synthetic.generate(tmp_path, 100)
    stale = tmp_path / f"{synthetic.paper(0, 7).doc_id}.txt"
    stale.write_text("an older generator's paper\n")
    synthetic.generate(tmp_path, 100)
    assert stale.read_text().splitlines() == synthetic.paper(0, 7).lines
