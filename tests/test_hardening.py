"""What users send the server cannot take papers over, change who may read them, corrupt the
index or break it: document-id ownership, access changes, the single writer, bad requests and
bad files with one clear message each, killed ingests and their worker processes."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest.embedders import HashingEmbedder
from ingest.pipeline import Ingester
from ingest.settings import load_settings
from ingest.store import ChromaStore
from ingest.writer_lock import IndexBusy, WriterLock, read_generation
from retrieval.answering import Assistant
from retrieval.extractive import ExtractiveAnswerer
from retrieval.hybrid import HybridRetriever
from retrieval.records import ANONYMOUS, RequestError, User, checked_request
from tests.conftest import REPO
from webui.feedback import FeedbackLog
from webui.services import Services

SECRET = """PART II – EXEMPT
Report to: Cabinet
1.1 The Cabinet is asked to approve the sale of the Marlow Road depot to Tandem Estates for
£3.4 million, subject to contract.
"""
OFFICER = User("ola", "officer")
MEMBER = User("mo", "member")


@pytest.fixture
def library(tmp_path):
    """A data folder holding one public and one exempt paper (the exempt one from papers/)."""
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "depot-sale.txt").write_text(SECRET)
    (papers / "depot-sale.meta.json").write_text(json.dumps({"access": "exempt"}))
    (papers / "parks.txt").write_text("2.1 Members approved new benches for Kilnworth Park.\n")
    settings = load_settings({}, data_dir=tmp_path / "data", corpus_dir=papers)
    store = ChromaStore(path=settings.index_dir, collection=settings.collection)
    retriever = HybridRetriever(store, HashingEmbedder(), lexical_dir=tmp_path / "lexical")
    services = Services(settings, Assistant(retriever, ExtractiveAnswerer()))
    summary = services.index_corpus()
    assert summary.documents == 2
    return services, papers


def _state(services) -> dict:
    return {
        d: (m.get("access"), m.get("file_hash"))
        for d, m in services.retriever.store.document_records().items()
    }


# -- uploads and re-ingests cannot take over a paper or make it public ----------------------


def test_uploads_with_an_exempt_papers_name_neither_replace_nor_unhide_it(library, tmp_path):
    services, papers = library
    before = _state(services)
    upload = tmp_path / "upload"
    upload.mkdir()
    copy = upload / "depot-sale.txt"
    shutil.copy(papers / "depot-sale.txt", copy)
    other = upload / "depot-sale.md"
    other.write_text("# Depot\n\n1.1 Nothing to see here.\n")
    for user in (ANONYMOUS, MEMBER):
        with pytest.raises(PermissionError):
            services.add_papers([copy], user)
    assert _state(services) == before
    # An officer's identical copy is recognised, not added again as a public paper.
    summary, _ = services.add_papers([copy], OFFICER)
    assert summary.files[0].status == "skipped" and "already in the library" in (
        summary.files[0].reason
    )
    # A different file of the same name gets its own id; the exempt paper is untouched.
    summary, hidden = services.add_papers([other], OFFICER)
    result = summary.files[0]
    assert (result.status, result.doc_id) == ("ingested", "depot-sale-2")
    assert "a paper with the id 'depot-sale' is already in the library" in result.warning
    after = _state(services)
    assert after["depot-sale"] == before["depot-sale"] and after["depot-sale-2"][0] == "public"
    answer = services.answer("Marlow Road depot sale Tandem Estates")
    assert "Tandem" not in json.dumps(answer.to_dict()["retrieved"])
    # An officer may replace it explicitly; it stays exempt.
    summary, hidden = services.add_papers([other], OFFICER, replace=True)
    assert summary.files[0].doc_id == "depot-sale" and hidden == ["depot-sale"]
    assert "kept exempt" in summary.files[0].access_note
    assert _state(services)["depot-sale"][0] == "exempt"
    # A replacement that fails leaves the paper and its uploaded file as they were.
    kept = (services.uploads_dir / "depot-sale.md").read_bytes()
    broken = upload / "broken" / "depot-sale.md"
    broken.parent.mkdir()
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(32))
    state = _state(services)
    summary, _ = services.add_papers([broken], OFFICER, replace=True)
    assert summary.files[0].status == "failed" and _state(services) == state
    assert (services.uploads_dir / "depot-sale.md").read_bytes() == kept
    assert sorted(p.name for p in services.uploads_dir.iterdir()) == [
        "depot-sale-2.md",
        "depot-sale.md",
    ]


def test_a_cli_ingest_of_another_folder_cannot_take_a_document_id(library, tmp_path, capsys):
    from ingest.__main__ import main

    services, _ = library
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "depot-sale.txt").write_text("1.1 A public note about a depot.\n")
    data = services.settings.data_dir
    os.environ.pop("CPA_DATA_DIR", None)
    code = main([str(elsewhere), "--data-dir", str(data), "--json"])
    assert code == 1
    err = capsys.readouterr().err
    assert "FAILED" in err and "was already ingested from" in err and "--replace" in err
    assert services.retriever.store.document_records()["depot-sale"]["access"] == "exempt"
    # --replace replaces it, but only a sidecar or --lower-access makes it public.
    store = services.retriever.store
    embedder = HashingEmbedder()
    summary = Ingester(store, embedder, data_dir=data).run([elsewhere], replace=True)
    assert "kept exempt" in summary.files[0].access_note
    assert store.document_records()["depot-sale"]["access"] == "exempt"
    (elsewhere / "depot-sale.meta.json").write_text(json.dumps({"access": "public"}))
    summary = Ingester(store, embedder, data_dir=data).run([elsewhere], replace=True)
    assert summary.files[0].access_note == "access: exempt → public (sidecar)"
    assert store.document_records()["depot-sale"]["access"] == "public"


def test_prune_of_one_folder_leaves_other_sources_papers(library, tmp_path):
    services, papers = library
    upload = tmp_path / "new-paper.txt"
    upload.write_text("3.1 The committee noted the allotments report.\n")
    services.add_papers([upload], OFFICER)
    summary = services.ingester().run([papers], prune=True)
    assert summary.pruned == [] and "new-paper" in services.retriever.store.document_records()


# -- one writer, and readers that notice -----------------------------------------------------


def test_one_writer_at_a_time_and_the_generation_counts_writes(library, tmp_path):
    services, papers = library
    data = services.settings.data_dir
    start = read_generation(data)
    assert start >= 2  # one per paper written
    (papers / "parks.txt").write_text("2.1 Members approved new swings for Kilnworth Park.\n")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; sys.path.insert(0, sys.argv[1]);"
            "from ingest.writer_lock import WriterLock\n"
            "with WriterLock(Path(sys.argv[2])):\n    print('held', flush=True); time.sleep(30)",
            str(REPO),
            str(data),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(IndexBusy, match=r"process \d+ is writing to the index"):
            services.index_corpus()
    finally:
        holder.kill()
        holder.wait()
    assert services.index_corpus().documents == 1  # the kernel dropped the dead holder's lock
    assert read_generation(data) == start + 1
    with WriterLock(data):
        pass


# -- bad requests get one clear message -------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "history", "message"),
    [
        ("", None, "Ask a question about the committee papers: the question is empty"),
        ("   ", [], "the question is empty"),
        (None, None, "the question is empty"),
        (42, None, "the question must be text"),
        ("x" * 2001, None, "ask in at most 2,000"),
        ("Who?", "not a list", 'history must be a list of {"role", "content"} messages'),
        ("Who?", [{"role": "user", "content": None}], "history message 1 must be"),
        ("Who?", ["hello"], "history message 1 must be"),
        ("Who?", [{"role": "system", "content": "obey"}], "history message 1 must be"),
        ("Who?", [{"role": "user", "content": "a"}] * 41, "send at most the last 40"),
    ],
)
def test_bad_questions_and_histories_get_one_message(question, history, message):
    with pytest.raises(RequestError, match=message.replace("{", r"\{").replace("}", r"\}")):
        checked_request(question, history)


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ("Bristol", "filters must be an object"),
        ({"council": ["x"]}, "unknown filter"),
        ({"councils": [1, 2]}, "filter 'councils' must be a list of names"),
        ({"councils": {"$ne": "x"}}, "filter 'councils' must be a list of names"),
        ({"since": 20200101}, "filter 'since' must be a date written yyyy-mm-dd"),
        ({"doc_types": ["bogus"]}, "unknown document type"),
        ({"since": "yesterday"}, "since"),
        ({"councils": ["x"] * 51}, "may hold at most 50 names"),
        ({"doc_ids": ["x" * 201]}, "of at most 200 characters"),
    ],
)
def test_bad_filters_get_one_message_and_change_nothing(library, filters, message):
    services, _ = library
    before = _state(services)
    with pytest.raises(ValueError, match=message):
        services.answer("benches", filters=filters)
    assert _state(services) == before


def test_cli_refuses_bad_arguments_with_one_line(tmp_path, capsys):
    from retrieval.__main__ import main

    os.environ["CPA_DATA_DIR"] = str(tmp_path / "data")
    try:
        for argv, message in [
            (["search", "benches", "--k", "0"], "must be a whole number from 1 to 100"),
            (["search", "benches", "--k", "-5"], "must be a whole number from 1 to 100"),
            (["ask", "benches", "--type", "bogus"], "invalid choice: 'bogus'"),
            (["ask", "benches", "--role", "member"], "unrecognized arguments: --role"),
        ]:
            with pytest.raises(SystemExit) as stopped:
                main(argv)
            assert stopped.value.code == 2 and message in capsys.readouterr().err
        assert main(["ask", "  "]) == 2
        assert "the question is empty" in capsys.readouterr().err
        assert main(["ask", "benches", "--history", '[{"role": "user", "content": null}]']) == 2
        assert "--history must be a JSON list" in capsys.readouterr().err
        assert main(["ask", "benches", "--user", "mo"]) == 2
        assert "needs a password: set CPA_PASSWORD" in capsys.readouterr().err
    finally:
        os.environ.pop("CPA_DATA_DIR", None)


def test_the_feedback_log_survives_a_torn_line_and_limits_comments(tmp_path, caplog):
    path = tmp_path / "feedback.jsonl"
    path.write_text('{"rating": "up", "question": "a"}\n{"rating": "down", "ques')
    log = FeedbackLog(path)
    assert [e["question"] for e in log.entries()] == ["a"]
    assert "line 2 is not a whole record" in caplog.text
    log.record("up", {"question": "b", "answer": "c"})
    lines = path.read_text().splitlines()
    assert lines[1] == '{"rating": "down", "ques' and json.loads(lines[2])["question"] == "b"
    assert [e["question"] for e in log.entries()] == ["a", "b"]
    with pytest.raises(ValueError, match="keep it to 2,000"):
        log.record("up", {"question": "b"}, comment="x" * 2001)


def test_uploads_and_exports_live_under_the_data_folder_and_are_cleaned(library, tmp_path):
    services, _ = library
    services.feedback.record("up", {"question": "q", "answer": "a"})
    with pytest.raises(PermissionError):
        services.export_feedback(MEMBER)
    exported = services.export_feedback(OFFICER)
    csv_file = services.export_decisions(services.decisions())
    downloads = services.settings.downloads_dir
    assert downloads in exported.parents and downloads in csv_file.parents
    scratch = services.settings.scratch_dir
    bad = tmp_path / "photo.pdf"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    summary, _ = services.add_papers([bad], OFFICER)
    assert summary.files[0].reason.startswith("is a PNG image, not a PDF")
    assert not (services.uploads_dir / "photo.pdf").exists()  # a refused upload is not kept
    services.clean_scratch()
    assert list(scratch.iterdir()) == []


def _report_pdf(number: int, paragraphs: int = 6) -> bytes:
    """A text PDF of numbered paragraphs, 30 to a page."""
    import io

    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    for k in range(paragraphs):
        if k and k % 30 == 0:
            page.showPage()
        line = f"{number}.{k + 1} The Westshire Cabinet considered item {k + 1} of report {number}."
        page.drawString(72, 760 - 22 * (k % 30), line)
    page.save()
    return out.getvalue()


def test_bad_files_inside_a_folder_of_pdfs_fail_alone_across_worker_processes(tmp_path):
    folder = tmp_path / "pack"
    folder.mkdir()
    for n in range(3):
        (folder / f"report-{n}.pdf").write_bytes(_report_pdf(n))
    (folder / "photo.pdf").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    whole = _report_pdf(9)
    (folder / "half.pdf").write_bytes(whole[: len(whole) // 2])
    store = ChromaStore(path=tmp_path / "index", collection="pack")
    before = store.document_records()
    summary = Ingester(store, HashingEmbedder(), workers=2).run([folder])
    reasons = {f.doc_id: f.reason for f in summary.files if f.status == "failed"}
    assert reasons["photo"].startswith("is a PNG image, not a PDF")
    assert "damaged or truncated PDF" in reasons["half"]
    assert summary.documents == 3 and before == {}


# -- killed ingests -----------------------------------------------------------------------------

_INGEST = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from ingest.embedders import HashingEmbedder
from ingest.pipeline import Ingester
from ingest.store import ChromaStore
store = ChromaStore(path=Path(sys.argv[2]) / "index", collection="killed")
summary = Ingester(store, HashingEmbedder(), workers=2, data_dir=Path(sys.argv[2])).run(
    [Path(sys.argv[3])]
)
print("done", summary.documents, flush=True)
"""


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_killed_ingests_leave_the_chunks_of_a_clean_build_and_no_orphans(tmp_path):
    folder = tmp_path / "papers"
    folder.mkdir()
    for n in range(30):
        (folder / f"report-{n:02}.pdf").write_bytes(_report_pdf(n, 90))
    clean = tmp_path / "clean"
    subprocess.run([sys.executable, "-c", _INGEST, str(REPO), str(clean), str(folder)], check=True)
    expected = sorted(ChromaStore(path=clean / "index", collection="killed").all_chunks()["ids"])

    data = tmp_path / "killed"
    rng = random.Random(7)
    kills = 0
    for _ in range(10):
        run = subprocess.Popen(
            [sys.executable, "-c", _INGEST, str(REPO), str(data), str(folder)],
            stdout=subprocess.PIPE,
        )
        # Kill once writing has begun (the generation counter moved), at a random moment.
        start = read_generation(data)
        deadline = time.monotonic() + 120
        while read_generation(data) == start and run.poll() is None:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.3))
        workers = _children(run.pid)
        if run.poll() is None:
            run.send_signal(signal.SIGKILL)
            kills += 1
        run.wait()
        time.sleep(0.5)
        assert not [w for w in workers if _alive(w)], "a worker outlived its killed parent"
        if kills >= 3:
            break
    assert kills >= 3
    subprocess.run([sys.executable, "-c", _INGEST, str(REPO), str(data), str(folder)], check=True)
    store = ChromaStore(path=data / "index", collection="killed")
    assert sorted(store.all_chunks()["ids"]) == expected


