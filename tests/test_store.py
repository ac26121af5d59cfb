"""ChromaStore contract: the same tests against a persistent folder and a real Chroma server.

Every test takes the parametrized `store` fixture below (params `persistent` and `server`), so
a behaviour difference between the two backends shows up as one parameter failing. The server
is started once per session on 127.0.0.1 (tests/chroma_server.py) and each test uses its own
collection name, so server tests cannot see each other's data.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from ingest.embedders import HashingEmbedder
from ingest.records import Chunk, DocumentMeta
from ingest.store import ChromaStore
from tests.chroma_server import chroma_server_fixture, free_port

chroma_server = chroma_server_fixture()

ANYTOWN = "Anytown Borough Council"
BARSET = "Barsetshire County Council"


# --- backends ---------------------------------------------------------------------------------


@dataclass
class Backend:
    kind: str
    collection: str
    open: Callable[[], ChromaStore]  # a new ChromaStore on the same folder / server
    created: Callable[[], bool]  # has anything been created for this store yet?
    # A store that must read everything back from disk (no shared in-process state), if the
    # backend has one.
    cold_open: Callable[[], ChromaStore] | None = None


def _persistent(tmp_path: Path, collection: str) -> Backend:
    path = tmp_path / "index"

    def cold_open() -> ChromaStore:
        # chromadb shares one client per folder inside a process; a copy of the folder forces
        # a new client that has nothing but the files to go on.
        copy = tmp_path / f"copy-{uuid.uuid4().hex[:8]}"
        shutil.copytree(path, copy)
        return ChromaStore(path=copy, collection=collection)

    return Backend(
        kind="persistent",
        collection=collection,
        open=lambda: ChromaStore(path=path, collection=collection),
        created=path.exists,
        cold_open=cold_open,
    )


def _server(server, collection: str) -> Backend:
    def created() -> bool:
        import chromadb
        from chromadb.config import Settings

        client = chromadb.HttpClient(
            host=server.host, port=server.port, settings=Settings(anonymized_telemetry=False)
        )
        names = {c.name for c in client.list_collections()}
        return bool(names & {collection, f"{collection}_documents"})

    return Backend(
        kind="server",
        collection=collection,
        open=lambda: ChromaStore(url=server.url, collection=collection),
        created=created,
    )


@pytest.fixture(params=["persistent", "server"])
def backend(request, tmp_path) -> Backend:
    collection = f"t_{uuid.uuid4().hex[:16]}"  # unique per test: server tests share one server
    if request.param == "persistent":
        return _persistent(tmp_path, collection)
    return _server(request.getfixturevalue("chroma_server"), collection)


@pytest.fixture
def store(backend) -> ChromaStore:
    """Overrides conftest's `store`: the same contract on each backend."""
    return backend.open()


# --- data -------------------------------------------------------------------------------------

KINDS = ("paragraph", "list", "table_row", "heading")
TOPICS = (
    "waste collection and recycling contracts",
    "shared revenues and benefits service",
    "joint procurement of highways maintenance",
    "£240K saving from a single back office",
    "the Chief Executive’s report on café licensing",
    "flood risk management partnership",
    "ICT infrastructure and data centre consolidation",
)


def doc_meta(doc_id: str, council: str = ANYTOWN, date: str = "2010-02-18", **kw) -> DocumentMeta:
    return DocumentMeta(
        doc_id=doc_id,
        title=kw.pop("title", f"Report {doc_id}"),
        council=council,
        body=kw.pop("body", "Cabinet"),
        date=date,
        report_ref=kw.pop("report_ref", f"REF/{doc_id}"),
        contact_officer=kw.pop("contact_officer", "Jane Smith"),
        source=f"{doc_id}.pdf",
        **kw,
    )


