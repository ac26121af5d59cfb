"""The structure of agendas and forward plans: items with number, title, time, presenter, pages
and exempt marking; forward-plan rows with lead officer, meeting date, decision taker, key
decision and exempt marking; golden structures of one real agenda and one real forward plan."""

from __future__ import annotations

import pytest

from ingest.agenda import AgendaStructure, parse_agenda
from ingest.loaders import load_document
from tests.conftest import REPO

SHARED = REPO.parent / "shared"

AGENDA = """ELMSTEAD TOWN COUNCIL
You are summoned to a meeting of the council on Tuesday 4 March 2025 at 7.30pm.
AGENDA
1. Apologies for absence
2. Minutes of the meeting held on 4 February 2025 (Pages 1 - 6)
3. Town centre toilets - presented by Cllr Rowan Ash
4. Depot lease - Exempt 3
5. Grants to local groups (Pages 7 - 12)
6. Close of meeting at 9.00pm"""


def test_agenda_items_with_pages_presenter_and_exempt_marking():
    agenda = parse_agenda(AGENDA)
    assert agenda.kind == "agenda"
    assert [(i.number, i.title) for i in agenda.items] == [
        ("1", "Apologies for absence"),
        ("2", "Minutes of the meeting held on 4 February 2025"),
        ("3", "Town centre toilets - presented by Cllr Rowan Ash"),
        ("4", "Depot lease"),
        ("5", "Grants to local groups"),
        ("6", "Close of meeting at 9.00pm"),
    ]
    two, three, four, five, six = agenda.items[1:]
    assert (two.pages, five.pages) == ("1 - 6", "7 - 12")
    assert three.presenter == "Cllr Rowan Ash"
    assert (four.exempt, three.exempt) == ("Exempt 3", "")
    assert six.time == "9.00pm"
    assert (agenda.meeting_date, agenda.meeting_time) == ("4 March 2025", "7.30pm")
    assert all(AGENDA[i.start :].startswith(i.number) for i in agenda.items)


def test_numbered_titles_running_on_in_one_paragraph():
    text = (
        "AGENDA 301. Apologies 302. Declarations of interest 303. Accounts for payment:- "
        "Clerk's salary 305. Correspondence"
    )
    items = parse_agenda(text).items
    assert [(i.number, i.title) for i in items] == [
        ("301", "Apologies"),
        ("302", "Declarations of interest"),
        ("303", "Accounts for payment"),
        ("305", "Correspondence"),
    ]


PLAN = "\n".join(
    [
        "FORWARD PLAN OF KEY DECISIONS",
        "Lead Officer\tTitle and summary of decision\tDecision due\tDecision maker",
        "Ann Birch, Head of Libraries\tLibrary Opening Hours To agree new opening hours. Non Key Open"
        "\t12 May 2026\tCabinet",
        "Tom Reed, Director of Property\tDepot Lease To approve the lease of the depot. Key Part exempt 3"
        "\t9 Jun 2026\tCabinet Member for Property",
    ]
)


def test_forward_plan_rows_name_officer_date_taker_and_exempt_marking():
    plan = parse_agenda(PLAN)
    assert plan.kind == "forward plan"
    hours, lease = plan.items
    assert (hours.title, hours.summary) == ("Library Opening Hours", "To agree new opening hours.")
    assert (hours.presenter, hours.meeting_date, hours.decision_taker) == (
        "Ann Birch, Head of Libraries",
        "12 May 2026",
        "Cabinet",
    )
    assert (hours.key_decision, hours.exempt) == ("Non Key", "")
    assert (lease.key_decision, lease.exempt) == ("Key", "Part exempt 3")
    assert lease.decision_taker == "Cabinet Member for Property"
    assert PLAN[lease.start : lease.end].startswith("Tom Reed")
    assert AgendaStructure.from_dict(plan.to_dict()) == plan


def test_a_table_without_forward_plan_columns_is_no_forward_plan():
    table = "Payee\tDetail\tTotal\nAnn Birch\tSalary\t140.24\nHall Trust\tHire\t28.56"
    assert parse_agenda(table).items == []


# -- golden structures of real papers (tuning part) --------------------------------------------


def _real(name: str):
    path = SHARED / "realdocs2" / name
    if not path.is_file():
        pytest.skip(f"{path} is not present")
    return load_document(path, max_bytes=50_000_000)