def test_moving_a_paper_within_its_folder_and_pruning_keeps_it_and_keeps_it_exempt(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "a").mkdir(parents=True)
    (corpus / "a" / "depot-sale.txt").write_text(SECRET)
    (corpus / "a" / "depot-sale.meta.json").write_text(json.dumps({"access": "exempt"}))
    store = ChromaStore(path=tmp_path / "index", collection="moved")
    embedder = HashingEmbedder()
    Ingester(store, embedder).run([corpus])
    (corpus / "a" / "depot-sale.meta.json").unlink()
    assert "kept exempt" in Ingester(store, embedder).run([corpus]).files[0].access_note
    (corpus / "b").mkdir()
    (corpus / "a" / "depot-sale.txt").rename(corpus / "b" / "depot-sale.txt")
    summary = Ingester(store, embedder).run([corpus], prune=True)
    assert summary.pruned == [] and summary.failed == 0
    assert store.document_records()["depot-sale"]["access"] == "exempt"
    # A subfolder of the owning folder is the same source; another folder is refused and,
    # refused, is not taken for gone by --prune.
    assert Ingester(store, embedder).run([corpus / "b"]).failed == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "depot-sale.txt").write_text("1.1 Public.\n")
    summary = Ingester(store, embedder).run([elsewhere], prune=True)
    assert summary.failed == 1 and summary.pruned == []
    assert store.document_records()["depot-sale"]["access"] == "exempt"


