"""`python app.py` (or `make run`): index corpus/ if needed, then serve the chat UI.

The Gradio face of the assistant: `build_app(settings)` returns the Blocks over the same services
the CLI uses (`retrieval.answering.Assistant`, `ingest.pipeline.Ingester`); the layout lives in
`webui/`. Host and port are the CPA_HOST / CPA_PORT settings.

>>> demo = build_app(load_settings())   # cheap: the model and index load on first use
>>> demo.launch()                       # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import os
import sys

import gradio as gr

from ingest.cli import report_error
from ingest.settings import Settings, SettingsError, load_settings


def build_app(settings: Settings, services=None) -> gr.Blocks:
    """The chat UI for these settings (pass `services` to share an already-built assistant)."""
    from webui.layout import build_blocks
    from webui.services import Services

    return build_blocks(services or Services.from_settings(settings))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python app.py", description="Serve the Committee Papers Assistant chat UI."
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        from ingest.progress import ConsoleProgress, print_summary
        from webui.server import launch
        from webui.services import Services

        # Gradio keeps uploads and downloads in its temp folder: keep them under DATA_DIR.
        os.environ.setdefault("GRADIO_TEMP_DIR", str(settings.scratch_dir / "gradio"))
        services = Services.from_settings(settings)
        services.clean_scratch()
        print(f"Checking the index against {settings.corpus_dir}/ …", file=sys.stderr)
        with ConsoleProgress(enabled=sys.stderr.isatty()) as progress:
            summary = services.index_corpus(progress)
        if summary is not None and (summary.documents or summary.failed):
            print_summary(summary)
            for result in summary.files:
                if result.status == "failed":
                    print(f"FAILED {result.path}: {result.reason}", file=sys.stderr)
        print("Loading the model and the index …", file=sys.stderr)
        services.warm_up()
        print(
            f"Committee Papers Assistant: http://{settings.host}:{settings.port}", file=sys.stderr
        )
        launch(
            build_app(settings, services),
            settings.host,
            settings.port,
            sign_in=services.sign_in,
            max_file_mb=settings.max_file_mb,
            allowed_paths=[str(settings.downloads_dir)],
        )
    except KeyboardInterrupt:
        return 0
    except Exception as exc:
        return report_error(exc, args.debug, 2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