def test_golden_community_council_agenda():
    agenda = parse_agenda(_real("tintern_cc_2019-10-28_agenda.pdf").text)
    assert [i.number for i in agenda.items] == [str(n) for n in range(2779, 2796)]
    titles = {i.number: i.title for i in agenda.items}
    assert titles["2779"] == "Police Report"
    assert titles["2781"] == "Apologies for absence"
    assert titles["2785"] == "Accounts for payment"
    assert titles["2792"] == "Climate Change Emergency Action Plan"
    assert (agenda.meeting_date, agenda.meeting_time) == ("28th October 2019", "7.00pm")


def test_golden_forward_plan_with_part_exempt_items():
    name = "bristol_tcpc_2026-02-18_forward_plan_update_part_exempt_items.pdf"
    plan = parse_agenda(_real(name).text)
    assert plan.kind == "forward plan"
    assert len(plan.items) == 26
    by_title = {i.title: i for i in plan.items}
    kerbside = by_title["Kerbside and Parking Strategy"]
    assert kerbside.presenter.startswith("Adam Crowther, Head of City Transport")
    assert (kerbside.meeting_date, kerbside.decision_taker, kerbside.exempt) == (
        "14 May 2026",
        "Transport & Connectivity Policy Committee",
        "",
    )
    assert by_title["Workplace Parking Levy Full Business Case"].meeting_date == "22 Oct 2026"
    exempt = [i.title for i in plan.items if i.exempt]
    assert len(exempt) == 6 and all(
        plan.items[k].exempt.startswith("Part exempt")
        for k in range(len(plan.items))
        if plan.items[k].exempt
    )
    assert by_title["Road Safety Task and Finish Group - closure report"].key_decision == "Non Key"


def test_ingest_keeps_an_agenda_s_items_in_its_document_record(tmp_path, store, embedder):
    from ingest.pipeline import Ingester
    from retrieval.catalog import Catalog

    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "elmstead_tc_2025-03-04_agenda.txt").write_text(AGENDA, encoding="utf-8")
    (folder / "elmstead_forward_plan.txt").write_text(PLAN, encoding="utf-8")
    assert Ingester(store, embedder, workers=1).run([folder]).failed == 0
    catalog = Catalog.load(store, store.document_records())
    agenda = catalog.agenda("elmstead_tc_2025-03-04_agenda")
    assert agenda is not None and agenda.items[3].exempt == "Exempt 3"
    plan = catalog.agenda("elmstead_forward_plan")
    assert plan is not None and plan.items[1].decision_taker == "Cabinet Member for Property"


def test_an_agenda_s_items_are_chunk_text_and_answer_an_item_number():
    """Short numbered item lines are the agenda's business, not headings: they are quoted."""
    import json

    from ingest.chunking import StructureChunker
    from ingest.records import DocumentMeta, LoadedDocument
    from retrieval.catalog import Catalog
    from retrieval.question import Question
    from retrieval.units import Unit, agenda_item_units

    doc = LoadedDocument(doc_id="elmstead-agenda", path="x.txt", text=AGENDA)
    meta = DocumentMeta(doc_id=doc.doc_id, doc_type="agenda", council="Elmstead Town Council")
    agenda = parse_agenda(AGENDA)
    chunker = StructureChunker(lambda ts: [len(t.split()) for t in ts], target_tokens=30)
    chunks = chunker.chunk(doc, meta, agenda=agenda)
    assert any("4. Depot lease - Exempt 3" in c.text for c in chunks)
    assert all(c.section == () or "Depot" not in " ".join(c.section) for c in chunks)
    metas = [c.to_metadata() for c in chunks]
    record = {**meta.to_metadata(), "structure": json.dumps({"agenda": agenda.to_dict()})}
    catalog = Catalog(chunks, metas, {doc.doc_id: record}, fingerprint=AGENDA)
    best = Unit(chunks[0], 0, 10, rank=1)
    [unit] = agenda_item_units(Question.parse("What is item 4 on the agenda?"), best, [], catalog)
    assert unit.text == "4. Depot lease - Exempt 3"
    assert agenda_item_units(Question.parse("What is item 9?"), best, [], catalog) == []
    assert agenda_item_units(Question.parse("What is on the agenda?"), best, [], catalog) == []
