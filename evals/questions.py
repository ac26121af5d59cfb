"""Question files: JSON Lines of questions with optional gold, loaded and checked line by line.

One question per line; blank lines are skipped:

    {"id": "q1", "question": "Who leads the back office work stream?",
     "history": [{"role": "user", "content": "..."}, {"role": "assistant", "content": "..."}],
     "answers": [["East Renfrewshire"], ["Inverclyde"]],
     "sources": ["inverclyde-council-2010"], "type": "who"}

`answers` is a list of groups; every group must be matched by one of its alternatives.
`sources` are document ids or parts of one. `unanswerable: true` marks a question the papers cannot
answer (it has no `answers`); its `about` names the papers it is about, which places it in the
held-out protocol (`evals.split`). Only `id` and `question` are required; `notes` is a free-text
comment, `evidence` a verbatim supporting excerpt and `page` its PDF page. Other fields (an
evaluation suite's own annotations) are kept, and reported once as a warning.

>>> questions = load_questions(Path("evals/questions/dev.jsonl"))  # doctest: +SKIP
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

FIELDS = (
    "id",
    "question",
    "history",
    "answers",
    "sources",
    "unanswerable",
    "type",
    "notes",
    "evidence",
    "page",
    "about",
)


class QuestionFileError(ValueError):
    """A question file is missing or malformed; the message names the file and the line."""


def load_questions(path: Path, warn: Callable[[str], None] | None = None) -> list[dict[str, Any]]:
    """Every question of a JSONL file, checked; raises QuestionFileError naming file and line.

    Fields the harness does not know are kept and named once through `warn` (default: a
    Python warning), so a suite's own annotations never stop a run.
    """
    path = Path(path)
    if not path.is_file():
        raise QuestionFileError(f"{path} does not exist or is not a file.")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise QuestionFileError(f"{path} cannot be read as UTF-8 text: {exc}.") from None
    questions: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    unknown: dict[str, int] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}, line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise QuestionFileError(f"{where}: not valid JSON ({exc.msg}).") from None
        problem = validation_error(record)
        if problem:
            raise QuestionFileError(f"{where}: {problem}.")
        if record["id"] in seen:
            raise QuestionFileError(
                f"{where}: id {record['id']!r} is already used on line {seen[record['id']]}."
            )
        seen[record["id"]] = number
        for key in record:
            if key not in FIELDS:
                unknown.setdefault(key, number)
        questions.append(record)
    if not questions:
        raise QuestionFileError(f"{path} holds no questions.")
    if unknown:
        names = ", ".join(f"{key} (first on line {line})" for key, line in unknown.items())
        (warn or _python_warning)(f"{path}: ignoring field(s) the harness does not use: {names}.")
    return questions


def _python_warning(message: str) -> None:
    warnings.warn(message, stacklevel=3)


def validation_error(record: Any) -> str:
    """What is wrong with one question record, or "" when it is well formed."""
    if not isinstance(record, dict):
        return "each line must be a JSON object"
    for key in ("id", "question"):
        if not isinstance(record.get(key), str) or not record[key].strip():
            return f"`{key}` must be a non-empty string"
    checks = (
        ("history", _history_error),
        ("answers", _answers_error),
        ("sources", _strings_error),
        ("unanswerable", lambda v: "" if isinstance(v, bool) else "must be true or false"),
        (
            "type",
            lambda v: "" if isinstance(v, str) and v.strip() else "must be a non-empty string",
        ),
        ("notes", lambda v: "" if isinstance(v, str) else "must be a string"),
        ("evidence", lambda v: "" if isinstance(v, str) else "must be a string"),
        ("page", lambda v: "" if isinstance(v, int) and v > 0 else "must be a page number"),
        ("about", _strings_error),
    )
    for key, check in checks:
        if key in record:
            problem = check(record[key])
            if problem:
                return f"`{key}` {problem}"
    if record.get("unanswerable") and record.get("answers"):
        return "an `unanswerable` question cannot have `answers`"
    return ""


def _history_error(value: Any) -> str:
    if not isinstance(value, list):
        return "must be a list of {role, content} objects"
    for turn in value:
        if not (
            isinstance(turn, dict)
            and isinstance(turn.get("role"), str)
            and isinstance(turn.get("content"), str)
        ):
            return "must be a list of {role, content} objects with string values"
    return ""


def _answers_error(value: Any) -> str:
    if not isinstance(value, list):
        return 'must be a list of groups of alternatives, e.g. [["Glasgow"], ["North Lanarkshire"]]'
    for group in value:
        if not isinstance(group, list) or not group:
            return 'must be a list of non-empty lists of alternatives, e.g. [["Glasgow", "Glasgow City"]]'
        if any(not isinstance(alt, str) or not alt.strip() for alt in group):
            return "alternatives must be non-empty strings"
    return ""


def _strings_error(value: Any) -> str:
    if not isinstance(value, list) or any(not isinstance(s, str) or not s.strip() for s in value):
        return "must be a list of non-empty strings"
    return ""
