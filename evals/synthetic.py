"""A deterministic archive of invented committee papers, with planted questions, for `make bench`.

    python -m evals.synthetic OUT --chunks 10000 [--seed 7]

Paper `i` depends only on the seed and `i`, so a larger scale holds every paper of a smaller one
(and the embedding cache built for one scale serves the others). About one paper in eight is a PDF
(drawn with reportlab, read back through the real loader), the rest plain text. Reports carry
numbered paragraphs, lettered recommendations, a table of lead officers and budgets and an
appendix; minutes carry numbered items, a motion with mover, seconder and a vote, and a resolution.
Every council, person and scheme is invented; each scheme name is unique in the archive, so a
planted question has exactly one right paragraph among all the others that look like it.

`questions.jsonl` (the evals question format) asks about planted facts of papers spread over the
whole archive; the same seed and scale give the same papers and questions.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

# Invented name parts: no council, place or person of the shipped or real papers.
_HEADS = (
    "Aske Brack Carn Dun Elm Fenn Gar Holl Kes Lin Mar Norr Oat Penn Rad Sel Thirl Wen Yar Quen"
)
_TAILS = "ford ley mere ton wick bury dale field moor stead brook combe worth hope holt hurst"
_KINDS = ("District Council", "Borough Council", "County Council", "City Council", "Town Council")
_BODIES = (
    "Cabinet",
    "Planning Committee",
    "Overview and Scrutiny Committee",
    "Full Council",
    "Environment Board",
    "Finance and Resources Committee",
    "Communities Committee",
)
_FIRST = "Alma Bryn Ceri Dana Eira Fion Gwen Hale Isla Jory Kit Lorne Mabli Nye Orla Pim Rhun Sian"
_LAST = (
    "Abell Bellamy Cadwell Dorran Elstow Farrant Gilder Harker Ingram Jessop Kettle Lowry Morcom"
)
_LAST2 = "Nairn Orrell Pellow Quarrie Rendle Sallow Tregear Upcott Venning Wragg Yeoman Zennor"
_STREETS = "Green Lane Road Park Street Quay Hill Common Row Yard Meadow Bridge"
_FACILITIES = (
    "depot",
    "library",
    "community hub",
    "leisure centre",
    "bus lane",
    "flood barrier",
    "car park",
    "cycle route",
    "housing scheme",
    "play area",
    "market hall",
    "recycling centre",
    "health centre",
    "youth centre",
    "sea wall",
    "footbridge",
)
_WORKSTREAMS = (
    "procurement",
    "communications",
    "legal agreements",
    "site surveys",
    "public consultation",
    "grant funding",
    "design and build",
    "traffic modelling",
)
_TITLES = (
    "Director of Place",
    "Head of Finance",
    "Chief Executive",
    "Head of Legal Services",
    "Director of Communities",
    "Head of Property",
)
_FUNDERS = (
    "capital reserves",
    "prudential borrowing",
    "a government grant",
    "developer contributions",
)
_MONTHS = "January February March April May June July August September October November December"

_FILLER = (
    "The {facility} was identified in the council plan as a priority for the {area} area, and "
    "officers have worked with ward members and local groups to shape the proposal.",
    "A public consultation ran for six weeks; most responses supported the principle of the "
    "scheme, while some raised concerns about parking, noise and the timetable for the works.",
    "The scheme supports the council's aims for a greener, healthier and fairer {area}, and the "
    "equality impact assessment found no group that would be disadvantaged by the proposal.",
    "Risks have been assessed and are recorded in the project risk register; the main risks are "
    "cost inflation, delays to planning consent and the availability of contractors.",
    "The works would be procured through a regional framework, which officers consider offers "
    "the best value and the shortest route to appointing a contractor.",
    "Members of the {body} asked officers to report back on progress at regular intervals, and "
    "a project board chaired by the {title} will oversee delivery.",
)


def _words(text: str) -> list[str]:
    return text.split()


@dataclass
class Paper:
    """One invented paper: its text (lines) and the facts a question may ask about."""

    doc_id: str
    kind: str  # report | minutes
    lines: list[str]
    facts: dict[str, str] = field(default_factory=dict)


def _name(rng: random.Random) -> str:
    return f"{rng.choice(_words(_FIRST))} {rng.choice(_words(_LAST) + _words(_LAST2))}"


def _scheme(index: int) -> str:
    """A scheme name unique to paper `index` (a fixed permutation of every combination)."""
    heads, tails, streets = _words(_HEADS), _words(_TAILS), _words(_STREETS)
    total = len(heads) * len(tails) * len(streets) * len(_FACILITIES)
    n = (index * 7919 + 13) % total  # 7919 is prime and shares no factor with `total`
    n, facility = divmod(n, len(_FACILITIES))
    n, street = divmod(n, len(streets))
    head, tail = divmod(n, len(tails))
    return f"{heads[head % len(heads)]}{tails[tail]} {streets[street]} {_FACILITIES[facility]}"


def _council(rng: random.Random) -> str:
    return f"{rng.choice(_words(_HEADS))}{rng.choice(_words(_TAILS))} {rng.choice(_KINDS)}"


def _day(rng: random.Random) -> date:
    return date(2015, 1, 5) + timedelta(days=rng.randrange(0, 365 * 10))


def _spoken(day: date) -> str:
    return f"{day.day} {_words(_MONTHS)[day.month - 1]} {day.year}"


def _amount(rng: random.Random) -> str:
    return f"£{rng.randrange(40, 9000) * 1000:,}"


def _fill(rng: random.Random, count: int, **names: str) -> list[str]:
    return [rng.choice(_FILLER).format(**names) for _ in range(count)]


def report(index: int, seed: int) -> Paper:
    rng = random.Random(f"{seed}:{index}")
    council, body, day, scheme = _council(rng), rng.choice(_BODIES), _day(rng), _scheme(index)
    area = council.split()[0]
    title, officer = rng.choice(_TITLES), _name(rng)
    budget, funder = _amount(rng), rng.choice(_FUNDERS)
    names = {"facility": scheme, "area": area, "body": body, "title": title}
    leads = [(w, _name(rng), _amount(rng)) for w in rng.sample(_WORKSTREAMS, 4)]
    workstream, lead, _ = leads[rng.randrange(4)]
    lines = [
        council,
        body,
        f"Meeting date: {_spoken(day)}",
        f"Report of the {title}",
        f"Subject: {scheme}",
        "",
        "1. Purpose of the report",
        f"1.1 This report seeks approval to deliver the {scheme} and sets out its costs.",
        *(f"1.{n + 2} {text}" for n, text in enumerate(_fill(rng, 2, **names))),
        "",
        "2. Recommendations",
        f"2.1 That the {body}:",
        f"(a) approves a budget of {budget} for the {scheme}, funded from {funder};",
        f"(b) delegates authority to the {title} to award the contract for the works; and",
        "(c) asks officers to report progress within twelve months.",
        "",
        "3. Background",
        *(f"3.{n + 1} {text}" for n, text in enumerate(_fill(rng, rng.randint(3, 6), **names))),
        "",
        "4. Delivery and lead officers",
        "4.1 Each workstream of the project has a lead officer and a budget, as follows.",
        "Workstream | Lead officer | Budget",
        *(f"{w.capitalize()} | {who} | {cost}" for w, who, cost in leads),
        "",
        "5. Financial implications",
        f"5.1 The total cost of the {scheme} is {budget}, to be met from {funder}.",
        *(f"5.{n + 2} {text}" for n, text in enumerate(_fill(rng, rng.randint(1, 3), **names))),
        "",
        "Appendix A: Summary of consultation responses",
        *(f"A.{n + 1} {text}" for n, text in enumerate(_fill(rng, rng.randint(2, 4), **names))),
        "",
        f"Contact officer: {officer}, {title}",
    ]
    facts = {"council": council, "body": body, "date": _spoken(day), "scheme": scheme}
    facts |= {"budget": budget, "funder": funder, "workstream": workstream, "lead": lead}
    return Paper(f"synthetic-{index:06d}-report", "report", lines, facts)


def minutes(index: int, seed: int) -> Paper:
    rng = random.Random(f"{seed}:{index}")
    council, body, day, scheme = _council(rng), rng.choice(_BODIES), _day(rng), _scheme(index)
    area = council.split()[0]
    names = {"facility": scheme, "area": area, "body": body, "title": rng.choice(_TITLES)}
    members = list(dict.fromkeys(_name(rng) for _ in range(12)))[:9]
    mover, seconder = members[0], members[1]
    votes = (rng.randint(5, 9), rng.randint(0, 4), rng.randint(0, 2))
    outcome = "CARRIED" if votes[0] > votes[1] else "LOST"
    first = rng.randint(10, 80)
    lines = [
        council,
        f"Minutes of the meeting of the {body} held on {_spoken(day)} at 7.00 pm",
        "Present: " + ", ".join(f"Councillor {m}" for m in members),
        "",
        f"{first}. Apologies for absence",
        f"Apologies were received from Councillor {_name(rng)}.",
        f"{first + 1}. Declarations of interest",
        "There were no declarations of interest.",
        f"{first + 2}. Minutes of the previous meeting",
        "The minutes of the previous meeting were approved as a correct record.",
        f"{first + 3}. {scheme}",
        f"The {body} considered a report on the proposed {scheme}.",
        *_fill(rng, rng.randint(2, 4), **names),
        f"Councillor {mover} moved and Councillor {seconder} seconded that the {scheme} "
        "proceed to detailed design.",
        f"On being put to the vote the motion was {outcome} "
        f"({votes[0]} for, {votes[1]} against, {votes[2]} abstentions).",
        f"RESOLVED that the {scheme} proceed to detailed design."
        if outcome == "CARRIED"
        else f"RESOLVED that no further work be done on the {scheme}.",
        f"{first + 4}. Date of next meeting",
        f"The next meeting will be held on {_spoken(day + timedelta(days=rng.randint(21, 60)))}.",
    ]
    facts = {"council": council, "body": body, "date": _spoken(day), "scheme": scheme}
    facts |= {"mover": mover, "seconder": seconder, "outcome": outcome}
    facts |= {"for": str(votes[0]), "against": str(votes[1]), "minute": str(first + 3)}
    return Paper(f"synthetic-{index:06d}-minutes", "minutes", lines, facts)


def paper(index: int, seed: int) -> Paper:
    return minutes(index, seed) if index % 3 == 2 else report(index, seed)


def questions_for(p: Paper) -> list[dict]:
    """Questions a councillor would ask about this paper's planted facts, with their answers."""
    f, ask = p.facts, []
    where = f"{f['council']}'s {f['body']}"
    if p.kind == "report":
        ask.append(("number", f"How much is the budget for the {f['scheme']}?", [[f["budget"]]]))
        ask.append(("who", f"Who leads {f['workstream']} for the {f['scheme']}?", [[f["lead"]]]))
        ask.append(("other", f"How will the {f['scheme']} be paid for?", [[f["funder"]]]))
    else:
        ask.append(("who", f"Who moved the motion on the {f['scheme']}?", [[f["mover"]]]))
        ask.append(
            (
                "vote",
                f"How did the vote go at {where} on the {f['scheme']}?",
                [[f"{f['for']} for"], [f"{f['against']} against"]],
            )
        )
        ask.append(("date", f"When did {where} decide on the {f['scheme']}?", [[f["date"]]]))
    return [{"question": q, "answers": a, "sources": [p.doc_id], "type": t} for t, q, a in ask]


