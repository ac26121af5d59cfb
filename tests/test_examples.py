"""Example questions live beside the papers they ask about, not in code."""

from __future__ import annotations

import json

import pytest

from ingest.examples import GENERIC_PLACEHOLDER, ExamplesError, corpus_examples
from tests.conftest import CORPUS


def test_the_shipped_corpus_brings_its_examples():
    examples = corpus_examples(CORPUS)
    assert examples.questions and examples.benchmark
    assert all(q["question"].endswith("?") for q in examples.questions)


def test_a_folder_without_examples_gets_none_and_a_generic_placeholder(tmp_path):
    examples = corpus_examples(tmp_path)
    assert examples.questions == () and examples.placeholder == GENERIC_PLACEHOLDER


def test_the_benchmark_falls_back_to_the_ui_examples(tmp_path):
    (tmp_path / "examples.json").write_text(
        json.dumps({"questions": [{"question": "Who chairs the Westshire board?"}]})
    )
    assert corpus_examples(tmp_path).benchmark[0]["question"] == "Who chairs the Westshire board?"


def test_a_malformed_examples_file_is_named(tmp_path):
    (tmp_path / "examples.json").write_text('{"questions": ["not an object"]}')
    with pytest.raises(ExamplesError, match=r"examples\.json"):
        corpus_examples(tmp_path)
