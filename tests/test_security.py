"""Exempt papers stay private on every surface, and an anonymous caller learns nothing from them.

A real council report (Gloucester's finance-team staffing report, from ../shared/realdocs) is made
exempt with a sidecar and indexed beside the shipped corpus and one public paper of the same
council. As the public, more than 50 adversarial queries quote its title, phrases, amounts,
contact officer, telephone number and document id through every surface: the Python API, the
CLI's search and ask, the HTTP `ask` and `decisions` endpoints, every other Gradio event by
`fn_index`, the library list, the document viewer, the page image, the decisions register and
the error messages. None may reveal it, and the public's rankings and answers must be identical
with and without it in the index. A signed-in member does find it.
"""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

import pytest

from ingest.embedders import HashingEmbedder
from ingest.settings import load_settings
from retrieval.records import ANONYMOUS, Filters, User
from tests.conftest import CORPUS, REALDOCS, free_port

SECRET_FILE = "gloucester_cabinet_2026-03-11_finance_team_resource_requirements.pdf"
SECRET = SECRET_FILE.removesuffix(".pdf")
PUBLIC_SAME_COUNCIL = "gloucester_cabinet_2025-12-10_local_council_tax_support_scheme.pdf"
# Strings only the exempt paper holds (none is in the corpus or the other Gloucester paper).
MARKERS = (
    "McGinty",
    "396200",
    "250k",
    "Decision Making Accountability",
    "prolonged instability",
    "Paid Service",
    "Finance Team",
    "interim staff",
    SECRET,
    "finance_team_resource",
)
QUERIES = [
    "Resource Requirements for GCC Finance Team",
    "Who is the contact officer Jon McGinty?",
    "jon.mcginty@gloucester.gov.uk",
    "Tel 396200",
    "What is the notional allocation of £250k for?",
    "£250k Finance team and Asset management team",
    "Decision Making Accountability (DMA) methodology",
    "LGA review of the finance team",
    "prolonged instability in the Finance team",
    "frequent leadership changes, reliance on interim staff",
    "Head of Paid Service review of the Finance function",
    "Section 4 of the Local Government and Housing Act 1989",
    "designate one of their officers as its Head of Paid Service",
    "no redundancies from the team are anticipated",
    "change consultation process with team members",
    "Statutory Recommendations external auditors October 2025",
    "capacity, capability and resilience of the Finance Team",
    "recommended new structure for the Finance Team in Appendix 2",
    "Proposed New Organisational Structure",
    "LGA Decision Making Accountability Report",
    "temporary agency services to mitigate risks",
    "Cabinet 11 March 2026 Gloucester",
    "What did Gloucester Cabinet decide in March 2026?",
    "Has any council restructured its finance team?",
    "Who moved the finance team restructure?",
    "Which officers are being recruited through external recruitment?",
    "financial recovery plan budget monitoring processes",
    "business-partnering approach cultural change",
    "What are the staffing and trade union implications?",
    "Which wards are affected by the finance review?",
    SECRET,
    f"doc {SECRET}",
    "gloucester_cabinet_2026-03-11",
    "Gloucester City Council finance capacity",
    "Is the report for general release?",
    "LGR constraints on public sector pay",
    "Who is the Section 151 Officer?",
    "What alternative organisational structures did the LGA put forward?",
    "Budget Plan for 2026-27",
    "job descriptions restructure HR advice",
]
PUBLIC_QUESTIONS = [
    json.loads(line)["question"]
    for line in (CORPUS.parent / "evals" / "questions" / "dev.jsonl").read_text().splitlines()[:22]
]
ALL_QUERIES = QUERIES + PUBLIC_QUESTIONS
MEMBER = User("mo", "member")
PASSWORD = "members-only-passphrase"


def _no_markers(text: str, where: str, query: str = "") -> None:
    """No marker in `text`, once the caller's own query (echoed back as the question, in any
    escaping) is taken out of it."""
    import html

    if query:
        for form in {query, html.escape(query), json.dumps(query)[1:-1]}:
            for again in {form, json.dumps(form)[1:-1], html.escape(form)}:
                text = text.replace(again, " ")
    found = [m for m in MARKERS if m.lower() in text.lower()]
    assert not found, f"{where} reveals the exempt paper: {found}"


