"""The chat UI driven in Debian's Chromium through Playwright, with the real model (browser tier).

One app server per run, on loopback, over the corpus indexed with the real encoder (sharing the
model loaded by `real_corpus`). Each step saves a screenshot under data/test-artifacts/browser/.
"""

from __future__ import annotations

import re
import shutil
import socket
from contextlib import contextmanager
from pathlib import Path

import pytest

from ingest.settings import load_settings
from ingest.store import ChromaStore
from retrieval.answering import Assistant
from retrieval.extractive import ExtractiveAnswerer
from retrieval.hybrid import HybridRetriever
from retrieval.records import User
from tests.conftest import CORPUS, REALDOCS, REPO

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "data" / "test-artifacts" / "browser"
OFFICER, OFFICER_PASSWORD = "olu", "officer passphrase"
WASTE = "Which councils lead the integrated waste management work stream?"
LEVY_PDF = "bristol_tcpc_2024-09-12_committee_report_workplace_parking_levy.pdf"

HOSTILE_NOTICE = """KILNWORTH PARISH COUNCIL
Report to: Amenities Committee
Date: 3 March 2015

1. Bandstand notice
1.1 The committee agreed that the Zorbington bandstand notice will read <script>window.__xss = 1; alert("script")</script> and <img src=x onerror="window.__xss = 2; alert('img')"> exactly as supplied by the band.
"""


@pytest.fixture(scope="module")
def chromium():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium (CI installs it)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield browser
        browser.close()


