"""The evaluation harness: scoring rules, question files, and whole runs on a tiny corpus (no model)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals import __main__ as cli
from evals.metrics import (
    MAX_ANSWER_CHARS,
    Score,
    answer_correct,
    citation_hit,
    normalise,
    percentile,
    quote_exact,
    reciprocal_rank,
    score_answer,
    summarise,
)
from evals.questions import QuestionFileError, load_questions
from evals.report import failures, write_report
from evals.runner import (
    compare_modes,
    corpus_settings,
    ensure_index,
    evaluate,
    write_answers,
)
from evals.split import HELD_OUT, TUNING, Split, SplitError, assign, group_of
from ingest.pipeline import Ingester
from retrieval.answering import Assistant
from retrieval.hybrid import HybridRetriever
from retrieval.records import Answer, Citation

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

WASTE = "alpha-council-2020-01-15-joint-waste"
LIBRARIES = "beta-district-2021-03-10-library-hours"

PAPERS = {
    f"{WASTE}.txt": """Report To: Alpha Council
Subject: Joint Waste Collection

1.0 PURPOSE

1.1 This report proposes a joint waste collection service with Beta District Council.

1.2 The contact officer for this report is Jane Smith, Head of Waste Services.

2.0 RECOMMENDATIONS

2.1 The Council is asked to approve a shared waste depot at Northfield from April 2021.

2.2 The shared depot is expected to save £250,000 each year.
""",
    f"{LIBRARIES}.txt": """Report To: Beta District Council
Subject: Library Opening Hours

1.0 PROPOSAL

1.1 Beta District Council will reduce the opening hours of Eastgate library to four days a week.

