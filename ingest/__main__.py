"""`python -m ingest [PATHS...]`: bring the index up to date with committee papers."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ingest.cli import report_error
from ingest.settings import SettingsError, load_settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ingest",
        description="Ingest committee papers (PDF, DOCX, HTML, Markdown, text) into the search index.",
    )
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        help="files or folders (default: CPA_CORPUS_DIR, i.e. corpus/)",
    )
    parser.add_argument(
        "--prune", action="store_true", help="remove documents whose files are no longer present"
    )
    parser.add_argument(
        "--replace",
        action="store_true",
        help="let these files replace papers of the same document id ingested from elsewhere",
    )
    parser.add_argument(
        "--lower-access",
        action="store_true",
        help="let an exempt paper become public when its metadata says so (otherwise only a "
        'sidecar saying "access": "public" does)',
    )
    parser.add_argument(
        "--json", action="store_true", help="print a machine-readable summary instead of a table"
    )
    parser.add_argument("--data-dir", type=Path, help="override CPA_DATA_DIR for this run")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.data_dir:
        settings = load_settings(data_dir=args.data_dir)
    try:
        from ingest.service import build_ingester  # noqa: I001 - heavy imports only after argument parsing
        from ingest.progress import ConsoleProgress, print_summary

        paths = args.paths or [settings.corpus_dir]
        with ConsoleProgress(enabled=not args.json and sys.stderr.isatty()) as progress:
            summary = build_ingester(settings, progress=progress).run(
                paths, prune=args.prune, replace=args.replace, lower_access=args.lower_access
            )
    except Exception as exc:
        return report_error(exc, args.debug, 2)
    for result in summary.files:
        if result.status == "failed":
            print(f"FAILED {result.path}: {result.reason}", file=sys.stderr)
        elif result.warning and result.status == "ingested":
            print(f"WARNING {result.path}: {result.warning}", file=sys.stderr)
        if result.access_note:
            print(f"ACCESS {result.path}: {result.access_note}", file=sys.stderr)
    if args.json:
        print(summary.to_json())
    else:
        print_summary(summary)
    return 1 if summary.failed else 0


if __name__ == "__main__":
    sys.exit(main())
