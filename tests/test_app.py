"""The chat UI's helpers with the fake embedder: escaping, filters, papers, feedback, the `ask` API.

The UI in a real browser is in test_browser.py; these check what each piece shows or stores.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from ingest.embedders import HashingEmbedder
from ingest.records import Chunk, DocumentMeta
from ingest.store import ChromaStore
from retrieval.answering import Assistant
from retrieval.extractive import ExtractiveAnswerer
from retrieval.hybrid import HybridRetriever
from retrieval.records import Answer, Citation, Filters, User
from tests.conftest import CORPUS, REPO, free_port
from webui import render
from webui.feedback import FeedbackLog
from webui.layout import build_blocks, plain_answer
from webui.server import launch
from webui.services import Services

INVERCLYDE = "inverclyde-council-2010-02-18-clyde-valley-shared-services"
OFFICER = User("olu", "officer")
WASTE = "Which councils lead the integrated waste management work stream?"
HOSTILE = (
    '<script>alert("x")</script> <img src=x onerror="alert(1)"> [link](javascript:alert(2)) $$x$$'
)

EXEMPT_PAPER = """PART II – EXEMPT
Report to: Cabinet
Date: 5 March 2012

Recommendation
1.1 The Cabinet is asked to approve the disposal of the Zephyrfield depot to Quillon Holdings
for £1.2 million, subject to contract.
"""


def hostile_chunk() -> Chunk:
    meta = DocumentMeta(doc_id="evil", title=f"Evil {HOSTILE}", council="Bad <b>Council</b>")
    text = f"2.5 Before. {HOSTILE} After."
    return Chunk("evil", text, 100, 100 + len(text), 0, paragraphs=("2.5",), page=3, meta=meta)


def hostile_answer(chunk: Chunk) -> tuple[Answer, Citation]:
    citation = Citation.from_chunk(1, chunk, HOSTILE)
    answer = Answer(
        question="<b>q</b>",
        answer=f"{HOSTILE} [1].",
        abstained=False,
        citations=[citation],
        rewritten_query="<i>rewritten</i>",
        notes=["<u>note</u>"],
    )
    return answer, citation


def no_markup(html: str, chat: bool = False) -> None:
    """The hostile text is present only escaped: no tag it could create, and in chat messages
    (rendered as Markdown) no link or LaTeX either."""
    for bad in ("<script", "<img", "<style", "<b>", "<i>", "<u>"):
        assert bad not in html, bad
    if chat:
        for bad in ("$$", "](", "[link]"):
            assert bad not in html, bad


def test_answer_message_escapes_document_text_and_links_markers():
    answer, _ = hostile_answer(hostile_chunk())
    html = render.answer_message(answer, turn=2)
    no_markup(html, chat=True)
    assert "&lt;script&gt;" in html and "&lt;img src=x onerror=" in html
    assert '<a class="cite-marker" href="#cite-2-1"' in html
    assert "Searched for: &lt;i&gt;rewritten&lt;/i&gt;" in html
    assert "&lt;u&gt;note&lt;/u&gt;" in html


def test_bulleted_answer_becomes_a_list_and_unknown_markers_stay_text():
    chunk = hostile_chunk()
    answer, _ = hostile_answer(chunk)
    answer.answer = "- Glasgow [1]\n- Renfrewshire [7]"
    html = render.answer_message(answer, turn=1)
    assert html.count("<li>") == 2 and 'href="#cite-1-1"' in html
    assert "&#91;7&#93;" in html and "cite-1-7" not in html


def test_sources_panel_highlights_the_quote_inside_its_escaped_passage():
    chunk = hostile_chunk()
    answer, _ = hostile_answer(chunk)
    html = render.sources_panel(answer, {chunk.id: chunk}, turn=1)
    no_markup(html)
    assert 'id="cite-1-1"' in html
    assert "para 2.5 · p. 3" in html
    before, marked = html.split("<mark>", 1)
    assert "2.5 Before." in before
    assert marked.startswith("&lt;script&gt;") and "</mark> After." in marked


def test_document_view_marks_the_cited_passage_and_escapes_everything():
    chunk = hostile_chunk()
    _, citation = hostile_answer(chunk)
    other = Chunk("evil", "3.1 <style>body{}</style>", 200, 226, 1, page=4, meta=chunk.meta)
    html = render.document_view(
        {"doc_id": "evil", "title": HOSTILE, "pages": 4}, [other, chunk], citation
    )
    no_markup(html)
    assert "<style" not in html
    assert html.index('id="doc-focus"') < html.index("Page 4")
    assert "Showing the cited paragraph 2.5 on page 3 of 4" in html
    assert html.count("<mark>") == 1


def test_other_user_visible_text_is_escaped():
    no_markup(render.user_message(HOSTILE), chat=True)
    no_markup(render.partial_answer(HOSTILE), chat=True)
    no_markup(render.error_message(HOSTILE), chat=True)
    no_markup(render.active_filters(Filters(councils=(HOSTILE,))))
    result = type("R", (), {"path": f"/x/{HOSTILE}.txt", "status": "failed", "reason": HOSTILE})
    no_markup(render.upload_report([result()]))


def test_filters_from_the_form_and_the_active_filters_line():
    filters = render.filters_from_form(["Inverclyde Council"], None, ["report"], " 2010-01-01 ", "")
    assert filters == Filters(
        councils=("Inverclyde Council",), doc_types=("report",), since="2010-01-01"
    )
    line = render.active_filters(filters)
    assert "Active filters" in line and "Inverclyde Council" in line and "since 2010-01-01" in line
    assert "No filters" in render.active_filters(render.filters_from_form([], [], [], "", ""))


def test_feedback_log_appends_jsonl_and_exports(tmp_path):
    log = FeedbackLog(tmp_path / "data" / "feedback.jsonl")
    answer, _ = hostile_answer(hostile_chunk())
    log.record("up", answer.to_dict(), comment="  Spot on  ", filters={"councils": ["X"]})
    log.record("down", answer.to_dict())
    entries = log.entries()
    assert [e["rating"] for e in entries] == ["up", "down"]
    assert entries[0]["comment"] == "Spot on" and entries[0]["filters"] == {"councils": ["X"]}
    assert entries[0]["question"] == "<b>q</b>" and entries[0]["citations"][0]["paragraph"] == "2.5"
    exported = log.export()
    assert exported.read_text(encoding="utf-8") == log.path.read_text(encoding="utf-8")
    assert exported.parent != log.path.parent
    with pytest.raises(ValueError, match="rating"):
        log.record("meh", answer.to_dict())
    with pytest.raises(ValueError, match="ask a question first"):
        log.record("up", None)


def test_copied_answer_is_plain_text_with_sources():
    answer, _ = hostile_answer(hostile_chunk())
    text = plain_answer(answer)
    assert text.startswith(f"{HOSTILE} [1].\n\nSources:\n[1] Evil")
    assert "para 2.5 · p. 3" in text


# -- services and the app, over the corpus with the fake embedder ------------------------------


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    """The UI's services over the corpus plus an exempt paper, fake embedder, own data folder."""
    from ingest.settings import load_settings

    root = tmp_path_factory.mktemp("app")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "secret-depot.txt").write_text(EXEMPT_PAPER)
    (corpus / "secret-depot.meta.json").write_text(
        json.dumps({"council": "Westshire Borough Council", "access": "exempt"})
    )
    settings = load_settings({}, data_dir=root / "data", corpus_dir=corpus)
    store = ChromaStore(path=root / "index", collection="app")
    retriever = HybridRetriever(store, HashingEmbedder(), lexical_dir=root / "lexical")
    services = Services(settings, Assistant(retriever, ExtractiveAnswerer()))
    summary = services.index_corpus()
    assert summary.failed == 0 and summary.documents == 6
    return services


