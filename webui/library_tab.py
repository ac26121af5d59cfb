"""The Library tab's events: the paper list, the filter choices, who is signed in, uploads and
the feedback export. Each resolves the caller from the request; uploads and exports are for
officers and admins only, checked here whatever the page shows.
"""

from __future__ import annotations

import gradio as gr

from ingest.writer_lock import IndexBusy
from webui import render
from webui.services import Services


class LibraryEvents:
    """Event handlers over one `Services` (bound methods, wired in `webui.layout`)."""

    def __init__(self, services: Services):
        self.services = services

    # -- library -----------------------------------------------------------------------------

    def library(self, request: gr.Request):
        return render.library_rows(self.services.documents(self.services.user_of(request)))

    def filter_choices(self, request: gr.Request):
        user = self.services.user_of(request)
        return (
            gr.update(choices=self.services.choices("council", user)),
            gr.update(choices=self.services.choices("body", user)),
        )

    def refresh(self, request: gr.Request):
        return self.library(request), *self.filter_choices(request)

    def account(self, request: gr.Request):
        """Who the page is signed in as, and the officers' controls shown only to officers."""
        user = self.services.user_of(request)
        manage = gr.update(visible=user.may_manage)
        return render.account_line(user), manage, manage, manage, manage

    def add_papers(self, files, replace, request: gr.Request, progress=gr.Progress()):  # noqa: B008
        user = self.services.user_of(request)
        if not user.may_manage:
            message = "Only officers and admins may add papers; sign in as one."
            return render.error_message(message), None, gr.skip(), gr.skip(), gr.skip()
        paths = [f if isinstance(f, str) else getattr(f, "name", str(f)) for f in files or []]
        if not paths:
            return render.upload_report([]), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        labels = {"files": "Reading papers", "chunks": "Embedding passages"}

        def report(stage: str, done: int, total: int) -> None:
            progress((done, max(total, 1)), desc=labels.get(stage, stage))

        try:
            summary, hidden = self.services.add_papers(paths, user, report, replace=bool(replace))
        except IndexBusy as exc:
            return render.error_message(f"{exc}"), None, gr.skip(), gr.skip(), gr.skip()
        finally:
            _forget_uploads(paths)  # Gradio's copies: the papers kept are in DATA_DIR/uploads
        return render.upload_report(summary.files, hidden), None, *self.refresh(request)

    def export_feedback(self, request: gr.Request):
        try:
            return str(self.services.export_feedback(self.services.user_of(request)))
        except PermissionError as exc:
            raise gr.Error(str(exc)) from None

    def tab(self):
        """The Library tab's components, built inside the current Blocks; the upload controls
        start hidden and `account` shows them to officers and admins."""
        with gr.Tab("Library", id="library"):
            gr.Markdown(
                "Papers in the index. Signed-in officers and admins can add PDF, Word, text "
                "or Markdown files below."
            )
            table = gr.Dataframe(
                headers=render.LIBRARY_COLUMNS,
                datatype=["str"] * 5 + ["number", "number", "str"],
                interactive=False,
                label="Indexed papers",
                elem_id="library",
                wrap=True,
                column_widths=["28%", "16%", "12%", "9%", "7%", "6%", "7%", "15%"],
            )
            uploads = gr.File(
                label="Papers to add (PDF, DOCX, TXT, Markdown)",
                file_count="multiple",
                file_types=[".pdf", ".docx", ".txt", ".md", ".markdown"],
                elem_id="upload",
                visible=False,
            )
            replace_box = gr.Checkbox(
                label="Replace papers of the same file name (keeps their access level)",
                value=False,
                visible=False,
                elem_id="replace-papers",
            )
            add_button = gr.Button(
                "Add to library", variant="primary", elem_id="add-papers", visible=False
            )
            upload_status = gr.HTML(elem_id="upload-status")
        return table, uploads, replace_box, add_button, upload_status


def _forget_uploads(paths: list[str]) -> None:
    """Delete the files Gradio received for an upload (kept or refused, they are not needed
    once ingest has copied them), only inside Gradio's upload folder."""
    from pathlib import Path

    from gradio.utils import get_upload_folder

    folder = Path(get_upload_folder()).resolve()
    for path in map(Path, paths):
        try:
            if folder in path.resolve().parents:
                path.unlink(missing_ok=True)
                if not any(path.parent.iterdir()):
                    path.parent.rmdir()
        except OSError:
            continue
