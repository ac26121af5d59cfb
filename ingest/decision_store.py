"""The decisions register: SQLite beside the index, with FTS5 over each decision's words.

One row per decision (ingest.decisions.Decision), written when its paper is ingested and
replaced or removed with it. A paper's rows carry the file hash they were read from, so an
index built before the register existed, or a run stopped between the index and the register,
is noticed and the paper read again. Each call opens its own connection (WAL mode), so a server
can read while another process ingests.

>>> store = DecisionStore(Path("data/decisions/committee_papers.sqlite"))   # cheap: nothing opened
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

from ingest.decisions import FIELDS, Decision

# Bump when the schema or the extraction rules (ingest.decisions) change: registers built before
# are emptied and their papers read again on the next ingest.
REGISTER_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS papers (doc_id TEXT PRIMARY KEY, file_hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS decisions (
    id TEXT PRIMARY KEY, doc_id TEXT NOT NULL, position INTEGER NOT NULL, council TEXT,
    access TEXT NOT NULL, page INTEGER, ref TEXT, kind TEXT, body TEXT, date TEXT,
    subject TEXT, text TEXT, outcome TEXT, mover TEXT, seconder TEXT, votes TEXT,
    key_decision INTEGER, call_in INTEGER, chunk_id TEXT, start INTEGER, "end" INTEGER,
    vote_text TEXT
);
CREATE INDEX IF NOT EXISTS decisions_doc ON decisions (doc_id, position);
CREATE VIRTUAL TABLE IF NOT EXISTS decisions_fts USING fts5 (
    id UNINDEXED, text, subject, body, mover, seconder, tokenize = 'porter unicode61'
);
"""
_COLUMNS = (
    "id", "doc_id", "position", "council", "access", *FIELDS[1:], "start", "end", "vote_text",
)  # fmt: skip
_INSERT = (
    f"INSERT INTO decisions ({', '.join(chr(34) + c + chr(34) for c in _COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in _COLUMNS)})"
)


class DecisionStore:
    """Decisions of every ingested paper, searchable by words and filterable by field."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._ready = False  # this file's version was checked and its schema made

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        existed = self.path.exists()
        connection = sqlite3.connect(self.path, timeout=30)
        connection.row_factory = sqlite3.Row
        if self._ready and existed:
            return connection  # every query of a chat answer need not re-check the schema
        connection.execute("PRAGMA journal_mode=WAL")
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        if version != REGISTER_VERSION:
            # Another schema or older extraction rules: start afresh, so every paper is read again.
            connection.executescript(
                "DROP TABLE IF EXISTS decisions_fts; DROP TABLE IF EXISTS decisions; "
                "DROP TABLE IF EXISTS papers;"
            )
            connection.execute(f"PRAGMA user_version = {REGISTER_VERSION}")
        connection.executescript(_SCHEMA)
        self._ready = True
        return connection

    def file_hashes(self) -> dict[str, str]:
        """doc_id → the file hash its decisions were read from (papers with none are listed too)."""
        if not self.path.exists():
            return {}
        with closing(self._connect()) as db:
            return {r["doc_id"]: r["file_hash"] for r in db.execute("SELECT * FROM papers")}

    def replace(
        self,
        doc_id: str,
        file_hash: str,
        decisions: Sequence[Decision],
        council: str = "",
        access: str = "public",
    ) -> None:
        """The paper's decisions become exactly these (an empty list is remembered too)."""
        with closing(self._connect()) as db, db:
            self._delete(db, doc_id)
            for position, d in enumerate(decisions):
                row = {**d.to_dict(), "position": position, "council": council, "access": access}
                row["votes"] = json.dumps(d.votes, sort_keys=True)
                row.update(start=d.start, end=d.end, vote_text=d.vote_text)
                db.execute(_INSERT, [row[c] for c in _COLUMNS])
                db.execute(
                    "INSERT INTO decisions_fts (id, text, subject, body, mover, seconder) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (d.id, d.text, d.subject, d.body, d.mover, d.seconder),
                )
            db.execute("INSERT INTO papers (doc_id, file_hash) VALUES (?, ?)", (doc_id, file_hash))

    def delete(self, doc_id: str) -> None:
        if not self.path.exists():
            return
        with closing(self._connect()) as db, db:
            self._delete(db, doc_id)

    @staticmethod
    def _delete(db: sqlite3.Connection, doc_id: str) -> None:
        db.execute(
            "DELETE FROM decisions_fts WHERE id IN (SELECT id FROM decisions WHERE doc_id = ?)",
            (doc_id,),
        )
        db.execute("DELETE FROM decisions WHERE doc_id = ?", (doc_id,))
        db.execute("DELETE FROM papers WHERE doc_id = ?", (doc_id,))

    def search(
        self,
        doc_ids: Iterable[str],
        access: Iterable[str],
        query: str = "",
        kinds: Iterable[str] = (),
        since: str = "",
        until: str = "",
        limit: int = 0,
    ) -> list[dict[str, Any]]:
        """Decisions of these papers at these access levels, best text match first when `query`
        is given (FTS5 rank), else in paper and reading order. Rows are plain dicts."""
        doc_ids, access, kinds = list(doc_ids), list(access), list(kinds)
        if not doc_ids or not access or not self.path.exists():
            return []
        where = [
            f"d.doc_id IN ({', '.join('?' for _ in doc_ids)})",
            f"d.access IN ({', '.join('?' for _ in access)})",
        ]
        args: list[Any] = [*doc_ids, *access]
        if kinds:
            where.append(f"d.kind IN ({', '.join('?' for _ in kinds)})")
            args.extend(kinds)
        if since:
            where.append("d.date >= ?")
            args.append(since)
        if until:
            where.append("d.date != '' AND d.date <= ?")
            args.append(until)
        order = "d.date DESC, d.doc_id, d.position"
        source = "decisions d"
        if query.strip():
            source = "decisions_fts f JOIN decisions d ON d.id = f.id"
            where.append("decisions_fts MATCH ?")
            args.append(fts_query(query))
            order = "f.rank, " + order
        sql = f"SELECT d.* FROM {source} WHERE {' AND '.join(where)} ORDER BY {order}"
        if limit > 0:
            sql += f" LIMIT {int(limit)}"
        with closing(self._connect()) as db:
            rows = db.execute(sql, args).fetchall()
        return [_record(row) for row in rows]

    def get(self, ids: Iterable[str]) -> list[dict[str, Any]]:
        """The records with these ids (the caller applies the access rule to their papers)."""
        ids = list(ids)
        if not ids or not self.path.exists():
            return []
        with closing(self._connect()) as db:
            rows = db.execute(
                f"SELECT * FROM decisions WHERE id IN ({', '.join('?' for _ in ids)})", ids
            ).fetchall()
        return [_record(row) for row in rows]


def fts_query(text: str) -> str:
    """Any of the question's words, each quoted (so FTS5 syntax in user text is never parsed).

    >>> fts_query('parking "levy" OR x')
    '"parking" OR "levy" OR "or" OR "x"'
    """
    import re

    words = re.findall(r"\w+", text.casefold())
    return " OR ".join(f'"{w}"' for w in dict.fromkeys(words)) or '""'


def _record(row: sqlite3.Row) -> dict[str, Any]:
    data = dict(row)
    data["votes"] = json.loads(data["votes"] or "{}")
    for flag in ("key_decision", "call_in"):
        data[flag] = None if data[flag] is None else bool(data[flag])
    return data
