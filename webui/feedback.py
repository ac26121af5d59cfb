"""Feedback on answers: one JSON line per rating, appended under the data directory."""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

RATINGS = ("up", "down")


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
            with self.path.open("a", encoding="utf-8") as out:
                out.write(line + "\n")
        return entry

    def entries(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as lines:
            return [json.loads(line) for line in lines if line.strip()]

    def export(self) -> Path:
        """A copy of the log in a fresh temporary folder, for download (the live file stays put)."""
        folder = Path(tempfile.mkdtemp(prefix="cpa-feedback-"))
        target = folder / f"feedback-{time.strftime('%Y%m%d-%H%M%S')}.jsonl"
        with self._lock:
            if self.path.exists():
                shutil.copyfile(self.path, target)
            else:
                target.write_text("", encoding="utf-8")
        return target