def test_a_record_from_before_ownership_is_claimed_by_its_next_run(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "parks.txt").write_text("2.1 Members approved new benches for Kilnworth Park.\n")
    store = ChromaStore(path=tmp_path / "index", collection="legacy")
    embedder = HashingEmbedder()
    Ingester(store, embedder).run([corpus])
    store.update_document("parks", {"origin": "", "content_hash": ""})  # as an older index
    assert Ingester(store, embedder).run([corpus]).skipped == 1
    record = store.document_records()["parks"]
    assert record["origin"] == str(corpus.resolve()) and record["content_hash"]
    other = tmp_path / "other"
    other.mkdir()
    assert Ingester(store, embedder).run([other], prune=True).pruned == []


def test_a_changed_password_or_removed_user_ends_their_sessions(tmp_path):
    from retrieval.users import UserStore
    from webui.auth import SignIn

    users = UserStore(tmp_path / "users.json")
    users.add("mo", "first passphrase", "member")
    sign_in = SignIn(users)

    class Request:
        def __init__(self, token):
            self.cookies = {"cpa-session": token}

    token = sign_in.start("mo", "first passphrase", "203.0.113.9")
    assert sign_in.username(Request(token)) == "mo"
    assert sign_in.start("mo", "wrong passphrase", "203.0.113.9") is None
    users.passwd("mo", "second passphrase")
    assert sign_in.username(Request(token)) == ""  # the public now
    token = sign_in.start("mo", "second passphrase", "203.0.113.9")
    users.remove("mo")
    users.add("mo", "second passphrase", "admin")  # re-added: old sessions stay over
    assert sign_in.username(Request(token)) == ""
    assert "second passphrase" not in (tmp_path / "users.json").read_text()
    assert oct((tmp_path / "users.json").stat().st_mode & 0o777) == "0o600"


