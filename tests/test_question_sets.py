"""The evaluation question sets are well formed and every gold answer is really in its source paper.

Checks `evals/questions/dev.jsonl` (against `corpus/`), `evals/questions/realdocs.jsonl` (against
`../shared/realdocs`) and `evals/questions/realworld.jsonl` (against `../shared/realdocs` and
`../shared/realdocs2`), skipping a set whose folders are absent. An answer alternative must occur
case-insensitively, with whitespace collapsed, in the cleaned text the project's own loader gives
for at least one of the question's source documents, because answers are scored the same way. (A
paper whose text layer has lost its spaces is compared with spaces removed on both sides: the
answer is in the paper; reading its spacing right is the loader's job.)

The held-out protocol: every question lies within one part of `evals/questions/split.json`, and
the realworld set holds at least 150 questions, 60 of them held out, 15 unanswerable.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from pathlib import Path

import pytest

from evals.questions import load_questions
from evals.split import HELD_OUT, Split
from ingest.loaders import IngestError, load_document

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
SHARED = Path(__file__).resolve().parents[2] / "shared"
REALDOCS = SHARED / "realdocs"
REALDOCS2 = SHARED / "realdocs2"
QUESTIONS = REPO / "evals" / "questions"
DEV_SET = QUESTIONS / "dev.jsonl"
REAL_SET = QUESTIONS / "realdocs.jsonl"
WORLD_SET = QUESTIONS / "realworld.jsonl"

TYPES = {
    "table",
    "list",
    "number",
    "date",
    "person",
    "decision",
    "cross_document",
    "followup",
    "document",
    "exact_term",
    "unanswerable",
    "vote",
    "motion",
    "agenda_item",
}
REQUIRED = ("id", "question", "answers", "sources", "type")
KNOWN = {*REQUIRED, "history", "unanswerable", "notes", "about", "evidence", "page"}
ROLES = {"user", "assistant"}
MAX_BYTES = 50_000_000

# (question file, id prefix, folders of documents, suffixes of document files)
SETS = {
    "dev": (DEV_SET, "dev-", (CORPUS,), (".txt", ".md")),
    "realdocs": (REAL_SET, "real-", (REALDOCS,), (".pdf",)),
    "realworld": (WORLD_SET, "rw-", (REALDOCS, REALDOCS2), (".pdf",)),
}


def normalise(text: str) -> str:
    return " ".join(text.split()).casefold()


def despaced(text: str) -> str:
    return "".join(text.split()).casefold()


@functools.cache
def records(name: str) -> tuple[dict, ...]:
    path = SETS[name][0]
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    out = []
    for number, line in enumerate(lines, 1):
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError as exc:  # pragma: no cover - reported as a failure
            pytest.fail(f"{path.name} line {number}: not valid JSON ({exc.msg})")
    return tuple(out)


@functools.cache
def document_paths(name: str) -> dict[str, Path]:
    """Document id (file stem) -> path, for the folder a question set is written against."""
    _, _, folders, suffixes = SETS[name]
    return {
        p.stem: p
        for folder in folders
        for p in sorted(folder.iterdir())
        if p.suffix.lower() in suffixes
    }


@functools.cache
def document_text(path: Path) -> str:
    try:
        return normalise(load_document(path, max_bytes=MAX_BYTES).text)
    except IngestError:
        return ""  # a scanned paper: no question may draw on it


def in_papers(piece: str, texts: list[str]) -> bool:
    return any(normalise(piece) in t or despaced(piece) in despaced(t) for t in texts)


def source_ids(name: str, source: str) -> list[str]:
    """The document ids a `sources` entry matches (a doc id contains it, case-insensitive)."""
    return [doc_id for doc_id in document_paths(name) if source.casefold() in doc_id.casefold()]


def needs_folder(name: str) -> None:
    for folder in SETS[name][2]:
        if not folder.is_dir():
            pytest.skip(f"{folder} is not present")


@pytest.fixture(params=sorted(SETS))
def set_name(request) -> str:
    needs_folder(request.param)
    return request.param


def test_every_line_is_a_json_object_with_the_required_keys(set_name):
    path = SETS[set_name][0]
    for record in records(set_name):
        assert isinstance(record, dict), f"{path.name}: {record!r} is not a JSON object"
        missing = [key for key in REQUIRED if key not in record]
        assert not missing, f"{record.get('id')}: missing {missing}"
        unknown = set(record) - KNOWN
        assert not unknown, f"{record['id']}: unknown keys {sorted(unknown)}"
        assert isinstance(record["question"], str) and record["question"].strip()
        assert isinstance(record["answers"], list) and isinstance(record["sources"], list)


def test_the_project_loader_accepts_the_file(set_name):
    assert len(load_questions(SETS[set_name][0])) == len(records(set_name))


def test_ids_are_unique_and_prefixed(set_name):
    prefix = SETS[set_name][1]
    ids = [record["id"] for record in records(set_name)]
    repeated = [i for i, n in Counter(ids).items() if n > 1]
    assert not repeated, f"repeated ids: {repeated}"
    assert all(i.startswith(prefix) for i in ids), f"ids must start with {prefix!r}"


def test_types_are_from_the_allowed_list(set_name):
    for record in records(set_name):
        assert record["type"] in TYPES, f"{record['id']}: unknown type {record['type']!r}"


def test_history_turns_are_user_or_assistant_with_content(set_name):
    for record in records(set_name):
        history = record.get("history")
        if record["type"] == "followup":
            assert history, f"{record['id']}: a follow-up needs a history"
        if history is None:
            continue
        assert isinstance(history, list) and history, f"{record['id']}: empty history"
        for turn in history:
            assert isinstance(turn, dict) and set(turn) == {"role", "content"}, record["id"]
            assert turn["role"] in ROLES, f"{record['id']}: role {turn['role']!r}"
            assert isinstance(turn["content"], str) and turn["content"].strip(), record["id"]
        assert history[0]["role"] == "user", f"{record['id']}: history must start with the user"


def test_unanswerable_questions_have_no_gold_and_the_others_do(set_name):
    for record in records(set_name):
        if record.get("unanswerable"):
            assert record["unanswerable"] is True
            assert record["type"] == "unanswerable", record["id"]
            assert record["answers"] == [] and record["sources"] == [], record["id"]
        else:
            assert record["type"] != "unanswerable", f"{record['id']}: mark it unanswerable"
            assert record["answers"], f"{record['id']}: no answers"
            assert record["sources"], f"{record['id']}: no sources"
            for group in record["answers"]:
                assert isinstance(group, list) and group, f"{record['id']}: empty group"
                for alternative in group:
                    assert isinstance(alternative, str), record["id"]
                    assert len(alternative.strip()) >= 3, (
                        f"{record['id']}: {alternative!r} is too short to be distinctive"
                    )


def test_the_dev_set_is_big_enough_with_enough_unanswerable_questions():
    questions = records("dev")
    assert len(questions) >= 80
    assert sum(bool(q.get("unanswerable")) for q in questions) >= 10


def test_every_source_names_a_document(set_name):
    for record in records(set_name):
        for source in record["sources"]:
            assert source_ids(set_name, source), (
                f"{record['id']}: source {source!r} matches no document in {SETS[set_name][2]}"
            )


def test_every_answer_alternative_is_in_a_source_document(set_name):
    problems = []
    for record in records(set_name):
        if not record["answers"]:
            continue
        doc_ids = {d for source in record["sources"] for d in source_ids(set_name, source)}
        texts = [document_text(document_paths(set_name)[d]) for d in sorted(doc_ids)]
        for group in record["answers"]:
            for alternative in group:
                if not in_papers(alternative, texts):
                    problems.append(f"{record['id']}: {alternative!r} not in {sorted(doc_ids)}")
        if "evidence" in record and not in_papers(record["evidence"], texts):
            problems.append(f"{record['id']}: its evidence is not verbatim in {sorted(doc_ids)}")
    assert not problems, "answer alternatives missing from their sources:\n" + "\n".join(problems)


def test_unanswerable_questions_say_which_papers_they_are_about(set_name):
    if set_name == "dev":
        pytest.skip("the dev set's papers are all tuning papers")
    for record in records(set_name):
        if record.get("unanswerable"):
            assert record.get("about"), f"{record['id']}: an unanswerable question needs `about`"
            for paper in record["about"]:
                assert source_ids(set_name, paper), f"{record['id']}: {paper!r} is no paper"


def test_every_question_lies_within_one_part_of_the_split(set_name):
    if set_name == "dev":
        pytest.skip("the dev set's papers are outside the split")
    split = Split.load()
    parts = [split.part_of_question(record) for record in records(set_name)]  # raises if mixed
    assert None not in parts, "every question of a split set must be placed in a part"


def test_the_realworld_set_is_big_enough_on_both_sides_of_the_split():
    needs_folder("realworld")
    split = Split.load()
    questions = records("realworld")
    held_out = [q for q in questions if split.part_of_question(q) == HELD_OUT]
    assert len(questions) >= 150 and len(held_out) >= 60
    assert sum(bool(q.get("unanswerable")) for q in questions) >= 15
    kinds = {q["type"] for q in questions}
    assert kinds >= TYPES, f"types not covered: {TYPES - kinds}"


def test_the_split_file_covers_every_shared_paper_and_holds_out_about_40_percent():
    needs_folder("realworld")
    split = Split.load()
    papers = set(document_paths("realworld"))
    assert papers <= set(split.parts), f"papers outside the split: {papers - set(split.parts)}"
    share = sum(p == HELD_OUT for p in split.parts.values()) / len(split.parts)
    assert 0.35 <= share <= 0.45
