"""The held-out protocol: papers are split once, by a hash, into a tuning part and a held-out part.

Code is changed by looking at tuning failures only; the held-out part is a figure to read. The
split is by whole meeting: papers whose file stems agree up to the first ISO date
(`bristol_tcpc_2024-09-12_…`) are one group, so a meeting's minutes and its decision notice never
sit on both sides. Groups are ordered by a salted SHA-256 of their key and held out in that order
until `HELD_OUT_SHARE` of the papers are held out. The assignment is written to
`evals/questions/split.json` once (`python -m evals.split PAPER_FOLDERS… --write`) and read from
there afterwards, so adding papers later never moves an existing paper between the parts.

>>> split = Split.load()                       # doctest: +SKIP
>>> split.part_of_question({"sources": ["kcc_cabinet_2025-01-30_printed_minutes"]})  # doctest: +SKIP
'held-out'
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SPLIT_FILE = Path(__file__).resolve().parent / "questions" / "split.json"
SALT = "cpa-holdout-1"
HELD_OUT_SHARE = 0.40
TUNING, HELD_OUT = "tuning", "held-out"
PARTS = (TUNING, HELD_OUT)
_GROUP = re.compile(r"^(.*?(?:19|20)\d\d-[01]\d-[0-3]\d)")


class SplitError(ValueError):
    """A question cannot be placed in one part (unknown paper, or papers on both sides)."""


def group_of(stem: str) -> str:
    """The meeting a paper belongs to: its file stem up to the first ISO date (else the stem)."""
    match = _GROUP.match(stem)
    return match.group(1) if match else stem


def _bucket(group: str) -> int:
    return int(hashlib.sha256((SALT + group).encode()).hexdigest(), 16) % 100


def assign(stems: Iterable[str], share: float = HELD_OUT_SHARE) -> dict[str, str]:
    """Each paper's part: whole groups held out in hash order until `share` of papers are."""
    stems = sorted(set(stems))
    groups: dict[str, list[str]] = {}
    for stem in stems:
        groups.setdefault(group_of(stem), []).append(stem)
    parts: dict[str, str] = {}
    held = 0
    for group in sorted(groups, key=lambda g: (_bucket(g), g)):
        members = groups[group]
        part = HELD_OUT if held < share * len(stems) else TUNING
        held += len(members) if part == HELD_OUT else 0
        parts.update(dict.fromkeys(members, part))
    return parts


def question_papers(question: Mapping[str, Any]) -> list[str]:
    """The papers a question is placed by: its sources, or for an unanswerable one `about`."""
    return list(question.get("sources") or question.get("about") or [])


@dataclass(frozen=True)
class Split:
    """The fixed assignment of papers to parts, read from the committed split file."""

    parts: dict[str, str]

    @classmethod
    def load(cls, path: Path = SPLIT_FILE) -> Split:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(dict(data["papers"]))

    def part_of_paper(self, source: str) -> str | None:
        """The part of the papers a `sources` entry names (a doc id contains it); None if none."""
        found = {p for stem, p in self.parts.items() if source.casefold() in stem.casefold()}
        if len(found) > 1:
            raise SplitError(f"source {source!r} names papers in both parts; give the full stem.")
        return next(iter(found), None)

    def part_of_question(self, question: Mapping[str, Any]) -> str | None:
        """tuning or held-out; None when none of its papers is in the split (e.g. the dev set)."""
        papers = question_papers(question)
        found = {self.part_of_paper(p) for p in papers} - {None}
        if len(found) > 1:
            raise SplitError(
                f"question {question.get('id')!r} draws on papers of both parts; "
                "a question must stay within one part."
            )
        return next(iter(found), None)

    def partition(
        self, questions: Sequence[Mapping[str, Any]]
    ) -> dict[str, list[Mapping[str, Any]]]:
        """Questions by part, in order; those outside the split under the key "unsplit"."""
        out: dict[str, list[Mapping[str, Any]]] = {}
        for question in questions:
            out.setdefault(self.part_of_question(question) or "unsplit", []).append(question)
        return out


def _papers_in(folders: Sequence[Path]) -> list[str]:
    from ingest.loaders import SUPPORTED_SUFFIXES

    return [
        p.stem
        for folder in folders
        for p in sorted(Path(folder).iterdir())
        if p.suffix.lower() in SUPPORTED_SUFFIXES
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m evals.split",
        description="Show (or, once, write) the tuning / held-out split of the papers in FOLDERS.",
    )
    parser.add_argument("folders", nargs="+", type=Path, help="folders of papers")
    parser.add_argument("--write", action="store_true", help=f"write {SPLIT_FILE.name}")
    args = parser.parse_args(argv)
    parts = assign(_papers_in(args.folders))
    if args.write:
        if SPLIT_FILE.exists():
            print(f"error: {SPLIT_FILE} exists; the split is fixed once.", file=sys.stderr)
            return 2
        record = {
            "rule": (
                f"groups = file stem up to the first ISO date; groups ordered by "
                f"sha256({SALT!r} + group) % 100, then name; held out in that order until "
                f"{HELD_OUT_SHARE:.0%} of papers are held out (evals/split.py)"
            ),
            "papers": dict(sorted(parts.items())),
        }
        SPLIT_FILE.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    for stem, part in sorted(parts.items(), key=lambda kv: (kv[1], kv[0])):
        print(f"{part:9} {stem}")
    held = sum(p == HELD_OUT for p in parts.values())
    print(f"{held} of {len(parts)} papers held out")
    return 0


if __name__ == "__main__":
    sys.exit(main())