def _index(root: Path, folders: list[Path]):
    """Settings over `root`, with `folders` ingested into them (fake embedder, all stores)."""
    from ingest.pipeline import Ingester
    from ingest.service import build_decision_store, build_store

    settings = load_settings({}, data_dir=root / "data", corpus_dir=CORPUS)
    summary = Ingester(
        build_store(settings),
        HashingEmbedder(),
        decisions=build_decision_store(settings),
        data_dir=settings.data_dir,
    ).run(folders)
    assert summary.failed == 0, [f.reason for f in summary.files if f.status == "failed"]
    return settings


@pytest.fixture(scope="module")
def papers(tmp_path_factory):
    """Two data folders: the public papers alone, and the same plus the exempt report."""
    if not REALDOCS.is_dir():
        pytest.skip("../shared/realdocs is not present")
    root = tmp_path_factory.mktemp("security")
    public = root / "public"
    public.mkdir()
    shutil.copy(REALDOCS / PUBLIC_SAME_COUNCIL, public)
    secret = root / "exempt"
    secret.mkdir()
    shutil.copy(REALDOCS / SECRET_FILE, secret)
    (secret / f"{SECRET}.meta.json").write_text(json.dumps({"access": "exempt"}))
    without = _index(root / "without", [CORPUS, public])
    with_secret = _index(root / "with", [CORPUS, public, secret])
    return without, with_secret


def _services(settings, **changes):
    """The UI's services over these settings (the anonymous rate limit lifted unless given)."""
    from dataclasses import replace

    from retrieval.answering import Assistant
    from retrieval.service import build_answerer, build_retriever
    from webui.services import Services

    settings = replace(settings, **{"anon_asks_per_minute": 10**6, **changes})
    retriever = build_retriever(settings, embedder=HashingEmbedder())
    return Services(settings, Assistant(retriever, build_answerer(settings), settings.top_k))


@pytest.fixture(scope="module")
def both(papers):
    without, with_secret = papers
    return _services(without), _services(with_secret)


def _comparable(record: dict) -> str:
    record = dict(record)
    record.pop("latency_ms", None)
    return json.dumps(record, sort_keys=True, ensure_ascii=False)


def test_anonymous_rankings_and_answers_are_identical_with_and_without_the_exempt_paper(both):
    plain, secret = both
    assert len(ALL_QUERIES) >= 50
    for query in ALL_QUERIES:
        for k in (5, 20):
            a = plain.retriever.search(query, k=k).to_dict()
            b = secret.retriever.search(query, k=k).to_dict()
            assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True), query
            _no_markers(json.dumps(b), f"search {query!r}", query)
        answer = secret.answer(query)
        assert _comparable(plain.answer(query).to_dict()) == _comparable(answer.to_dict()), query
        _no_markers(json.dumps(answer.to_dict()), f"answer {query!r}", query)


def test_a_signed_in_member_finds_the_exempt_paper(both):
    _, secret = both
    found = 0
    for query in QUERIES[:20]:
        hits = secret.retriever.search(query, user=MEMBER, k=5)
        found += any(h.doc_id == SECRET for h in hits)
    assert found >= 15
    assert SECRET in {d["doc_id"] for d in secret.documents(MEMBER)}
    assert secret.document(SECRET, MEMBER) is not None
    assert secret.page_image(SECRET, 1, MEMBER) is not None
    assert any(r["doc_id"] == SECRET for r in secret.decisions("finance team", user=MEMBER))


def test_library_viewer_page_image_decisions_and_filters_hide_it_from_the_public(both):
    _, secret = both
    _no_markers(json.dumps(secret.documents(), default=str), "the library list")
    assert secret.document(SECRET) is None
    assert secret.page_image(SECRET, 1) is None
    for query in ("finance team", "Head of Paid Service", SECRET, ""):
        _no_markers(json.dumps(secret.decisions(query)), f"decisions {query!r}", query)
    assert secret.decisions(filters=Filters(doc_ids=(SECRET,))) == []
    # Filtering by the exempt paper's id or type answers exactly as for a paper that is not there.
    for filters in (Filters(doc_ids=(SECRET,)), Filters(doc_ids=("no-such-paper",))):
        record = secret.answer("finance team", filters=filters).to_dict()
        _no_markers(json.dumps(record), "a filtered answer", "finance team")