def make_chunks(meta: DocumentMeta, n: int) -> list[Chunk]:
    """n chunks of one paper with every optional field exercised somewhere."""
    chunks, offset = [], 0
    for i in range(n):
        kind = KINDS[i % len(KINDS)]
        text = f"{i}. {meta.doc_id}: {TOPICS[i % len(TOPICS)]} (item {i})."
        page = None if i % 5 == 4 else i // 3 + 1
        chunks.append(
            Chunk(
                doc_id=meta.doc_id,
                text=text,
                start=offset,
                end=offset + len(text),
                position=i,
                kind=kind,
                section=("2 Background", f"2.{i % 3} Options") if i % 2 else (),
                paragraphs=(f"2.{i}", f"2.{i + 1}") if i % 3 else (),
                page=page,
                page_end=page + (i % 2) if page is not None else None,
                lead="Council | Lead officer | Saving" if kind == "table_row" else "",
                meta=meta,
            )
        )
        offset += len(text) + 2
    return chunks


def vectors(chunks: list[Chunk], embedder) -> list[list[float]]:
    return embedder.embed([c.embed_text for c in chunks])


def put(store: ChromaStore, embedder, meta: DocumentMeta, chunks: list[Chunk], file_hash: str):
    """What ingestion does: chunks first, then the document record."""
    store.upsert_chunks(chunks, vectors(chunks, embedder), file_hash=file_hash)
    record = {**meta.to_metadata(), "file_hash": file_hash, "chunks": len(chunks)}
    store.put_document(meta.doc_id, embedder.embed([meta.title])[0], record)
    return record


# --- construction -----------------------------------------------------------------------------


def test_constructing_opens_and_creates_nothing(backend):
    store = backend.open()
    assert backend.collection in repr(store)
    assert not backend.created(), "constructing a ChromaStore must not create anything"
    if store.path is not None:
        assert not store.path.exists()
    store.count()  # first use connects and creates
    assert backend.created()


def test_constructing_with_an_unreachable_url_does_not_connect():
    store = ChromaStore(url=f"http://127.0.0.1:{free_port()}", collection="nothing_here")
    assert "127.0.0.1" in repr(store)
    with pytest.raises(ValueError):
        ChromaStore()


# --- contract ---------------------------------------------------------------------------------


def test_empty_store_and_unknown_documents(store):
    assert store.count() == 0
    assert store.chunk_index() == []
    assert store.document_records() == {}
    assert store.chunk_ids("missing") == []
    assert store.get_chunks("missing") == []
    store.delete_document("missing")
    store.delete_chunks([])
    store.upsert_chunks([], [], file_hash="h")
    assert store.count() == 0


def test_upsert_then_read_back(store, embedder):
    a_meta, b_meta = doc_meta("a", ANYTOWN), doc_meta("b", BARSET, date="2012-03-05")
    a, b = make_chunks(a_meta, 9), make_chunks(b_meta, 4)
    shuffled = a[::2] + a[1::2]  # stored out of reading order
    store.upsert_chunks(shuffled, vectors(shuffled, embedder), file_hash="ha")
    store.upsert_chunks(b, vectors(b, embedder), file_hash="hb")

    assert store.count() == 13
    assert sorted(store.chunk_ids("a")) == sorted(c.id for c in a)
    assert sorted(store.chunk_ids("b")) == sorted(c.id for c in b)

    got = store.get_chunks("a")
    assert [c.position for c in got] == list(range(9))
    for stored, read in zip(a, got, strict=True):
        assert read.id == stored.id
        assert (read.text, read.start, read.end) == (stored.text, stored.start, stored.end)
        assert read.section == stored.section
        assert read.paragraphs == stored.paragraphs
        assert (read.page, read.page_end) == (stored.page, stored.page_end)
        assert read.lead == stored.lead
        assert read.kind == stored.kind
        assert read.meta == stored.meta
    assert got == a  # and nothing else differs
    assert store.get_chunks("b") == b


