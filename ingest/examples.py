"""Example questions kept beside the papers they ask about (`<corpus>/examples.json`).

The chat UI shows them on its empty screen and the query benchmark times them; a folder of papers
without the file gets no examples and a generic placeholder.

>>> examples = corpus_examples(Path("corpus"))
>>> examples.questions[0]["question"]  # doctest: +SKIP
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EXAMPLES_FILE = "examples.json"
GENERIC_PLACEHOLDER = "e.g. What did the committee decide, and who moved it?"


class ExamplesError(ValueError):
    """The examples file is not valid; the message names it."""


@dataclass(frozen=True)
class Examples:
    placeholder: str = GENERIC_PLACEHOLDER
    questions: tuple[dict[str, Any], ...] = ()  # shown in the UI
    benchmark: tuple[dict[str, Any], ...] = field(default=())  # timed by evals.bench_query


def corpus_examples(folder: Path) -> Examples:
    """The examples beside a folder of papers, or none when the folder has no examples file."""
    path = Path(folder) / EXAMPLES_FILE
    if not path.is_file():
        return Examples()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ExamplesError(f"{path} is not a readable JSON file ({exc}).") from None
    lists = {}
    for key in ("questions", "benchmark"):
        items = data.get(key, [])
        if not isinstance(items, list) or not all(
            isinstance(i, dict) and isinstance(i.get("question"), str) for i in items
        ):
            raise ExamplesError(f'{path}: "{key}" must be a list of {{"question": ...}} objects.')
        lists[key] = tuple(items)
    return Examples(
        placeholder=str(data.get("placeholder") or GENERIC_PLACEHOLDER),
        questions=lists["questions"],
        benchmark=lists["benchmark"] or lists["questions"],
    )
