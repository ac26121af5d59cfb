"""The Decisions tab: the register as a searchable, filterable table; a row opens its citation.

Layout and wiring only; the search, the cited view and the CSV export are `Services` methods.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from ingest.decisions import KINDS
from retrieval.decision_register import public_fields
from retrieval.filters import FilterError
from retrieval.records import Filters
from webui import render
from webui.services import Services


def _filters(councils, bodies, since, until) -> Filters:
    return render.filters_from_form(councils, bodies, [], since, until)


def decisions_tab(services: Services, private: dict[str, Any]):
    """Build the tab inside the current Blocks; returns its council and body pickers so the
    page's refresh can fill them, and the endpoint function for the `decisions` API."""

    def find(query, councils, bodies, kinds, since, until, request: gr.Request):
        try:
            user = services.user_of(request)
            services.check_rate(request, user)
            rows = services.decisions(
                query or "", _filters(councils, bodies, since, until), kinds or [], user
            )
        except (FilterError, ValueError) as exc:
            return [], [], render.error_message(f"{exc}.")
        count = f"{len(rows)} decision{'s' if len(rows) != 1 else ''}."
        status = f'<p role="status">{render.text(count)}</p>'
        return render.decision_rows(rows), [r["id"] for r in rows], status

    def open_row(ids, data: gr.SelectData, request: gr.Request):
        no_page = gr.update(value=None, visible=False)
        index = data.index[0] if isinstance(data.index, list | tuple) else data.index
        if not ids or index is None or index >= len(ids):
            return gr.skip(), gr.skip()
        found = services.decision_view(ids[index], services.user_of(request))
        if found is None:
            return render.error_message("That decision is not available."), no_page
        html, image = found
        page = gr.update(value=image, visible=True) if image is not None else no_page
        return html, page

    def export(query, councils, bodies, kinds, since, until, request: gr.Request):
        try:
            user = services.user_of(request)
            services.check_rate(request, user)
            rows = services.decisions(
                query or "", _filters(councils, bodies, since, until), kinds or [], user
            )
        except (FilterError, ValueError) as exc:
            raise gr.Error(str(exc)) from None
        return str(services.export_decisions(rows))

    def decisions_api(
        query: str = "",
        councils: list[str] | None = None,
        bodies: list[str] | None = None,
        kinds: list[str] | None = None,
        since: str = "",
        until: str = "",
        doc_ids: list[str] | None = None,
        request: gr.Request = None,
    ) -> list[dict]:
        """Decisions recorded or recommended in the papers: one record per decision, with doc_id,
        page, ref, kind, body, date, subject, text (verbatim), outcome, mover, seconder, votes,
        key_decision, call_in and chunk_id. Filters as in the Decisions tab; kinds among
        resolved, recommended, agreed, noted, decision, deferred, lost."""
        try:
            user = services.user_of(request)
            services.check_rate(request, user)
            if not isinstance(query, str | None):
                raise ValueError("query must be text")
            filters = Filters.from_dict(
                {
                    "councils": councils or [],
                    "bodies": bodies or [],
                    "doc_ids": doc_ids or [],
                    "since": since or "",
                    "until": until or "",
                }
            )
            kinds = [kinds] if isinstance(kinds, str) else kinds or []
            if not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
                raise ValueError(f"kinds must be a list of names among {', '.join(KINDS)}")
            rows = services.decisions(query or "", filters, kinds, user)
        except (FilterError, ValueError, TypeError) as exc:
            raise gr.Error(str(exc)) from None
        return [{"id": r["id"], **public_fields(r)} for r in rows]

    with gr.Tab("Decisions", id="decisions"):
        gr.Markdown(
            "What was resolved, recommended or agreed, by which body and when. "
            "Choose a row to open the cited paragraph."
        )
        with gr.Row():
            query = gr.Textbox(
                label="Words",
                placeholder="e.g. parking permits",
                elem_id="decisions-query",
                scale=3,
            )
            kinds = gr.Dropdown(
                list(KINDS), multiselect=True, label="Kind", elem_id="decisions-kind"
            )
        with gr.Row():
            councils = gr.Dropdown(
                [], multiselect=True, label="Council", elem_id="decisions-council"
            )
            bodies = gr.Dropdown([], multiselect=True, label="Body", elem_id="decisions-body")
            since = gr.Textbox(label="Since (yyyy-mm-dd)", elem_id="decisions-since")
            until = gr.Textbox(label="Until (yyyy-mm-dd)", elem_id="decisions-until")
        with gr.Row():
            search = gr.Button("Search decisions", variant="primary", elem_id="decisions-search")
            export_button = gr.Button("Export CSV", elem_id="decisions-export")
        status = gr.HTML(elem_id="decisions-status")
        ids = gr.State([])
        table = gr.Dataframe(
            headers=render.DECISION_COLUMNS,
            datatype=["str"] * len(render.DECISION_COLUMNS),
            interactive=False,
            label="Decisions",
            elem_id="decisions-table",
            wrap=True,
            column_widths=["8%", "11%", "11%", "6%", "7%", "6%", "13%", "25%", "10%", "3%"],
        )
        export_file = gr.File(label="Decisions (CSV)", interactive=False, elem_id="decisions-file")
        viewer = gr.HTML("", elem_id="decision-view", max_height=560)
        page_view = gr.Image(label="Cited page", visible=False, interactive=False, type="pil")

    inputs = [query, councils, bodies, kinds, since, until]
    for trigger in (search.click, query.submit):
        trigger(find, inputs, [table, ids, status], **private)
    table.select(open_row, ids, [viewer, page_view], **private)
    export_button.click(export, inputs, export_file, **private)
    return councils, bodies, find, inputs, [table, ids, status], decisions_api
