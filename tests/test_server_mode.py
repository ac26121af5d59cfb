"""End to end against a real Chroma server on loopback: ingest the corpus, then ask (slow).

The vector store is the server (`CPA_CHROMA_URL`), reached only through `Store` methods; the
answers should match what the same build gives over a persistent folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.chroma_server import chroma_server_fixture
from tests.conftest import CORPUS, REPO

pytestmark = pytest.mark.slow

chroma_server = chroma_server_fixture()
QUESTION = "Which councils lead the integrated waste management work stream?"
INVERCLYDE = "inverclyde-council-2010-02-18-clyde-valley-shared-services"


def _run(module: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def server_env(chroma_server, tmp_path_factory):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CPA_")}
    env |= {
        "CPA_CHROMA_URL": chroma_server.url,
        "CPA_COLLECTION": "server_mode_e2e",
        "CPA_DATA_DIR": str(tmp_path_factory.mktemp("server-mode-data")),
    }
    done = _run("ingest", str(CORPUS), env=env)
    assert done.returncode == 0, done.stderr
    return env


def test_ask_through_a_chroma_server_cites_the_paragraph(server_env):
    done = _run("retrieval", "ask", QUESTION, "--json", env=server_env)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert "Glasgow and North Lanarkshire" in answer["answer"]
    cited = {(c["doc_id"], c["paragraph"]) for c in answer["citations"]}
    assert (INVERCLYDE, "2.5") in cited
    # Nothing of the index was written locally: the chunks live in the server.
    assert not (REPO / server_env["CPA_DATA_DIR"] / "index").exists()


def test_server_and_folder_give_the_same_top_passages(server_env, tmp_path):
    local = {k: v for k, v in server_env.items() if k != "CPA_CHROMA_URL"}
    local["CPA_DATA_DIR"] = str(tmp_path)
    assert _run("ingest", str(CORPUS), env=local).returncode == 0
    question = "Which authority leads property sharing and local management in hubs?"
    ranked = []
    for env in (server_env, local):
        done = _run("retrieval", "search", question, "--json", env=env)
        assert done.returncode == 0, done.stderr
        ranked.append([hit["chunk_id"] for hit in json.loads(done.stdout)["hits"]][:3])
    assert ranked[0] == ranked[1]