1.2 The change to library opening hours takes effect on 1 June 2021.
""",
}

QUESTIONS = [
    {
        "id": "officer",
        "question": "Who is the contact officer for the joint waste collection report?",
        "answers": [["Jane Smith"]],
        "sources": ["alpha-council"],
        "type": "who",
    },
    {
        "id": "hours",
        "question": "When does the change to library opening hours take effect?",
        "answers": [["1 June 2021", "June 2021"]],
        "sources": ["beta-district"],
        "type": "when",
    },
    {
        "id": "saving",
        "question": "How much will the shared waste depot save each year?",
        "answers": [["£250,000", "£250k"]],
        "sources": [WASTE],
        "type": "number",
    },
    {
        "id": "parking",
        "question": "What did Gamma County Council decide about parking charges?",
        "unanswerable": True,
        "type": "unanswerable",
    },
]


# --- hand-made answers --------------------------------------------------------------------------


def cite(doc_id: str, quote: str, chunk_id: str = "c1") -> dict:
    return {"doc_id": doc_id, "chunk_id": chunk_id, "quote": quote}


def answer(
    text: str = "",
    abstained: bool = False,
    citations: list[dict] | None = None,
    retrieved: list[dict] | None = None,
    latency_ms: float = 10.0,
) -> dict:
    return {
        "answer": text,
        "abstained": abstained,
        "citations": citations or [],
        "retrieved": retrieved or [],
        "latency_ms": latency_ms,
    }


WHO = {
    "id": "q",
    "question": "Which councils lead the waste work stream?",
    "answers": [["Glasgow", "Glasgow City"], ["North Lanarkshire"]],
    "sources": ["inverclyde"],
    "type": "who",
}
UNANSWERABLE = {"id": "u", "question": "What did Bristol decide?", "unanswerable": True}


def test_an_answer_is_correct_when_every_group_has_an_alternative():
    assert answer_correct(WHO, answer("glasgow  city and NORTH\nLanarkshire [1]."))
    assert not answer_correct(WHO, answer("Glasgow [1]."))
    assert normalise("  North \t Lanarkshire ") == "north lanarkshire"


def test_an_abstained_or_too_long_answer_is_wrong():
    assert not answer_correct(WHO, answer("Glasgow and North Lanarkshire", abstained=True))
    long = "Glasgow and North Lanarkshire. " + "x" * MAX_ANSWER_CHARS
    assert not answer_correct(WHO, answer(long))
    score = score_answer(WHO, answer(long), {}, {})
    assert score.problems == (f"too long ({len(long)} > {MAX_ANSWER_CHARS} characters)",)


def test_an_unanswerable_question_is_right_only_when_abstained():
    assert answer_correct(UNANSWERABLE, answer("I can't find that.", abstained=True))
    assert not answer_correct(UNANSWERABLE, answer("Bristol agreed [1]."))
    score = score_answer(UNANSWERABLE, answer("", abstained=True), {}, {})
    assert (score.abstention_ok, score.false_abstention, score.citation_hit) == (True, None, None)


def test_a_citation_hits_when_its_doc_id_contains_a_source():
    hit = answer("Glasgow", citations=[cite("x-other", "q"), cite("Inverclyde-council-2010", "q")])
    assert citation_hit(WHO, hit) is True
    assert citation_hit(WHO, answer("Glasgow", citations=[cite("bromsgrove-2009", "q")])) is False
    assert citation_hit(WHO, answer("Glasgow")) is False  # answered without citing anything
    assert citation_hit(WHO, answer("", abstained=True)) is None  # not answered: not counted
    assert citation_hit({**WHO, "sources": []}, hit) is None


def test_quotes_must_be_verbatim_substrings_of_their_chunks():
    texts = {"c1": "The Council agreed to share a depot.", "c2": "Other text."}
    exact = answer("x", citations=[cite("d", "agreed to share", "c1"), cite("d", "Other", "c2")])
    assert quote_exact(exact, texts) is True
    assert quote_exact(answer("x", citations=[cite("d", "agreed  to share", "c1")]), texts) is False
    assert quote_exact(answer("x", citations=[cite("d", "Other", "gone")]), texts) is False
    assert quote_exact(answer("x"), texts) is None


def test_recall_mrr_and_doc_at_1_come_from_the_retrieved_chunks():
    retrieved = [
        {"doc_id": "bromsgrove-2009", "chunk_id": "a"},
        {"doc_id": "inverclyde-council-2010", "chunk_id": "b"},
        {"doc_id": "inverclyde-council-2010", "chunk_id": "c"},
    ]
    evidence = {"a": "Nothing here.", "b": "Lead: Glasgow", "c": "and North\nLanarkshire"}
    score = score_answer(WHO, answer("Glasgow", retrieved=retrieved), {}, evidence)
    assert (score.recall, score.reciprocal_rank, score.doc_at_1) == (True, 0.5, False)
    assert score.evidence_rr == 1 / 3  # both facts are in only from the third chunk on

    shallow = score_answer(WHO, answer("Glasgow", retrieved=retrieved), {}, evidence, depth=2)
    assert shallow.recall is False
    assert shallow.recall_missing == (("North Lanarkshire",),)
    assert reciprocal_rank(["inverclyde"], ["a", "b"]) == 0.0
    assert reciprocal_rank(["inverclyde"], ["inverclyde-x"]) == 1.0


def test_summaries_count_each_metric_over_the_questions_it_applies_to():
    scores = [
        score_answer(WHO, answer("Glasgow, North Lanarkshire", latency_ms=10), {}, {}),
        score_answer(WHO, answer("", abstained=True, latency_ms=20), {}, {}),
        score_answer(UNANSWERABLE, answer("", abstained=True, latency_ms=30), {}, {}),
        score_answer({"id": "plain", "question": "Hello?"}, answer("Hi", latency_ms=40), {}, {}),
    ]
    summary = summarise(scores)
    assert (summary.questions, summary.graded) == (4, 3)
    assert summary.rates["correct"].total == 2 and summary.rates["correct"].n == 3
    assert summary.value("citation_hit") == 0.0  # one answered, uncited
    assert summary.rates["citation_hit"].n == 1
    assert summary.value("false_abstention") == 0.5
    assert summary.value("abstention_ok") == 1.0
    assert summary.value("abstention_precise") == 0.5  # of two abstentions, one was right
    assert summary.rates["quote_exact"].n == 0
    assert summary.latency_p50 == 25.0
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 95) == pytest.approx(10.5)
    assert percentile([], 50) is None


# --- question files ----------------------------------------------------------------------------


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_bad_json_line_is_named_by_file_and_line_number(tmp_path):
    path = write_lines(
        tmp_path / "q.jsonl",
        ['{"id": "a", "question": "One?"}', "", '{"id": "b", "question": "Two?",}'],
    )
    with pytest.raises(QuestionFileError, match=r"q\.jsonl, line 3: not valid JSON"):
        load_questions(path)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"question": "No id?"}', "`id` must be a non-empty string"),
        ('{"id": "a", "question": "Q?", "answers": ["Glasgow"]}', "`answers` must be a list"),
        ('{"id": "a", "question": "Q?", "answers": [["x"]], "unanswerable": true}', "cannot have"),
        ('{"id": "a", "question": "Q?", "history": [{"role": "user"}]}', "`history`"),
        ('["a", "b"]', "JSON object"),
    ],
)
def test_malformed_questions_are_refused_with_the_reason(tmp_path, line, message):
    path = write_lines(tmp_path / "q.jsonl", [line])
    with pytest.raises(QuestionFileError, match=r"line 1: ") as error:
        load_questions(path)
    assert message in str(error.value)


def test_unknown_fields_are_kept_and_named_once_in_a_warning(tmp_path):
    path = write_lines(
        tmp_path / "q.jsonl",
        [
            '{"id": "a", "question": "Q?", "answers": [["x"]], "page": 3, "rubric": "r1"}',
            '{"id": "b", "question": "Q?", "evidence": "x is so", "rubric": "r2", "label": 1}',
        ],
    )
    warned: list[str] = []
    questions = load_questions(path, warn=warned.append)
    assert [q["rubric"] for q in questions] == ["r1", "r2"]
    assert len(warned) == 1
    assert "rubric (first on line 1)" in warned[0] and "label (first on line 2)" in warned[0]
    assert "page" not in warned[0] and "evidence" not in warned[0]


def test_duplicate_ids_missing_and_empty_files_are_refused(tmp_path):
    path = write_lines(tmp_path / "q.jsonl", ['{"id": "a", "question": "Q?"}'] * 2)
    with pytest.raises(QuestionFileError, match="line 2: id 'a' is already used on line 1"):
        load_questions(path)
    with pytest.raises(QuestionFileError, match="does not exist"):
        load_questions(tmp_path / "missing.jsonl")
    with pytest.raises(QuestionFileError, match="holds no questions"):
        load_questions(write_lines(tmp_path / "empty.jsonl", [""]))


def test_the_cli_exits_2_with_one_message_for_a_bad_file(tmp_path, capsys, settings):
    out = tmp_path / "answers.jsonl"
    assert cli.main(["run", str(tmp_path / "missing.jsonl"), "--out", str(out)]) == 2
    bad = write_lines(tmp_path / "bad.jsonl", ['{"id": "a", "question": "Q?"}', "{oops"])
    assert cli.main(["retrieval", str(bad)]) == 2
    good = write_lines(tmp_path / "good.jsonl", ['{"id": "a", "question": "Q?"}'])
    assert cli.main(["run", str(good), "--out", str(out), "--corpus", str(tmp_path / "no")]) == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert errors == [
        f"error: {tmp_path / 'missing.jsonl'} does not exist or is not a file.",
        f"error: {bad}, line 2: not valid JSON (Expecting property name enclosed in double "
        "quotes).",
        f"error: --corpus {tmp_path / 'no'} is not a folder.",
    ]
    assert not out.exists()


# --- whole runs on a tiny corpus with the fake embedder ----------------------------------------


class FirstHitAnswerer:
    """Answers with the top hit's text and cites it; abstains only when nothing was found."""

    name = "first-hit"

    def answer(self, question, result, catalog) -> Answer:
        if not result:
            return Answer(question, "Nothing found.", abstained=True)
        chunk = result[0].chunk
        quote = chunk.text[:200]
        return Answer(
            question,
            f"{quote} [1]",
            abstained=False,
            citations=[Citation.from_chunk(1, chunk, quote)],
        )


