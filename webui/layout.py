"""The Gradio Blocks of the chat UI: chat, sources, document viewer, filters, library, feedback.

Layout and event wiring only; what each event does lives in `webui.services` (asking, papers,
feedback) and `webui.render` (escaped HTML).
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from ingest.examples import corpus_examples
from ingest.records import DOC_TYPES
from retrieval.filters import FilterError, compile_filter
from retrieval.records import Answer, Filters
from webui import render
from webui.decisions_tab import decisions_tab
from webui.library_tab import LibraryEvents
from webui.render import plain_answer
from webui.services import Services
from webui.style import COPY_ANSWER, SCROLL_TO_FOCUS


def _filters_line(councils, bodies, doc_types, since, until) -> str:
    filters = render.filters_from_form(councils, bodies, doc_types, since, until)
    try:
        compile_filter(filters, None, [])
    except FilterError as exc:
        return render.error_message(f"Filter not applied: {exc}.")
    return render.active_filters(filters)


def build_blocks(services: Services) -> gr.Blocks:
    """The whole UI over one `Services`; launch it with `launch()` (it brings the CSS)."""
    examples = corpus_examples(services.settings.corpus_dir)
    events = LibraryEvents(services)
    filter_choices, refresh = events.filter_choices, events.refresh

    # -- chat --------------------------------------------------------------------------------

    def respond(
        question,
        chat,
        history,
        answers,
        councils,
        bodies,
        doc_types,
        since,
        until,
        request: gr.Request,
    ):
        question = (question or "").strip()
        chat = list(chat or [])
        history = list(history or [])
        answers = dict(answers or {})
        keep = (gr.skip(),) * 5
        if not question:
            yield chat, question, history, answers, *keep
            return
        filters = render.filters_from_form(councils, bodies, doc_types, since, until)
        chat.append({"role": "user", "content": render.user_message(question)})
        chat.append({"role": "assistant", "content": render.partial_answer("…")})
        yield chat, "", history, answers, *keep
        final: Answer | None = None
        pieces = ""
        user = services.user_of(request)
        try:
            services.check_rate(request, user)
            for item in services.stream(question, history, filters, user):
                if isinstance(item, Answer):
                    final = item
                else:
                    pieces += item
                    chat[-1] = {"role": "assistant", "content": render.partial_answer(pieces)}
                    yield chat, "", history, answers, *keep
        except (FilterError, ValueError) as exc:
            chat[-1] = {"role": "assistant", "content": render.error_message(f"{exc}.")}
            yield chat, "", history, answers, *keep
            return
        if final is None:  # an answerer must end with the record; say so rather than hang
            chat[-1] = {"role": "assistant", "content": render.error_message("No answer.")}
            yield chat, "", history, answers, *keep
            return
        turn = len(answers) + 1
        chat[-1] = {"role": "assistant", "content": render.answer_message(final, turn)}
        history += [
            {"role": "user", "content": question},
            {"role": "assistant", "content": final.answer},
        ]
        answers[len(chat) - 1] = final
        choices = render.source_choices(final)
        yield (
            chat,
            "",
            history,
            answers,
            final,
            render.sources_panel(final, services.cited_chunks(final, user), turn),
            gr.update(choices=choices, value=choices[0][1] if choices else None),
            plain_answer(final),
            "",
        )

    def new_conversation():
        return (
            [],
            "",
            [],
            {},
            None,
            render.sources_panel(None, {}, 0),
            gr.update(choices=[], value=None),
            "",
            "",
            "",
        )

    def open_document(choice, current: Answer | None, request: gr.Request):
        """The whole paper at the cited passage, and for a PDF the cited page itself."""
        no_page = gr.update(value=None, visible=False)
        if current is None or not choice:
            return '<p class="empty">Ask a question, then choose one of its sources.</p>', no_page
        cited = {str(c.n): c for c in current.citations or current.suggestions}
        citation = cited.get(str(choice))
        if citation is None:
            return '<p class="empty">Choose one of the sources of the last answer.</p>', no_page
        user = services.user_of(request)
        found = services.document(citation.doc_id, user)
        if found is None:
            return render.error_message("That paper is not available."), no_page
        meta, chunks = found
        image = services.page_image(citation.doc_id, citation.page, user)
        page = (
            gr.update(value=image, visible=True, label=f"Page {citation.page}: {citation.title}")
            if image is not None
            else no_page
        )
        return render.document_view(meta, chunks, citation), page

    # -- feedback ----------------------------------------------------------------------------

    def rate(rating, comment, current: Answer | None, councils, bodies, doc_types, since, until):
        if current is None:
            return comment, render.error_message("Ask a question first, then rate its answer.")
        filters = render.filters_from_form(councils, bodies, doc_types, since, until)
        try:
            services.feedback.record(rating, current.to_dict(), comment, _filters_dict(filters))
        except ValueError as exc:
            return comment, render.error_message(str(exc))
        thanks = "Thanks: feedback saved" + (" with your comment." if comment.strip() else ".")
        return "", f'<p role="status">{render.text(thanks)}</p>'

    def rate_message(answers, data: gr.LikeData):
        index = data.index[0] if isinstance(data.index, list | tuple) else data.index
        answer = (answers or {}).get(index)
        if answer is None or data.liked not in (True, False):
            return gr.skip()
        services.feedback.record("up" if data.liked else "down", answer.to_dict())
        return '<p role="status">Thanks: feedback saved.</p>'

    # -- API -----------------------------------------------------------------------------------

    def ask(
        question: str,
        history: list[dict] | None = None,
        filters: dict | None = None,
        request: gr.Request = None,
    ) -> dict:
        """Answer a question from the committee papers; returns the `Answer` record as JSON.

        history: earlier turns, [{"role": "user"|"assistant", "content": "..."}]; filters:
        {"councils": [...], "bodies": [...], "doc_types": [...], "since": "yyyy-mm-dd", "until": ...}.
        """
        try:
            user = services.user_of(request)
            services.check_rate(request, user)
            parsed = Filters.from_dict(filters or None)
            return services.answer(question, history, parsed, user).to_dict()
        except (FilterError, ValueError) as exc:
            raise gr.Error(f"{exc}.".replace("..", ".")) from None

    # -- layout ------------------------------------------------------------------------------

    private: dict[str, Any] = {"api_visibility": "private"}
    with gr.Blocks(title="Committee Papers Assistant") as demo:
        history = gr.State([])
        answers = gr.State({})
        current = gr.State(None)
        gr.Markdown(
            "# Committee Papers Assistant\n"
            "Ask about council reports, minutes and decisions. Every answer cites the paper, "
            "paragraph and page it comes from."
        )
        account_line = gr.HTML(render.account_line(None), elem_id="account")
        with gr.Tabs():
            with gr.Tab("Ask", id="ask"), gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=320):
                    chat = gr.Chatbot(
                        label="Conversation",
                        elem_id="chat",
                        height=520,
                        buttons=[],
                        latex_delimiters=[],
                        allow_tags=False,
                        placeholder=(
                            "**Ask a question about the committee papers.** "
                            "Answers are short and cite their sources."
                        ),
                        examples=[{"text": q["question"]} for q in examples.questions] or None,
                    )
                    with gr.Row():
                        question = gr.Textbox(
                            label="Your question",
                            placeholder=examples.placeholder,
                            lines=1,
                            max_lines=4,
                            scale=5,
                            min_width=200,
                            elem_id="question",
                            autofocus=True,
                        )
                        ask_button = gr.Button(
                            "Ask", variant="primary", scale=1, min_width=80, elem_id="ask"
                        )
                    filters_line = gr.HTML(
                        render.active_filters(Filters()), elem_id="filters-active"
                    )
                    with gr.Row():
                        new_button = gr.Button("New conversation", elem_id="new-conversation")
                        copy_button = gr.Button("Copy answer", elem_id="copy-answer")
                    copy_text = gr.Textbox(visible="hidden", elem_id="copy-text")
                    with gr.Accordion("Rate the last answer", open=False, elem_id="feedback"):
                        comment = gr.Textbox(
                            label="Comment (optional)", lines=2, elem_id="feedback-comment"
                        )
                        with gr.Row():
                            up = gr.Button("👍 Helpful", elem_id="thumbs-up")
                            down = gr.Button("👎 Not helpful", elem_id="thumbs-down")
                        feedback_status = gr.HTML(elem_id="feedback-status")
                        export_button = gr.Button(
                            "Export feedback (JSONL)", visible=False, elem_id="export-feedback"
                        )
                        export_file = gr.File(label="Feedback log", interactive=False)
                with gr.Column(scale=2, min_width=320):
                    with gr.Accordion("Filters", open=False, elem_id="filters"):
                        councils = gr.Dropdown(
                            label="Council", multiselect=True, choices=[], elem_id="f-council"
                        )
                        bodies = gr.Dropdown(
                            label="Committee or body",
                            multiselect=True,
                            choices=[],
                            elem_id="f-body",
                        )
                        doc_types = gr.Dropdown(
                            label="Document type",
                            multiselect=True,
                            choices=list(DOC_TYPES),
                            elem_id="f-type",
                        )
                        with gr.Row():
                            since = gr.Textbox(
                                label="From date", placeholder="yyyy-mm-dd", elem_id="f-since"
                            )
                            until = gr.Textbox(
                                label="To date", placeholder="yyyy-mm-dd", elem_id="f-until"
                            )
                        clear_filters = gr.Button("Clear filters", size="sm")
                    sources = gr.HTML(
                        render.sources_panel(None, {}, 0), elem_id="sources", js_on_load=None
                    )
                    with gr.Row():
                        source_pick = gr.Dropdown(
                            label="Source to open",
                            choices=[],
                            scale=3,
                            min_width=160,
                            elem_id="source-pick",
                        )
                        open_button = gr.Button(
                            "Open document", scale=1, min_width=120, elem_id="open-document"
                        )
                    viewer = gr.HTML("", elem_id="doc-view", js_on_load=None, max_height=560)
                    page_view = gr.Image(
                        label="Cited page",
                        visible=False,
                        interactive=False,
                        type="pil",
                        elem_id="page-view",
                    )
            table, uploads, replace_box, add_button, upload_status = events.tab()
            (
                decision_councils,
                decision_bodies,
                find_decisions,
                decision_inputs,
                decision_outputs,
                decisions_api,
            ) = decisions_tab(services, private)

        filter_inputs = [councils, bodies, doc_types, since, until]
        chat_outputs = [
            chat,
            question,
            history,
            answers,
            current,
            sources,
            source_pick,
            copy_text,
            viewer,
        ]
        for trigger in (question.submit, ask_button.click):
            trigger(
                respond,
                [question, chat, history, answers, *filter_inputs],
                chat_outputs,
                **private,
            )
        chat.example_select(_example_text, None, question, **private).then(
            respond, [question, chat, history, answers, *filter_inputs], chat_outputs, **private
        )
        new_button.click(new_conversation, None, [*chat_outputs, feedback_status], **private)
        chat.clear(new_conversation, None, [*chat_outputs, feedback_status], **private)
        copy_button.click(None, copy_text, None, js=COPY_ANSWER, **private)
        open_button.click(
            open_document, [source_pick, current], [viewer, page_view], **private
        ).then(None, None, None, js=SCROLL_TO_FOCUS, **private)
        for control in filter_inputs:
            control.change(_filters_line, filter_inputs, filters_line, **private)
        clear_filters.click(lambda: ([], [], [], "", ""), None, filter_inputs, **private)
        up.click(
            lambda *a: rate("up", *a),
            [comment, current, *filter_inputs],
            [comment, feedback_status],
            **private,
        )
        down.click(
            lambda *a: rate("down", *a),
            [comment, current, *filter_inputs],
            [comment, feedback_status],
            **private,
        )
        chat.like(rate_message, answers, feedback_status, **private)
        export_button.click(events.export_feedback, None, export_file, **private)
        add_button.click(
            events.add_papers,
            [uploads, replace_box],
            [upload_status, uploads, table, councils, bodies],
            **private,
        ).then(filter_choices, None, [decision_councils, decision_bodies], **private)
        demo.load(
            events.account,
            None,
            [account_line, uploads, replace_box, add_button, export_button],
            **private,
        )
        demo.load(refresh, None, [table, councils, bodies], **private)
        demo.load(filter_choices, None, [decision_councils, decision_bodies], **private)
        demo.load(find_decisions, decision_inputs, decision_outputs, **private)
        gr.api(ask, api_name="ask")
        gr.api(decisions_api, api_name="decisions")
    return demo


def _example_text(data: gr.SelectData) -> str:
    return data.value["text"] if isinstance(data.value, dict) else str(data.value)


def _filters_dict(filters: Filters) -> dict[str, Any]:
    from dataclasses import asdict

    return {k: v for k, v in asdict(filters).items() if v}
