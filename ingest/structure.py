"""A paper's structure by its kind: minute items and motions for minutes, items for agendas and
forward plans. Stored in the document record (`structure`) for the answerer and the register,
and followed by the chunker."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ingest.agenda import AgendaStructure, parse_agenda
from ingest.minutes import MinutesStructure, parse_minutes


@dataclass
class PaperStructure:
    """What was found in one paper: its minutes, or its agenda or forward plan, or nothing."""

    minutes: MinutesStructure | None = None
    agenda: AgendaStructure | None = None

    def to_record(self) -> dict[str, Any]:
        if self.minutes is not None:
            return {"minutes": self.minutes.to_dict()}
        return {"agenda": self.agenda.to_dict()} if self.agenda is not None else {}


def paper_structure(text: str, doc_type: str | None) -> PaperStructure:
    """Minute items for minutes; the items of an agenda, or the rows of a forward plan."""
    if doc_type == "minutes":
        return PaperStructure(minutes=parse_minutes(text))
    agenda = parse_agenda(text)
    if agenda.items and (agenda.kind == "forward plan" or doc_type == "agenda"):
        return PaperStructure(agenda=agenda)
    return PaperStructure()