@pytest.fixture
def papers(tmp_path) -> Path:
    folder = tmp_path / "papers"
    folder.mkdir()
    for name, text in PAPERS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def indexed(papers, store, embedder):
    summary = Ingester(store, embedder, workers=1).run([papers])
    assert (summary.documents, summary.failed) == (2, 0)
    return store


def assistant_with(answerer, store, embedder, tmp_path) -> Assistant:
    retriever = HybridRetriever(store, embedder, lexical_dir=tmp_path / "lexical")
    return Assistant(retriever, answerer)


def test_a_run_writes_answers_report_and_chart(indexed, embedder, tmp_path):
    assistant = assistant_with(FirstHitAnswerer(), indexed, embedder, tmp_path)
    evaluation = evaluate(assistant, QUESTIONS)

    out = tmp_path / "out" / "answers.jsonl"
    write_answers(out, evaluation.answers)
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == [q["id"] for q in QUESTIONS]
    for line, question in zip(lines, QUESTIONS, strict=True):
        assert line["question"] == question["question"]
        assert line["citations"][0]["doc_id"] in (WASTE, LIBRARIES)
        assert line["retrieved"] and line["latency_ms"] > 0

    summary = evaluation.summary
    assert summary.value("quote_exact") == 1.0  # the fake quotes its chunk verbatim
    assert summary.value("abstention_ok") == 0.0  # ... and never abstains
    assert summary.rates["recall"].n == 3 and summary.rates["reciprocal_rank"].n == 3
    assert set(evaluation.by_type) == {"who", "when", "number", "unanswerable"}
    assert "parking" in [f["id"] for f in failures(evaluation)]

    report = tmp_path / "out" / "report.md"
    written = write_report(report, evaluation, {"question file": "tiny.jsonl"})
    chart = report.with_suffix(".png")
    assert written == [report, chart]
    assert chart.read_bytes().startswith(PNG_MAGIC)
    text = report.read_text(encoding="utf-8")
    assert "| answer accuracy |" in text and "## By type" in text
    assert "![Answer accuracy and citation hit by type](report.png)" in text
    assert "### parking · unanswerable" in text
    assert "**Expected:** an abstention" in text