def test_exempt_papers_never_reach_the_ui(services):
    assert "secret-depot" not in {d["doc_id"] for d in services.documents()}
    assert "Westshire Borough Council" not in services.choices("council")
    assert services.document("secret-depot") is None
    answer = services.answer("Zephyrfield depot disposal to Quillon Holdings")
    assert all(c.doc_id != "secret-depot" for c in [*answer.citations, *answer.suggestions])
    record = answer.to_dict()
    assert all(r["doc_id"] != "secret-depot" for r in record["retrieved"])
    assert "£1.2 million" not in json.dumps([record["answer"], record["suggestions"]])


def test_document_and_cited_chunks(services):
    answer = services.answer(WASTE)
    assert "Glasgow" in answer.answer
    chunks = services.cited_chunks(answer)
    assert set(chunks) == {c.chunk_id for c in answer.citations}
    meta, doc_chunks = services.document(INVERCLYDE)
    assert meta["council"] == "Inverclyde Council" and len(doc_chunks) == meta["chunks"]
    html = render.document_view(meta, doc_chunks, answer.citations[0])
    assert 'id="doc-focus"' in html and "Glasgow and North Lanarkshire</mark>" in html


def test_uploaded_papers_are_searchable_at_once_and_bad_files_are_refused(services, tmp_path):
    good = tmp_path / "kilnworth-bandstand.md"
    good.write_text(
        "# Kilnworth Parish Council\n\n2.1 Members approved a new bandstand for Kilnworth Park.\n"
    )
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    strange = tmp_path / "minutes.exe"
    strange.write_bytes(b"MZ\x00\x01")
    seen = []
    with pytest.raises(PermissionError, match="Only officers and admins may add papers"):
        services.add_papers([good], User())
    with pytest.raises(PermissionError):
        services.add_papers([good], User("ana", "member"))
    assert not services.uploads_dir.exists() or not any(services.uploads_dir.iterdir())
    summary, hidden = services.add_papers(
        [good, empty, strange], OFFICER, lambda stage, done, total: seen.append(stage)
    )
    status = {r.doc_id: (r.status, r.reason) for r in summary.files}
    assert status["kilnworth-bandstand"] == ("ingested", "")
    assert status["empty"] == ("failed", "is empty.")
    assert (
        status["minutes"][0] == "failed" and "unsupported file type '.exe'" in status["minutes"][1]
    )
    assert hidden == [] and "files" in seen
    assert sorted(p.name for p in services.uploads_dir.iterdir()) == ["kilnworth-bandstand.md"]
    assert "kilnworth-bandstand" in {d["doc_id"] for d in services.documents()}
    answer = services.answer("Who approved a bandstand for Kilnworth Park?")
    assert answer.citations and answer.citations[0].doc_id == "kilnworth-bandstand"
    report = render.upload_report(summary.files, hidden)
    assert "FAILED empty.txt: is empty." in report and "kilnworth-bandstand.md added" in report


