"""Feedback on answers: one JSON line per rating, appended under the data directory."""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

RATINGS = ("up", "down")
MAX_COMMENT_CHARS = 2000
log = logging.getLogger(__name__)


class FeedbackLog:
    """Append-only JSONL log of 👍/👎 ratings with the question, answer and citations.

    >>> log = FeedbackLog(Path("data/feedback.jsonl"))   # cheap: the file is created on first write
    >>> log.record("up", answer.to_dict(), comment="Spot on")  # doctest: +SKIP
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()

    def record(
        self,
        rating: str,
        answer: dict[str, Any] | None,
        comment: str = "",
        filters: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Append one rating of `answer` (an `Answer.to_dict()`); returns the line written."""
        if rating not in RATINGS:
            raise ValueError(f"rating must be one of {', '.join(RATINGS)}, not {rating!r}")
        if not answer:
            raise ValueError("there is no answer to rate yet; ask a question first.")
        if len(comment or "") > MAX_COMMENT_CHARS:
            raise ValueError(
                f"the comment is {len(comment):,} characters long; keep it to "
                f"{MAX_COMMENT_CHARS:,}."
            )
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "rating": rating,
            "comment": (comment or "").strip(),
            "question": answer.get("question", ""),
            "rewritten_query": answer.get("rewritten_query", ""),
            "answer": answer.get("answer", ""),
            "abstained": answer.get("abstained", False),
            "citations": answer.get("citations", []),
            "filters": filters or {},
            "backend": answer.get("backend", ""),
        }
        line = json.dumps(entry, ensure_ascii=False)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a+b") as out:
                # A torn last line (the process died mid-write) is left alone, and this record
                # starts on a line of its own.
                torn = False
                if out.seek(0, 2) > 0:
                    out.seek(-1, 2)
                    torn = out.read(1) != b"\n"
                out.write((("\n" if torn else "") + line + "\n").encode("utf-8"))
        return entry

    def entries(self) -> list[dict[str, Any]]:
        """Every readable record; a torn or damaged line (a crash mid-write) is skipped with a
        warning, never fatal."""
        if not self.path.exists():
            return []
        out = []
        with self.path.open(encoding="utf-8", errors="replace") as lines:
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                try:
                    out.append(json.loads(line))
                except ValueError:
                    log.warning("%s line %d is not a whole record; skipped", self.path, number)
        return out

    def export(self, folder: Path | None = None) -> Path:
        """A copy of the log in `folder` (default: a fresh temporary folder), for download; the
        live file stays put."""
        folder = Path(folder) if folder is not None else Path(tempfile.mkdtemp(prefix="cpa-"))
        target = folder / f"feedback-{time.strftime('%Y%m%d-%H%M%S')}.jsonl"
        with self._lock:
            if self.path.exists():
                shutil.copyfile(self.path, target)
            else:
                target.write_text("", encoding="utf-8")
        return target