def test_a_file_with_only_ids_and_questions_gives_answers_and_latency(indexed, embedder, tmp_path):
    questions = load_questions(
        write_lines(
            tmp_path / "plain.jsonl",
            [json.dumps({"id": q["id"], "question": q["question"]}) for q in QUESTIONS[:2]],
        )
    )
    evaluation = evaluate(
        assistant_with(FirstHitAnswerer(), indexed, embedder, tmp_path), questions
    )
    assert not evaluation.graded and len(evaluation.answers) == 2
    assert all(s.graded is False and s.correct is None for s in evaluation.scores)
    assert evaluation.summary.latency_p95 > 0
    report = tmp_path / "plain.md"
    assert write_report(report, evaluation, {}) == [report]
    assert "only latency is measured" in report.read_text(encoding="utf-8")


def test_the_extractive_answerer_runs_through_the_harness(indexed, embedder, tmp_path):
    from retrieval.extractive import ExtractiveAnswerer

    evaluation = evaluate(
        assistant_with(ExtractiveAnswerer(), indexed, embedder, tmp_path), QUESTIONS
    )
    assert len(evaluation.answers) == len(QUESTIONS)
    assert evaluation.summary.value("quote_exact") in (1.0, None)  # its quotes are verbatim


def test_retrieval_modes_are_compared_on_the_same_questions(indexed, embedder, tmp_path):
    retrievers = {
        mode: HybridRetriever(indexed, embedder, lexical_dir=tmp_path / "lexical", mode=mode)
        for mode in ("hybrid", "dense", "lexical")
    }
    results = compare_modes(retrievers, QUESTIONS, k=3)
    assert list(results) == ["hybrid", "dense", "lexical"]
    for scores in results.values():
        assert [s.id for s in scores] == ["officer", "hours", "saving"]  # answerable only
        assert all(isinstance(s, Score) and s.recall is not None for s in scores)
    lexical = summarise(results["lexical"])
    assert lexical.value("doc_at_1") == 1.0  # distinctive words pick the right paper