def test_cli_and_python_api_reveal_nothing_to_the_public(papers, monkeypatch, capsys):
    import retrieval
    import retrieval.answering
    import retrieval.service
    from retrieval.__main__ import main

    _, settings = papers
    for key in [k for k in __import__("os").environ if k.startswith("CPA_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("CPA_DATA_DIR", str(settings.data_dir))
    monkeypatch.setattr(retrieval.service, "build_embedder", lambda _s: HashingEmbedder())
    monkeypatch.setattr(retrieval.service, "_default", None)
    monkeypatch.setattr(retrieval.answering, "_default", None)
    for query in QUERIES:
        for command in (["search", query, "--json", "--k", "10"], ["ask", query, "--json"]):
            assert main(command) == 0
            out = capsys.readouterr()
            _no_markers(out.out + out.err, f"CLI {command[0]} {query!r}", query)
        found = retrieval.search(query, k=10).to_dict()
        _no_markers(json.dumps(found), "retrieval.search", query)
        _no_markers(json.dumps(retrieval.answer(query).to_dict()), "retrieval.answer", query)
    # (`retrieval.decisions` stays the function after the register module is imported.)
    import retrieval.decision_register

    _no_markers(json.dumps(retrieval.decisions("finance")), "retrieval.decisions")
    # Errors name nothing either: a filter on the exempt paper's council lists public ones only.
    assert main(["ask", "finance team", "--doc", SECRET, "--json"]) == 0
    out = capsys.readouterr()
    _no_markers(out.out + out.err, "an ask filtered to the exempt paper", "finance team")
    # --user needs a password that checks out; there is no --role to claim.
    assert main(["ask", "finance", "--user", "mo"]) == 2
    assert "needs a password" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["ask", "finance", "--user", "mo", "--role", "member"])
    capsys.readouterr()


# -- over HTTP: the named endpoints and every Gradio event by fn_index ---------------------


@pytest.fixture(scope="module")
def served(both):
    from webui.layout import build_blocks
    from webui.server import launch

    _, services = both
    services.users.add("mo", PASSWORD, "member")
    demo = build_blocks(services)
    server = launch(demo, "127.0.0.1", free_port(), block=False, sign_in=services.sign_in)
    yield server.url, demo, services
    server.close()


def _events(url: str, session: str, fn_index: int, data: list, cookies=None) -> str:
    """Run one Gradio event through the queue, as a browser or script would; all it sent back."""
    import httpx

    with httpx.Client(base_url=url, cookies=cookies, timeout=60) as client:
        joined = client.post(
            "gradio_api/queue/join",
            json={"data": data, "fn_index": fn_index, "session_hash": session, "event_data": None},
        )
        text = joined.text
        if joined.status_code != 200:
            return text
        with client.stream(
            "GET", "gradio_api/queue/data", params={"session_hash": session}
        ) as stream:
            for line in stream.iter_lines():
                text += line + "\n"
                if '"process_completed"' in line or '"close_stream"' in line:
                    break
    return text


def _inputs(demo, fn, query: str) -> list:
    """Plausible hostile values for an event's inputs: the query in every text field and every
    picker (some queries are the exempt paper's id)."""
    values = []
    for block in fn.inputs:
        kind = type(block).__name__
        if kind in ("Textbox", "HTML", "Markdown"):
            values.append(query)
        elif kind == "Dropdown":
            values.append([query] if getattr(block, "multiselect", False) else query)
        elif kind == "Checkbox":
            values.append(True)
        elif kind == "Chatbot":
            values.append([])
        else:
            values.append(None)
    return values


def test_every_gradio_event_by_fn_index_reveals_nothing_to_the_public(served):
    url, demo, services = served
    before = {d: m.get("file_hash") for d, m in services.retriever.store.document_records().items()}
    session = uuid.uuid4().hex[:10]
    seen = 0
    for query in QUERIES[:8]:
        for index, fn in demo.fns.items():
            if fn.fn is None:
                continue  # a front-end-only event (copying text, scrolling)
            out = _events(url, session, index, _inputs(demo, fn, query))
            _no_markers(out, f"event {index} ({fn.name}) with {query!r}", query)
            seen += 1
    assert seen >= 8 * 15
    after = {d: m.get("file_hash") for d, m in services.retriever.store.document_records().items()}
    assert after == before  # an anonymous upload event changed nothing


def test_named_endpoints_hide_it_from_the_public_and_show_it_to_a_signed_in_member(served):
    import httpx
    from gradio_client import Client

    url, _, _ = served
    public = Client(url, verbose=False)
    for query in QUERIES[:12]:
        _no_markers(json.dumps(public.predict(query, [], {}, api_name="/ask")), "/ask", query)
        rows = public.predict(query, api_name="/decisions")
        _no_markers(json.dumps(rows), "/decisions", query)
    with pytest.raises(Exception) as refused:
        public.predict("finance", [], {"doc_types": ["bogus"]}, api_name="/ask")
    assert "unknown document type" in str(refused.value)

    # A wrong password signs nobody in; the right one gives a session cookie.
    wrong = httpx.post(f"{url}signin", data={"name": "mo", "password": "nope"})
    assert wrong.status_code == 401 and "cpa-session" not in wrong.cookies
    signed = httpx.post(
        f"{url}signin", data={"name": "mo", "password": PASSWORD}, follow_redirects=False
    )
    assert signed.status_code == 303 and signed.cookies.get("cpa-session")
    member = Client(
        url, verbose=False, headers={"Cookie": f"cpa-session={signed.cookies['cpa-session']}"}
    )
    record = member.predict("Who is the contact officer Jon McGinty?", [], {}, api_name="/ask")
    assert any(r["doc_id"] == SECRET for r in record["retrieved"])
    # A forged cookie is the public.
    forged = Client(url, verbose=False, headers={"Cookie": "cpa-session=forged"})
    record = forged.predict("Jon McGinty", [], {}, api_name="/ask")
    _no_markers(json.dumps(record), "a forged session", "Jon McGinty")


def test_anonymous_use_can_be_switched_off(papers):
    import httpx

    from webui.layout import build_blocks
    from webui.server import launch

    _, settings = papers

    closed = _services(settings, anonymous="off")
    server = launch(
        build_blocks(closed), "127.0.0.1", free_port(), block=False, sign_in=closed.sign_in
    )
    try:
        page = httpx.get(server.url, follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"] == "/signin"
        assert httpx.get(f"{server.url}config").status_code == 401
        joined = httpx.post(
            f"{server.url}gradio_api/queue/join",
            json={"data": ["finance", [], {}], "fn_index": 0, "session_hash": "abc"},
        )
        assert joined.status_code == 401
    finally:
        server.close()


def test_the_public_get_a_rate_limit_and_members_do_not(papers):

    _, settings = papers
    services = _services(settings, anon_asks_per_minute=3)

    class Request:
        username = ""
        client = type("Client", (), {"host": "198.51.100.7"})()

    for _ in range(3):
        services.check_rate(Request(), ANONYMOUS)
    with pytest.raises(ValueError, match="Too many questions from this address"):
        services.check_rate(Request(), ANONYMOUS)
    services.check_rate(Request(), MEMBER)  # signed-in users are not limited


def test_only_officers_send_files_and_a_sent_page_is_never_served_as_a_page(served):
    import httpx

    url, _, services = served
    services.users.add("ola", "officer passphrase", "officer")
    evil = ("evil.html", b"<script>fetch('/gradio_api/queue/join')</script>", "text/html")
    assert httpx.post(f"{url}gradio_api/upload", files={"files": evil}).status_code == 403
    member = httpx.post(f"{url}signin", data={"name": "mo", "password": PASSWORD})
    as_member = {"cpa-session": member.cookies["cpa-session"]}
    refused = httpx.post(f"{url}gradio_api/upload", files={"files": evil}, cookies=as_member)
    assert refused.status_code == 403
    officer = httpx.post(f"{url}signin", data={"name": "ola", "password": "officer passphrase"})
    as_officer = {"cpa-session": officer.cookies["cpa-session"]}
    sent = httpx.post(f"{url}gradio_api/upload", files={"files": evil}, cookies=as_officer)
    assert sent.status_code == 200
    [path] = sent.json()
    fetched = httpx.get(f"{url}gradio_api/file={path}", cookies=as_officer)
    assert fetched.headers["content-disposition"].startswith("attachment")
    assert "text/html" not in fetched.headers["content-type"]