def test_upserting_the_same_chunks_twice_does_not_duplicate(store, embedder):
    meta = doc_meta("a")
    chunks = make_chunks(meta, 6)
    store.upsert_chunks(chunks, vectors(chunks, embedder), file_hash="h1")
    again = [replace(c, lead="updated lead") for c in chunks]
    assert [c.id for c in again] == [c.id for c in chunks]
    store.upsert_chunks(again, vectors(again, embedder), file_hash="h2")

    assert store.count() == 6
    assert sorted(store.chunk_ids("a")) == sorted(c.id for c in chunks)
    assert {h for _, _, h in store.chunk_index()} == {"h2"}
    assert store.get_chunks("a") == again


def test_document_records_round_trip(store, embedder):
    exempt = doc_meta("b", BARSET, date="", access="exempt", doc_type="minutes", title="Minutes")
    rec_a = put(store, embedder, doc_meta("a"), make_chunks(doc_meta("a"), 2), "ha")
    rec_b = put(store, embedder, exempt, make_chunks(exempt, 3), "hb")

    records = store.document_records()
    assert records == {"a": rec_a, "b": rec_b}
    assert DocumentMeta.from_metadata(records["b"]) == exempt
    assert isinstance(records["a"]["chunks"], int)

    rec_a2 = {**rec_a, "file_hash": "ha2", "title": "Revised report"}
    store.put_document("a", embedder.embed(["Revised report"])[0], rec_a2)
    assert store.document_records() == {"a": rec_a2, "b": rec_b}


def test_delete_document_removes_only_that_document(store, embedder):
    metas = [doc_meta("a"), doc_meta("b", BARSET), doc_meta("c")]
    chunks = {m.doc_id: make_chunks(m, 5) for m in metas}
    records = {m.doc_id: put(store, embedder, m, chunks[m.doc_id], f"h{m.doc_id}") for m in metas}

    store.delete_document("b")

    assert store.document_records() == {"a": records["a"], "c": records["c"]}
    assert store.chunk_ids("b") == []
    assert store.get_chunks("b") == []
    assert store.count() == 10
    assert store.get_chunks("a") == chunks["a"]
    assert store.get_chunks("c") == chunks["c"]
    assert {d for _, d, _ in store.chunk_index()} == {"a", "c"}


def test_delete_chunks_removes_just_those_ids(store, embedder):
    meta = doc_meta("a")
    chunks = make_chunks(meta, 8)
    store.upsert_chunks(chunks, vectors(chunks, embedder), file_hash="h")
    gone = [chunks[1].id, chunks[4].id, chunks[7].id]

    store.delete_chunks(iter(gone))  # any iterable
    store.delete_chunks([chunks[1].id, "no-such-id"])  # already gone / never there: no error

    kept = [c for c in chunks if c.id not in gone]
    assert store.count() == 5
    assert sorted(store.chunk_ids("a")) == sorted(c.id for c in kept)
    assert store.get_chunks("a") == kept


def test_chunk_index_lists_id_doc_and_file_hash(store, embedder):
    a, b = make_chunks(doc_meta("a"), 3), make_chunks(doc_meta("b"), 2)
    store.upsert_chunks(a, vectors(a, embedder), file_hash="hash-a")
    store.upsert_chunks(b, vectors(b, embedder), file_hash="hash-b")

    index = store.chunk_index()
    assert all(isinstance(row, tuple) and len(row) == 3 for row in index)
    assert sorted(index) == sorted(
        [(c.id, "a", "hash-a") for c in a] + [(c.id, "b", "hash-b") for c in b]
    )


def test_more_chunks_than_a_page_or_a_batch_are_all_returned(store):
    """Reads page 2000 rows at a time and Chroma caps one write at ~5461 records."""
    tiny = HashingEmbedder(dimension=8)
    big = make_chunks(doc_meta("big"), 5600)
    small = make_chunks(doc_meta("small"), 3)
    store.upsert_chunks(big, vectors(big, tiny), file_hash="hb")
    store.upsert_chunks(small, vectors(small, tiny), file_hash="hs")

    assert store.count() == 5603
    index = store.chunk_index()
    assert len(index) == 5603
    assert {i for i, _, _ in index} == {c.id for c in big + small}
    assert sorted(store.chunk_ids("big")) == sorted(c.id for c in big)

    got = store.get_chunks("big")
    assert [c.position for c in got] == list(range(5600))
    assert got == big

    store.delete_chunks(c.id for c in big[:2500])  # more than one delete page
    assert store.count() == 3103
    assert store.get_chunks("big") == big[2500:]
    assert store.get_chunks("small") == small


