"""`python -m evals decisions`: score decision extraction against hand labels, part by part.

Labels are one JSON Lines file per paper under `evals/decisions/labels/` (see the README there):
each names a decision by a verbatim excerpt of its wording. A record matches a label of the same
paper when they share a run of words of at least 70% of the shorter text; each label and each
record is matched at most once, sure labels first. Labels marked `unsure` count neither way. Precision is matched records over records, recall
matched labels over labels; mover, seconder and vote counts are scored on matched pairs wherever
the label states them. Papers are reported by the held-out protocol's part (evals/split.py).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from evals.split import PARTS, SPLIT_FILE, Split

LABELS_DIR = Path(__file__).resolve().parent / "decisions" / "labels"
_FIELDS = ("mover", "seconder", "for", "against", "abstain")
_MATCH = 0.7  # shared run of words over the shorter text for a record to be a label's decision
_MIN_RUN = 4


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def _common_run(a: list[str], b: list[str]) -> int:
    """Length of the longest run of words the two texts share."""
    best = 0
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0] * (len(b) + 1)
        for j, y in enumerate(b, 1):
            if x == y:
                current[j] = previous[j - 1] + 1
                best = max(best, current[j])
        previous = current
    return best


def overlap(record_text: str, label_text: str) -> float:
    """How well a record and a label name the same words: the longest shared run of words over
    the shorter of the two (a label may carry the list label or item title the record leaves
    out, a record may run on past the label's excerpt). 0 when the run is under four words."""
    r, lab = _words(record_text).split(), _words(label_text).split()
    if not r or not lab:
        return 0.0
    run = _common_run(r, lab)
    return run / min(len(r), len(lab)) if run >= min(_MIN_RUN, len(lab)) else 0.0


def _same_name(found: str, wanted: str) -> bool:
    """'Councillor Plowden' is 'Cllr Ed Plowden': the surname, and the name's last word, agree."""
    a, b = _words(found).split(), _words(wanted).split()
    return (not a and not b) or bool(a and b and a[-1] == b[-1])


def load_labels(folder: Path = LABELS_DIR) -> dict[str, list[dict[str, Any]]]:
    labels: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(folder.glob("*.jsonl")):
        rows = [
            json.loads(line)
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        labels[path.stem] = rows
    return labels


def match(records: list[dict[str, Any]], labels: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """(record index, label index) pairs, each side used once: sure labels first, and the best
    overlaps first (an unsure label never takes a record from a sure one)."""
    scored = sorted(
        (
            (bool(label.get("unsure")), -score, li, ri)
            for li, label in enumerate(labels)
            for ri, record in enumerate(records)
            if (score := overlap(record["text"], label["text"])) >= _MATCH
        )
    )
    pairs: list[tuple[int, int]] = []
    used_r: set[int] = set()
    used_l: set[int] = set()
    for _, _, li, ri in scored:
        if li not in used_l and ri not in used_r:
            pairs.append((ri, li))
            used_l.add(li)
            used_r.add(ri)
    return sorted(pairs)


def score_paper(records: list[dict[str, Any]], labels: list[dict[str, Any]]) -> dict[str, Any]:
    pairs = match(records, labels)
    unsure_labels = {i for i, lab in enumerate(labels) if lab.get("unsure")}
    unsure_records = {ri for ri, li in pairs if li in unsure_labels}
    matched = [(ri, li) for ri, li in pairs if li not in unsure_labels]
    fields: dict[str, list[int]] = {f: [0, 0] for f in _FIELDS}
    for ri, li in matched:
        record, label = records[ri], labels[li]
        votes = label.get("votes") or {}
        got = record.get("votes") or {}
        for name in ("mover", "seconder"):
            if label.get(name):
                fields[name][1] += 1
                fields[name][0] += _same_name(record.get(name, ""), label[name])
        for side in ("for", "against", "abstain"):
            if votes.get(side) is not None:
                fields[side][1] += 1
                fields[side][0] += got.get(side) == votes[side]
    return {
        "records": len(records) - len(unsure_records),
        "labels": len(labels) - len(unsure_labels),
        "matched": len(matched),
        "fields": fields,
        "missed": [
            labels[i]["text"]
            for i in range(len(labels))
            if i not in unsure_labels and i not in {li for _, li in pairs}
        ],
        "extra": [
            records[i]["text"][:120]
            for i in range(len(records))
            if i not in {ri for ri, _ in pairs}
        ],
    }


def _totals(scores: list[dict[str, Any]]) -> dict[str, Any]:
    records = sum(s["records"] for s in scores)
    labels = sum(s["labels"] for s in scores)
    matched = sum(s["matched"] for s in scores)
    fields = {
        f: [sum(s["fields"][f][0] for s in scores), sum(s["fields"][f][1] for s in scores)]
        for f in _FIELDS
    }
    return {
        "papers": len(scores),
        "records": records,
        "labels": labels,
        "precision": matched / records if records else None,
        "recall": matched / labels if labels else None,
        "fields": {f: (ok / n if n else None, ok, n) for f, (ok, n) in fields.items()},
    }


def evaluate(
    folders: list[Path], labels_dir: Path = LABELS_DIR, split_file: Path = SPLIT_FILE
) -> dict[str, Any]:
    from ingest.pipeline import read_decisions

    labels = load_labels(labels_dir)
    split = Split.load(split_file)
    by_part: dict[str, list[dict[str, Any]]] = defaultdict(list)
    papers: dict[str, Any] = {}
    for doc_id, paper_labels in labels.items():
        path = next(
            (
                p
                for f in folders
                for p in f.glob(f"{doc_id}.*")
                if not p.name.endswith(".meta.json")
            ),
            None,
        )
        if path is None:
            continue
        _, _, found = read_decisions(path)
        score = score_paper([d.to_dict() for d in found], paper_labels)
        part = split.part_of_paper(doc_id) or "unsplit"
        papers[doc_id] = {"part": part, **score}
        by_part[part].append(score)
    return {"papers": papers, "parts": {part: _totals(scores) for part, scores in by_part.items()}}


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m evals decisions", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--corpus",
        type=Path,
        action="append",
        required=True,
        help="folder of labelled papers (repeatable)",
    )
    parser.add_argument("--labels", type=Path, default=LABELS_DIR, help="folder of label files")
    parser.add_argument(
        "--split", type=Path, default=SPLIT_FILE, help="the held-out protocol's split"
    )
    parser.add_argument(
        "--show", action="store_true", help="list missed and extra decisions of tuning papers"
    )
    parser.add_argument("--json", action="store_true", help="print machine-readable results")
    args = parser.parse_args(argv)
    result = evaluate(args.corpus, args.labels, args.split)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return 0
    print(
        f"{'part':<10} {'papers':>6} {'labels':>6} {'records':>7} {'precision':>9} {'recall':>7}  mover · seconder · for · against · abstain"
    )
    for part in [*PARTS, "unsplit"]:
        t = result["parts"].get(part)
        if not t:
            continue
        fields = " · ".join(f"{ok}/{n}" for _, ok, n in t["fields"].values())
        print(
            f"{part:<10} {t['papers']:>6} {t['labels']:>6} {t['records']:>7} {_pct(t['precision']):>9} {_pct(t['recall']):>7}  {fields}"
        )
    for doc_id, paper in result["papers"].items():
        print(
            f"  {paper['part']:<9} {doc_id}: {paper['matched']}/{paper['labels']} labels found, {paper['records']} records"
        )
        if (
            args.show and paper["part"] != "held-out"
        ):  # held-out papers are a figure, never a list to fix
            for text in paper["missed"]:
                print(f"      missed: {text}")
            for text in paper["extra"]:
                print(f"      extra:  {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