def test_an_index_of_another_folder_lives_apart_and_is_reused(papers, settings, store, embedder):
    separate = corpus_settings(settings, papers)
    assert separate.data_dir.parent == settings.data_dir / "evals"
    assert separate.data_dir.name.startswith("papers-")
    assert separate.corpus_dir == papers
    assert corpus_settings(settings, papers).data_dir == separate.data_dir
    assert corpus_settings(settings, papers.parent).data_dir != separate.data_dir

    lines: list[str] = []
    ingester = Ingester(store, embedder, workers=1)
    first = ensure_index(separate, papers, echo=lines.append, ingester=ingester)
    again = ensure_index(separate, papers, echo=lines.append, ingester=ingester)
    assert (first.documents, again.skipped) == (2, 2)
    assert lines[1].startswith(f"index of {papers}: 2 papers (0 ingested, 2 unchanged, 0 failed)")


@pytest.fixture
def cli_settings(settings, monkeypatch):
    """`python -m evals` reads the environment itself; its models are the fake embedder."""
    from ingest import embedders
    from ingest import service as ingest_service
    from retrieval import service

    monkeypatch.setenv("CPA_DATA_DIR", str(settings.data_dir))
    for module in (service, ingest_service):
        monkeypatch.setattr(module, "build_embedder", lambda s: embedders.HashingEmbedder())
    return settings


def test_the_cli_builds_an_index_for_a_folder_and_reports(papers, cli_settings, tmp_path):
    questions = write_lines(tmp_path / "q.jsonl", [json.dumps(q) for q in QUESTIONS])
    out, report = tmp_path / "out" / "answers.jsonl", tmp_path / "out" / "report.md"
    argv = ["run", str(questions), "--out", str(out), "--corpus", str(papers)]
    assert cli.main([*argv, "--report", str(report)]) == 0

    assert len(out.read_text(encoding="utf-8").splitlines()) == len(QUESTIONS)
    metrics = json.loads(out.with_suffix(".metrics.json").read_text(encoding="utf-8"))
    assert metrics["overall"]["graded"] == len(QUESTIONS)
    assert report.with_suffix(".png").read_bytes().startswith(PNG_MAGIC)
    assert len(list((cli_settings.data_dir / "evals").glob("papers-*/index"))) == 1


def test_the_retrieval_cli_prints_json_for_every_mode(papers, cli_settings, tmp_path, capsys):
    questions = write_lines(tmp_path / "q.jsonl", [json.dumps(q) for q in QUESTIONS])
    argv = ["retrieval", str(questions), "--corpus", str(papers), "--k", "2", "--json"]
    assert cli.main(argv) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["k"] == 2
    assert list(result["modes"]) == ["hybrid", "dense", "lexical"]
    assert result["modes"]["hybrid"]["questions"] == 3
    assert {f["id"] for f in result["recall_failures"]} <= {"officer", "hours", "saving"}


# --- the held-out protocol ---------------------------------------------------------------------


