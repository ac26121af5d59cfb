"""No special cases for our papers: the engine's string literals and word lists name no council,
place or topic of the papers we ship or test with (tests/data/our_papers_names.txt)."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

from ingest import lexicon

REPO = Path(__file__).resolve().parents[1]
NAMES_FILE = Path(__file__).with_name("data") / "our_papers_names.txt"
CHECKED = [
    *sorted((REPO / "ingest").glob("*.py")),
    *sorted((REPO / "retrieval").glob("*.py")),
    *sorted((REPO / "webui").glob("*.py")),
    REPO / "app.py",
    *sorted((REPO / "evals").glob("bench_*.py")),
]


def our_names() -> list[str]:
    lines = NAMES_FILE.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _pattern(names: list[str]) -> re.Pattern[str]:
    body = "|".join(r"\s+".join(map(re.escape, n.split())) for n in names)
    return re.compile(rf"(?<![\w-])(?:{body})(?![\w-])", re.IGNORECASE)


def string_literals(source: str) -> list[tuple[int, str]]:
    """(line, text) of every string constant that is not a docstring."""
    tree = ast.parse(source)
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def test_the_check_finds_a_name_in_a_literal_but_not_in_a_docstring():
    source = (
        '"""About Westshire."""\nX = "Westshire District Council"\ndef f():\n    """Westshire."""\n'
    )
    found = [text for _, text in string_literals(source) if _pattern(["Westshire"]).search(text)]
    assert found == ["Westshire District Council"]
    assert not _pattern(["Kent"]).search("Kentucky") and _pattern(["two tier"]).search("Two  Tier")


def test_no_engine_string_literal_names_a_council_place_or_topic_of_our_papers():
    pattern = _pattern(our_names())
    found = []
    for path in CHECKED:
        for line, text in string_literals(path.read_text(encoding="utf-8")):
            match = pattern.search(text)
            if match:
                found.append(
                    f"{path.relative_to(REPO)}:{line}: {match.group(0)!r} in {text[:60]!r}"
                )
    assert not found, (
        "engine literals naming our papers' councils, places or topics:\n" + "\n".join(found)
    )


def test_no_word_list_names_a_council_place_or_topic_of_our_papers():
    pattern = _pattern(our_names())
    data = tomllib.loads(lexicon.LEXICON_FILE.read_text(encoding="utf-8"))
    found = []
    for name, entry in data.items():
        for row in entry if isinstance(entry, list) else [entry]:
            for key, value in row.items():
                if key != "why" and isinstance(value, str) and (match := pattern.search(value)):
                    found.append(f"[{name}] {key}: {match.group(0)!r}")
    assert not found, "lexicon entries naming our papers:\n" + "\n".join(found)


def test_every_word_list_says_what_general_fact_it_encodes():
    for name in lexicon.names():
        entry = lexicon.entry(name)
        for row in entry if isinstance(entry, list) else [entry]:
            assert len(row["why"].split()) >= 5, f"[{name}]: say why in a sentence"


def test_there_is_no_list_of_known_councils():
    for path in CHECKED:
        assert "KNOWN_COUNCILS" not in path.read_text(encoding="utf-8"), path


MAX_MODULE_LINES = 400  # issue #9: each stage a small module someone can read


def test_no_engine_module_runs_over_400_lines():
    modules = [*CHECKED, *sorted((REPO / "evals").glob("*.py"))]
    long = {
        str(p.relative_to(REPO)): n
        for p in modules
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"modules over {MAX_MODULE_LINES} lines: {long}"