def test_library_rows_list_every_visible_paper(services):
    rows = render.library_rows(services.documents())
    by_id = {row[-1]: row for row in rows}
    assert by_id[INVERCLYDE][:5] == [
        "Clyde Valley Community Planning Partnership - Review of Joint Working and Shared Services – Next Steps",
        "Inverclyde Council",
        "Council",
        "2010-02-18",
        "report",
    ]
    assert by_id[INVERCLYDE][6] > 0 and "secret-depot" not in by_id


def test_blocks_expose_only_the_ask_and_decisions_apis(services):
    demo = build_blocks(services)
    public = [
        fn.api_name
        for fn in demo.fns.values()
        if fn.api_name and getattr(fn, "api_visibility", "public") == "public"
    ]
    assert public == ["ask", "decisions"]


def test_decisions_tab_lists_opens_and_exports_only_visible_decisions(services):
    rows = services.decisions()
    assert rows and "secret-depot" not in {r["doc_id"] for r in rows}
    hidden = services.register().search("Zephyrfield", user=User("ana", "member"))
    assert hidden and hidden[0]["doc_id"] == "secret-depot"  # it exists, for members only
    assert services.decision_view(hidden[0]["id"]) is None
    assert services.decision_view("no-such-id") is None
    inverclyde = services.decisions(filters=Filters(councils=("inverclyde",)))
    table = render.decision_rows(inverclyde)
    assert [row[3] for row in table] == ["3.0(a)", "3.0(b)", "3.0(c)", "3.0(d)"]
    html, page = services.decision_view(inverclyde[1]["id"])
    assert 'id="doc-focus"' in html and "<mark>agree that that relevant officers" in html
    assert page is None  # a text paper has no page image
    import csv

    path = services.export_decisions(rows)
    with path.open(encoding="utf-8", newline="") as handle:
        exported = list(csv.reader(handle))
    assert exported[0][:8] == ["doc_id", "page", "ref", "kind", "body", "date", "subject", "text"]
    assert len(exported) == len(rows) + 1 and "Zephyrfield" not in path.read_text()


