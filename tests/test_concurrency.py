"""One index, two processes: the UI server keeps answering while another process ingests into
the same data folder, and afterwards sees the new papers without a restart."""

from __future__ import annotations

import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from ingest.embedders import HashingEmbedder
from ingest.pipeline import Ingester
from ingest.service import build_decision_store, build_store
from ingest.settings import load_settings
from tests.conftest import CORPUS, REPO, free_port

WASTE = "Which councils lead the integrated waste management work stream?"
_INGEST = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from ingest.embedders import HashingEmbedder
from ingest.pipeline import Ingester
from ingest.service import build_decision_store, build_store
from ingest.settings import load_settings
settings = load_settings({}, data_dir=Path(sys.argv[2]))
summary = Ingester(
    build_store(settings), HashingEmbedder(), workers=2,
    decisions=build_decision_store(settings), data_dir=settings.data_dir,
).run([Path(sys.argv[3])])
print("ingested", summary.documents, "failed", summary.failed, flush=True)
"""


@pytest.mark.slow
def test_asks_over_http_succeed_during_and_after_another_process_ingests(realdocs, tmp_path):
    from gradio_client import Client

    from retrieval.answering import Assistant
    from retrieval.service import build_answerer, build_retriever
    from webui.layout import build_blocks
    from webui.server import launch
    from webui.services import Services

    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    settings = replace(
        load_settings({}, data_dir=tmp_path / "data", corpus_dir=corpus),
        anon_asks_per_minute=10**6,
    )
    Ingester(
        build_store(settings),
        HashingEmbedder(),
        decisions=build_decision_store(settings),
        data_dir=settings.data_dir,
    ).run([corpus])
    retriever = build_retriever(settings, embedder=HashingEmbedder())
    services = Services(settings, Assistant(retriever, build_answerer(settings), settings.top_k))
    services.warm_up()  # as `python app.py` does before it serves
    server = launch(build_blocks(services), "127.0.0.1", free_port(), block=False)
    clients = [Client(server.url, verbose=False) for _ in range(20)]

    def ask(client) -> str:
        try:
            record = client.predict(WASTE, [], {}, api_name="/ask")
        except Exception as exc:  # counted, not raised: every failure is reported at the end
            return f"failed: {exc}"
        return "right" if "Glasgow" in record["answer"] else f"wrong: {record['answer']}"

    writer = subprocess.Popen(
        [sys.executable, "-c", _INGEST, str(REPO), str(settings.data_dir), str(realdocs)],
        stdout=subprocess.PIPE,
        text=True,
    )
    outcomes: list[str] = []
    rounds = 0
    try:
        with ThreadPoolExecutor(20) as pool:
            while writer.poll() is None:
                outcomes += pool.map(ask, clients)
                rounds += 1
            out, _ = writer.communicate()
            assert "failed 0" in out, out
            during = list(outcomes)
            after = list(pool.map(ask, clients))
        assert rounds >= 2, "the ingest ended before the asks overlapped it"
        assert set(during) == {"right"}, sorted(set(during))
        assert set(after) == {"right"}, sorted(set(after))
        # The papers the other process added are searchable now, without a restart.
        added = {p.stem for p in realdocs.glob("*.pdf")}
        assert added <= {d["doc_id"] for d in services.documents()}
        record = clients[0].predict("workplace parking levy", [], {}, api_name="/ask")
        assert {r["doc_id"] for r in record["retrieved"]} & added, record["notes"]
    finally:
        if writer.poll() is None:
            writer.kill()
        server.close()