# Chunks one paper becomes with the default chunker (CPA_CHUNK_TOKENS=200), measured on the first
# 300 papers (3,812 chunks); the bench reports the real count, this only sizes the archive for a target.
CHUNKS_PER_PAPER = 12.7


def papers_for(chunks: int) -> int:
    return max(3, round(chunks / CHUNKS_PER_PAPER))


def write_pdf(path: Path, lines: list[str]) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    y = 780
    for line in lines:
        for part in simpleSplit(line, "Helvetica", 10, 460) or [""]:
            if y < 60:
                pdf.showPage()
                y = 780
            pdf.setFont("Helvetica", 10)
            pdf.drawString(60, y, part)
            y -= 14
    pdf.save()


def generate(out: Path, chunks: int, seed: int = 7, questions: int = 60) -> dict:
    """Write the archive for `chunks` and its planted questions; return what was written."""
    out.mkdir(parents=True, exist_ok=True)
    count = papers_for(chunks)
    papers = [paper(i, seed) for i in range(count)]
    names = [f"{p.doc_id}{'.pdf' if i % 8 == 5 else '.txt'}" for i, p in enumerate(papers)]
    wanted = set(names)
    for stale in out.iterdir():  # a folder reused for another scale keeps only this scale's papers
        if stale.suffix in (".pdf", ".txt") and stale.name not in wanted:
            stale.unlink()
    # Always rewritten (a second for thousands of papers): a folder written by an older
    # generator must never pair old papers with new questions.
    for p, name in zip(papers, names, strict=True):
        target = out / name
        if target.suffix == ".pdf":
            write_pdf(target, p.lines)
        else:
            target.write_text("\n".join(p.lines) + "\n", encoding="utf-8")
    picker = random.Random(f"{seed}:questions:{count}")
    planted = sorted(picker.sample(range(count), min(count, (questions + 2) // 3)))
    asked = []
    for i in planted:
        for q in questions_for(papers[i]):
            asked.append({"id": f"syn-{len(asked) + 1:03d}", **q})
    asked = asked[:questions]
    with (out / "questions.jsonl").open("w", encoding="utf-8") as handle:
        for q in asked:
            handle.write(json.dumps(q) + "\n")
    return {"papers": count, "questions": len(asked), "folder": str(out), "seed": seed}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.synthetic")
    parser.add_argument("out", type=Path, help="folder to write the papers into")
    parser.add_argument("--chunks", type=int, default=1000, help="about how many chunks")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--questions", type=int, default=60)
    args = parser.parse_args(argv)
    print(json.dumps(generate(args.out, args.chunks, args.seed, args.questions)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