@pytest.fixture(scope="module")
def served(services):
    demo = build_blocks(services)
    server = launch(demo, "127.0.0.1", free_port(), block=False, sign_in=services.sign_in)
    yield server.url
    server.close()


def test_gradio_client_calls_ask_and_gets_the_answer_record(served):
    from gradio_client import Client

    client = Client(served, verbose=False)
    answer = client.predict(question=WASTE, api_name="/ask")
    assert "Glasgow" in answer["answer"] and not answer["abstained"]
    assert answer["citations"][0]["doc_id"] == INVERCLYDE
    assert set(answer) == set(Answer("", "", False).to_dict())
    follow = client.predict(
        question="And the back office one?",
        history=[
            {"role": "user", "content": WASTE},
            {"role": "assistant", "content": answer["answer"]},
        ],
        filters={"councils": ["Inverclyde"]},
        api_name="/ask",
    )
    assert follow["rewritten_query"] == "Which councils lead the back office work stream?"
    assert {c["council"] for c in follow["citations"]} <= {"Inverclyde Council"}
    with pytest.raises(Exception, match="since must be a date"):
        client.predict(question=WASTE, filters={"since": "last year"}, api_name="/ask")


def test_gradio_client_calls_the_decisions_endpoint(served):
    from gradio_client import Client

    client = Client(served, verbose=False)
    rows = client.predict(bodies=["environment board"], api_name="/decisions")
    assert [(r["ref"], r["kind"]) for r in rows] == [("1", "recommended"), ("2", "recommended")]
    assert rows[0]["text"].startswith("The Board endorses the commencement")
    assert client.predict(query="Zephyrfield depot", api_name="/decisions") == []
    with pytest.raises(Exception, match="kind must be one of"):
        client.predict(kinds=["bogus"], api_name="/decisions")


def test_app_refuses_a_malformed_setting_with_one_line(tmp_path):
    env = {**os.environ, "CPA_PORT": "http", "CPA_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "app.py"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: CPA_PORT='http' is not valid: must be a port number between 1 and 65535."
    ]


def _two_page_pdf(path, words: str) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=A4)
    for number in (1, 2):
        pdf.setFont("Helvetica", 11)
        pdf.drawString(72, 760, f"Report to Cabinet, page {number}")
        pdf.drawString(
            72, 740, f"{number}.1 The Cabinet is asked to note the {words} on page {number}."
        )
        pdf.showPage()
    pdf.save()


def test_the_cited_pdf_page_is_shown_as_a_picture_only_to_those_who_may_see_it(tmp_path):
    from ingest.settings import load_settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _two_page_pdf(corpus / "depot-report.pdf", "depot review")
    _two_page_pdf(corpus / "secret-sale.pdf", "confidential sale")
    (corpus / "secret-sale.meta.json").write_text(json.dumps({"access": "exempt"}))
    settings = load_settings({}, data_dir=tmp_path / "data", corpus_dir=corpus)
    store = ChromaStore(path=tmp_path / "index", collection="pages")
    retriever = HybridRetriever(store, HashingEmbedder(), lexical_dir=tmp_path / "lexical")
    services = Services(settings, Assistant(retriever, ExtractiveAnswerer()))
    assert services.index_corpus().failed == 0

    image = services.page_image("depot-report", 2)
    assert image is not None and image.width > 500 and image.height > 700
    assert len(set(image.convert("L").getdata())) > 2  # the page's text is drawn, not blank
    assert services.page_image("depot-report", 3) is None  # no such page
    assert services.page_image("depot-report", None) is None  # not a paged source
    assert services.page_image("secret-sale", 1) is None  # exempt: the public UI never sees it
    assert services.page_image("inverclyde", 1) is None  # not in the index

    _two_page_pdf(corpus / "depot-report.pdf", "revised depot review")
    assert services.page_image("depot-report", 2) is None  # changed since it was indexed