def test_query_with_where_on_council_and_date_range(store, embedder):
    docs = {
        "anytown-2009": doc_meta("anytown-2009", ANYTOWN, "2009-06-01"),
        "anytown-2010": doc_meta("anytown-2010", ANYTOWN, "2010-01-01"),  # on the boundary
        "barset-2012": doc_meta("barset-2012", BARSET, "2012-03-05"),
        "barset-undated": doc_meta("barset-undated", BARSET, ""),  # date_int 0
    }
    chunks = {d: make_chunks(m, 7) for d, m in docs.items()}
    for doc_id, doc_chunks in chunks.items():
        store.upsert_chunks(doc_chunks, vectors(doc_chunks, embedder), file_hash=doc_id)
    total = store.count()
    assert total == 28

    def ids_of(*doc_ids: str) -> set[str]:
        return {c.id for d in doc_ids for c in chunks[d]}

    def query(target: Chunk, where: dict, k: int = total):
        """Through the store's own seam (`Store.query`): ids and cosine similarities."""
        found = store.query(vectors([target], embedder)[0], where, k)
        return [i for i, _ in found], [similarity for _, similarity in found]

    council_of = {c.id: c.meta.council for d in chunks for c in chunks[d]}
    target = chunks["anytown-2010"][3]
    ids, similarities = query(target, {"council": ANYTOWN})
    assert set(ids) == ids_of("anytown-2009", "anytown-2010")
    assert {council_of[i] for i in ids} == {ANYTOWN}
    assert ids[0] == target.id and similarities[0] == pytest.approx(1.0, abs=1e-5)
    assert similarities == sorted(similarities, reverse=True)

    ids, _ = query(target, {"date_int": {"$gte": 20100101}})
    assert set(ids) == ids_of("anytown-2010", "barset-2012")
    assert ids[0] == target.id

    ids, _ = query(target, {"date_int": {"$lt": 20100101}})
    assert set(ids) == ids_of("anytown-2009", "barset-undated")

    both = {"$and": [{"council": BARSET}, {"date_int": {"$gte": 20100101}}]}
    ids, _ = query(target, both)
    assert set(ids) == ids_of("barset-2012")
    assert target.id not in ids

    ids, _ = query(target, {"date_int": {"$gte": 20100101}}, k=3)
    assert len(ids) == 3
    assert set(ids) <= ids_of("anytown-2010", "barset-2012")

    ids, _ = query(target, {"council": "Nowhere District Council"}, k=5)
    assert ids == []
    assert store.query(vectors([target], embedder)[0], None, 0) == []


def test_data_persists_for_a_new_store_on_the_same_place(backend, store, embedder):
    metas = [doc_meta("a"), doc_meta("b", BARSET, date="2012-03-05")]
    chunks = {m.doc_id: make_chunks(m, 6) for m in metas}
    records = {m.doc_id: put(store, embedder, m, chunks[m.doc_id], f"h{m.doc_id}") for m in metas}
    store.delete_chunks([chunks["b"][0].id])
    expected_index = sorted(store.chunk_index())

    reopened = [backend.open()] + ([backend.cold_open()] if backend.cold_open else [])
    for fresh in reopened:
        assert fresh is not store
        assert fresh.count() == 11
        assert sorted(fresh.chunk_index()) == expected_index
        assert fresh.document_records() == records
        assert fresh.get_chunks("a") == chunks["a"]
        assert fresh.get_chunks("b") == chunks["b"][1:]
        target = chunks["a"][2]
        [(found, _)] = fresh.query(vectors([target], embedder)[0], {"doc_id": "a"}, 1)
        assert found == target.id