@contextmanager
def serve(real_corpus, root: Path, answerer):
    """The UI served on a free loopback port with this answerer, over its own copy of the
    corpus index (uploads must not change what other tests search)."""
    from webui.layout import build_blocks
    from webui.server import launch
    from webui.services import Services

    _, embedder, indexed = real_corpus
    shutil.copytree(indexed / "index", root / "index")
    settings = load_settings({}, data_dir=root / "data", corpus_dir=CORPUS, collection="corpus")
    shutil.copytree(indexed / "decisions", settings.decisions_path.parent)
    store = ChromaStore(path=root / "index", collection="corpus")
    retriever = HybridRetriever(store, embedder, lexical_dir=root / "lexical")
    services = Services(settings, Assistant(retriever, answerer, settings.top_k))
    services.users.add(OFFICER, OFFICER_PASSWORD, "officer")
    assert services.index_corpus().skipped == 5  # already indexed: nothing to embed
    services.warm_up()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    demo = build_blocks(services)
    server = launch(
        demo,
        "127.0.0.1",
        port,
        block=False,
        sign_in=services.sign_in,
        allowed_paths=[str(settings.downloads_dir)],
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        yield server.url, services
    finally:
        server.close()


@pytest.fixture(scope="module")
def app(chromium, real_corpus, tmp_path_factory):
    """The UI with the default (extractive) answerer."""
    with serve(real_corpus, tmp_path_factory.mktemp("ui"), ExtractiveAnswerer()) as served:
        yield served


@pytest.fixture
def page(chromium, app, request):
    """A fresh page on the app; records dialogs and fails the test if a script error occurs."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(app[0])
    page.get_by_label("Your question").wait_for()
    yield page
    context.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def ask(page, question: str):
    """Type a question and press Enter, as a keyboard user would; returns the finished answer."""
    from playwright.sync_api import expect

    done = page.locator("#chat .answer:not(.streaming)")
    before = done.count()
    box = page.get_by_label("Your question")
    box.fill(question)
    box.press("Enter")
    expect(done).to_have_count(before + 1, timeout=60_000)
    return done.nth(before)


def sign_in(page, url: str) -> None:
    """Sign in as the officer through the sign-in page, as a person would."""
    page.goto(url.rstrip("/") + "/signin")
    page.get_by_label("Name").fill(OFFICER)
    page.get_by_label("Password").fill(OFFICER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Your question").wait_for()
    from playwright.sync_api import expect

    expect(page.locator("#account")).to_contain_text(f"Signed in as {OFFICER} (officer)")


def upload(page, path: Path, expected: str) -> None:
    from playwright.sync_api import expect

    if "Signed in as" not in page.locator("#account").inner_text():
        sign_in(page, page.url.split("?")[0])
    page.get_by_role("tab", name="Library").click()
    page.locator("#upload input[type=file]").set_input_files(str(path))
    page.get_by_role("button", name="Add to library").click()
    expect(page.locator("#upload-status")).to_contain_text(expected, timeout=120_000)
    page.get_by_role("tab", name="Ask").click()


MINUTES = """KILNWORTH PARISH COUNCIL
Minutes of the meeting of the Amenities Committee held on Tuesday 14 May 2019 at 7.30pm
Present: Cllrs Ashdown (Chair), Birch, Corran and Dale.
31 Apologies
Apologies were received from Cllr Elm.
32 Minutes of the last meeting
The minutes of the meeting held on 9 April 2019 were approved as a correct record.
33 Bandstand repainting
It was proposed by Cllr Birch and seconded by Cllr Corran that the quotation of £1,850 from
Greenway Decorators be accepted. The motion was CARRIED (3 for, 1 against).
RESOLVED that the Clerk instructs Greenway Decorators to repaint the bandstand before the fete.
34 Date of next meeting
11 June 2019.
"""


def test_decisions_tab_filters_by_body_and_date_and_opens_a_cited_minute(page, app, tmp_path):
    from playwright.sync_api import expect

    paper = tmp_path / "kilnworth-amenities-2019-05-14-minutes.txt"
    paper.write_text(MINUTES)
    summary, _ = app[1].add_papers([paper], User(OFFICER, "officer"))
    assert summary.failed == 0
    page.reload()
    page.get_by_role("tab", name="Decisions").click()
    body = page.get_by_label("Body", exact=True).last
    body.click()
    page.get_by_role("option", name="Parish Council", exact=True).click()
    page.keyboard.press("Escape")
    page.get_by_label("Since (yyyy-mm-dd)").fill("2019-01-01")
    page.get_by_label("Until (yyyy-mm-dd)").fill("2019-12-31")
    page.get_by_role("button", name="Search decisions").click()
    expect(page.locator("#decisions-status")).to_contain_text("2 decisions", timeout=30_000)
    table = page.locator("#decisions-table")
    expect(table).to_contain_text("Moved by Cllr Birch, seconded by Cllr Corran")
    expect(table).not_to_contain_text("Harborough")
    table.get_by_role("gridcell").filter(has_text="RESOLVED that the Clerk instructs").first.click()
    viewer = page.locator("#decision-view")
    expect(viewer).to_contain_text("Showing the cited minute 33", timeout=30_000)
    expect(viewer.locator("mark")).to_contain_text("RESOLVED that the Clerk instructs")
    shot(page, "09-decisions")


def test_waste_question_cites_paragraph_2_5_and_opens_the_paper(page):
    from playwright.sync_api import expect

    answer = ask(page, WASTE)
    expect(answer).to_contain_text("Glasgow")
    shot(page, "01-answer")
    marker = answer.locator("a.cite-marker").first
    expect(marker).to_have_text("[1]")
    marker.click()
    assert page.url.endswith("#cite-1-1")
    citation = page.locator("#cite-1-1")
    expect(citation).to_be_visible()
    expect(citation.locator(".cite-meta")).to_contain_text(
        "Inverclyde Council · Council · 2010-02-18 · para 2.5"
    )
    expect(citation.locator("mark")).to_contain_text("Glasgow and North Lanarkshire")
    shot(page, "02-citation")
    page.get_by_role("button", name="Open document").click()
    focus = page.locator("#doc-focus")
    expect(focus).to_be_visible()
    expect(page.locator("#doc-view .doc-at")).to_contain_text("paragraph 2.5")
    expect(focus.locator("mark")).to_contain_text("Glasgow and North Lanarkshire")
    expect(page.locator("#doc-view h3")).to_contain_text("Clyde Valley Community Planning")
    shot(page, "03-document")


def test_follow_up_uses_the_conversation(page):
    from playwright.sync_api import expect

    ask(page, WASTE)
    follow = ask(page, "And who leads the back office one?")
    expect(follow).to_contain_text("East Renfrewshire")
    rewritten = page.locator("#chat small.rewritten").last
    expect(rewritten).to_contain_text(re.compile(r"Searched for: .*back office work stream"))
    expect(page.locator("#sources .citation").first).to_contain_text("Inverclyde Council")
    shot(page, "04-follow-up")
    page.get_by_role("button", name="New conversation").click()
    expect(page.locator("#chat .answer")).to_have_count(0)
    expect(page.locator("#sources")).to_contain_text("Ask a question")


def test_council_filter_is_shown_and_applied(page):
    from playwright.sync_api import expect

    page.locator("#filters").get_by_text("Filters").click()
    council = page.get_by_label("Council", exact=True)
    council.click()
    page.get_by_role("option", name="Harborough District Council").click()
    page.keyboard.press("Escape")
    expect(page.locator("#filters-active")).to_contain_text(
        "Active filters: council: Harborough District Council"
    )
    answer = ask(page, "What benefits have shared services brought?")
    expect(answer).to_contain_text("[1]")
    metas = page.locator("#sources .cite-meta")
    assert metas.count() >= 1
    for text in metas.all_inner_texts():
        assert text.startswith("Harborough District Council"), text
    shot(page, "05-filter")


def test_uploaded_pdf_is_searchable_at_once(page, tmp_path):
    from playwright.sync_api import expect

    if not (REALDOCS / LEVY_PDF).exists():
        pytest.skip("../shared/realdocs is not present")
    pdf = tmp_path / LEVY_PDF
    shutil.copyfile(REALDOCS / LEVY_PDF, pdf)
    upload(page, pdf, f"{LEVY_PDF} added")
    page.get_by_role("tab", name="Library").click()
    expect(page.locator("#library")).to_contain_text("Workplace Parking Levy")
    shot(page, "06-library")
    page.get_by_role("tab", name="Ask").click()
    answer = ask(page, "How much revenue has Nottingham's Workplace Parking Levy raised?")
    expect(answer).to_contain_text("£83 million")
    expect(page.locator("#sources .citation").first).to_contain_text("Bristol")
    shot(page, "07-upload-answer")
    page.get_by_role("button", name="Open document").click()
    expect(page.locator("#doc-view .doc-at")).to_contain_text(re.compile(r"page \d+ of \d+"))
    # The cited PDF page itself, drawn as a picture beside the text view.
    picture = page.locator("#page-view img")
    expect(picture).to_be_visible()
    assert picture.evaluate("img => img.naturalWidth") > 500
    expect(page.locator("#page-view")).to_contain_text(re.compile(r"Page \d+"))
    shot(page, "08-upload-document")


def test_the_public_see_no_upload_or_export_and_officers_sign_in_for_them(page, app):
    from playwright.sync_api import expect

    expect(page.locator("#account")).to_contain_text("Sign in")
    page.get_by_role("tab", name="Library").click()
    expect(page.locator("#library")).to_be_visible()
    assert not page.locator("#add-papers").is_visible()
    assert not page.locator("#export-feedback").is_visible()
    page.goto(app[0].rstrip("/") + "/signin")
    page.get_by_label("Name").fill(OFFICER)
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong name or password")
    sign_in(page, app[0])
    page.get_by_role("tab", name="Library").click()
    expect(page.locator("#add-papers")).to_be_visible()
    shot(page, "12-signed-in-library")
    page.get_by_role("link", name="Sign out").click()
    expect(page.locator("#account")).to_contain_text("Sign in")


def test_markup_in_a_paper_is_shown_as_text_and_never_runs(page, tmp_path):
    from playwright.sync_api import expect

    notice = tmp_path / "hostile-notice.txt"
    notice.write_text(HOSTILE_NOTICE, encoding="utf-8")
    upload(page, notice, "hostile-notice.txt added")
    answer = ask(page, "What will the Zorbington bandstand notice read?")
    expect(answer).to_contain_text("<script>")
    sources = page.locator("#sources")
    expect(sources).to_contain_text('<img src=x onerror="window.__xss = 2;')
    expect(sources.locator(".cite-meta").first).to_contain_text("Kilnworth Parish Council")
    page.get_by_role("button", name="Open document").click()
    expect(page.locator("#doc-focus")).to_contain_text("</script>")
    page.wait_for_timeout(500)  # let any injected handler fire before checking
    assert page.dialogs == []
    assert page.evaluate("window.__xss") is None
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("script:has-text('__xss')").count() == 0
    shot(page, "09-markup-escaped")


def test_example_question_copy_feedback_and_export(chromium, app):
    from playwright.sync_api import expect

    url, services = app
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url.rstrip("/"))
    page = context.new_page()
    try:
        sign_in(page, url)  # exporting feedback is for officers
        page.get_by_text("Which councils lead the integrated waste").click()  # an example
        answer = page.locator("#chat .answer:not(.streaming)")
        expect(answer).to_contain_text("Glasgow", timeout=60_000)
        page.get_by_role("button", name="Copy answer").click()
        expect(page.locator("#copy-text")).to_be_attached()
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied.startswith("Glasgow and North Lanarkshire [1].\n\nSources:\n[1] Clyde Valley")
        before = len(services.feedback.entries())
        page.get_by_text("Rate the last answer").click()
        page.get_by_label("Comment (optional)").fill("Quick and <b>right</b>")
        page.get_by_role("button", name="👍 Helpful").click()
        expect(page.locator("#feedback-status")).to_contain_text("feedback saved with your comment")
        page.locator("#chat").get_by_role("button", name="Dislike").first.click()
        page.wait_for_timeout(500)
        entries = services.feedback.entries()[before:]
        assert [(e["rating"], e["comment"]) for e in entries] == [
            ("up", "Quick and <b>right</b>"),
            ("down", ""),
        ]
        assert entries[0]["citations"][0]["paragraph"] == "2.5"
        page.get_by_role("button", name="Export feedback (JSONL)").click()
        link = page.locator("#feedback a[download]").first
        expect(link).to_have_attribute("download", re.compile(r"^feedback-[\d-]+\.jsonl$"))
        shot(page, "11-feedback")
    finally:
        context.close()


def test_keyboard_only_and_phone_width(chromium, app):
    from playwright.sync_api import expect

    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(app[0])
        page.get_by_label("Your question").wait_for()
        # The question box has focus on load: type and press Enter, no mouse.
        page.keyboard.type(WASTE)
        page.keyboard.press("Enter")
        expect(page.locator("#chat .answer:not(.streaming)")).to_contain_text(
            "Glasgow", timeout=60_000
        )
        for _ in range(80):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.classList.contains('cite-marker')"):
                break
        else:
            pytest.fail("the citation marker is not reachable with Tab")
        page.keyboard.press("Enter")
        assert page.url.endswith("#cite-1-1")
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1] + 1, f"page is wider than the phone: {width}"
        for name in ("Ask", "New conversation", "Copy answer", "Open document"):
            expect(page.get_by_role("button", name=name)).to_be_visible()
        shot(page, "10-phone")
    finally:
        context.close()


def test_a_generative_answer_streams_into_the_chat(chromium, real_corpus, tmp_path, monkeypatch):
    """With an LLM backend (here an OpenAI-compatible stub on loopback) the answer appears piece
    by piece, then becomes the checked, cited answer."""
    from playwright.sync_api import expect

    from retrieval.generative import GenerativeAnswerer, build_chat_model
    from tests.openai_stub import OpenAIStub

    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with OpenAIStub() as stub:
        # Text is shown once it cites evidence it was given, so the citation comes early.
        pieces = ["Glasgow and North Lanarkshire [1]", " lead", " that", " work", " stream."]
        stub.reply("".join(pieces), chunks=pieces, chunk_delay=0.7)
        model = build_chat_model("openai:stub-model", base_url=stub.url + "/v1", timeout=30)
        answerer = GenerativeAnswerer(model, fallback=ExtractiveAnswerer(), timeout=30)
        with serve(real_corpus, tmp_path, answerer) as (url, _):
            context = chromium.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.goto(url)
            box = page.get_by_label("Your question")
            box.fill(WASTE)
            box.press("Enter")
            streaming = page.locator("#chat .answer.streaming")
            expect(streaming).to_contain_text("Glasgow", timeout=30_000)
            assert "stream." not in streaming.inner_text()  # the rest is still arriving
            shot(page, "10-streaming")
            final = page.locator("#chat .answer:not(.streaming)")
            expect(final).to_contain_text("[1] lead that work stream.", timeout=30_000)
            expect(final.locator("a.cite-marker")).to_have_text("[1]")
            expect(page.locator("#sources .cite-meta").first).to_contain_text("para 2.5")
            shot(page, "11-streamed-answer")
            context.close()