def test_papers_of_one_meeting_fall_on_one_side_of_the_split():
    meetings = [f"westshire_dc_2024-0{m}-1{d}" for m in range(1, 10) for d in range(3)]
    stems = [f"{meeting}_{kind}" for meeting in meetings for kind in ("minutes", "decisions")]
    parts = assign(stems)
    assert parts == assign(reversed(stems))  # the order papers are found in does not matter
    for meeting in meetings:
        assert parts[f"{meeting}_minutes"] == parts[f"{meeting}_decisions"]
    held = sum(p == HELD_OUT for p in parts.values()) / len(parts)
    assert 0.4 <= held < 0.5  # whole meetings are held out until 40% of papers are
    assert group_of("westshire_dc_2024-01-10_minutes") == "westshire_dc_2024-01-10"
    assert group_of("parks-strategy") == "parks-strategy"


def test_a_question_takes_the_part_of_its_papers_and_may_not_straddle_two():
    split = Split({"a_2024-01-01_minutes": TUNING, "b_2024-02-02_report": HELD_OUT})
    assert split.part_of_question({"sources": ["b_2024-02-02"]}) == HELD_OUT
    assert split.part_of_question({"unanswerable": True, "about": ["a_2024"]}) == TUNING
    assert split.part_of_question({"sources": ["corpus-paper"]}) is None
    with pytest.raises(SplitError, match="both parts"):
        split.part_of_question({"id": "x", "sources": ["a_2024", "b_2024"]})


def test_a_split_run_shows_both_parts_and_lists_only_tuning_failures(indexed, embedder, tmp_path):
    split = Split({WASTE: TUNING, LIBRARIES: HELD_OUT})
    questions = [*QUESTIONS[:3], {**QUESTIONS[3], "about": [LIBRARIES]}]
    assistant = assistant_with(FirstHitAnswerer(), indexed, embedder, tmp_path)
    evaluation = evaluate(assistant, questions, split=split)
    assert evaluation.parts == [TUNING, HELD_OUT, TUNING, HELD_OUT]
    assert set(evaluation.by_part) == {TUNING, HELD_OUT}
    assert evaluation.by_part[HELD_OUT].rates["abstention_ok"].n == 1
    listed = {f["id"] for f in failures(evaluation)}
    assert "parking" not in listed and "hours" not in listed  # held-out: a figure only
    report = tmp_path / "split.md"
    write_report(report, evaluation, {})
    text = report.read_text(encoding="utf-8")
    assert "| metric | tuning | held-out | gap (points) |" in text
    assert "## By type and part" in text and "### parking" not in text


def test_the_baseline_cli_prints_our_recall_beside_the_naive_pipelines(
    papers, cli_settings, tmp_path, capsys
):
    questions = write_lines(tmp_path / "q.jsonl", [json.dumps(q) for q in QUESTIONS])
    assert cli.main(["baseline", str(questions), "--corpus", str(papers), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    overall = result["parts"]["all"]
    assert overall["questions"] == 3  # the answerable questions with answers
    for key in ("ours_recall@5", "ours_recall@8", "baseline_context@4", "baseline_context@8"):
        assert 0.0 <= overall[key] <= 1.0
    assert result["baseline_chunks"] >= 2


def test_the_retrieval_cli_ablates_each_stage(papers, cli_settings, tmp_path, capsys):
    from retrieval.hybrid import STAGES
    from retrieval.scoring import Weights

    questions = write_lines(tmp_path / "q.jsonl", [json.dumps(q) for q in QUESTIONS])
    argv = ["retrieval", str(questions), "--corpus", str(papers), "--ablate", "--json"]
    assert cli.main(argv) == 0
    modes = json.loads(capsys.readouterr().out)["modes"]
    fitted = set(Weights.load().retrieval.get("stages", STAGES))
    assert {f"− {stage}" for stage in STAGES if stage in fitted} <= set(modes)