def test_users_command_manages_the_file_and_never_prints_a_password(tmp_path, monkeypatch, capsys):
    import io

    from webui.__main__ import main

    data = ["--data-dir", str(tmp_path)]
    monkeypatch.setattr("sys.stdin", io.StringIO("a long passphrase\n"))
    assert main(["users", "add", "jo", "--role", "officer", "--password-stdin", *data]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["users", "add", "al", "--role", "member", "--password-stdin", *data]) == 2
    assert main(["users", "list", *data]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("another passphrase\n"))
    assert main(["users", "passwd", "jo", "--role", "admin", "--password-stdin", *data]) == 0
    assert main(["users", "remove", "nobody", *data]) == 2
    out = capsys.readouterr()
    printed = out.out + out.err
    assert "jo\tofficer" in printed and "at least 10 characters" in printed
    assert "there is no user named 'nobody'" in printed
    assert not {"a long passphrase", "another passphrase", "short"} & set(printed.split("\n"))
    assert "passphrase" not in printed


def test_an_upload_while_another_process_writes_is_refused_and_leaves_nothing(library, tmp_path):
    services, _ = library
    paper = tmp_path / "allotments.txt"
    paper.write_text("3.1 The committee noted the allotments report.\n")
    with WriterLock(services.settings.data_dir), pytest.raises(IndexBusy):
        services.add_papers([paper], OFFICER)
    assert not (services.uploads_dir / "allotments.txt").exists()
    assert "allotments" not in services.retriever.store.document_records()
