"""Terminal output for the ingest CLI: progress bars over files and chunks, and a summary table."""

from __future__ import annotations

from ingest.summary import IngestSummary


class ConsoleProgress:
    """Rich progress bars (files, chunk embedding) on stderr; silent when disabled."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self._progress = None
        self._tasks: dict[str, int] = {}

    def __enter__(self) -> ConsoleProgress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self._progress = Progress(
                TextColumn("{task.description:<18}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=False,
            )
            self._progress.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._progress.stop()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self._progress is None:
            return
        if stage not in self._tasks:
            label = {"files": "Files", "ocr": "OCR pages"}.get(stage, "Embedding chunks")
            self._tasks[stage] = self._progress.add_task(label, total=total)
        self._progress.update(self._tasks[stage], completed=done, total=total)


def print_summary(summary: IngestSummary) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Ingest summary")
    for column in ("documents", "pages", "chunks", "skipped", "failed", "seconds", "chunks/s"):
        table.add_column(column, justify="right")
    table.add_row(
        str(summary.documents),
        str(summary.pages),
        str(summary.chunks),
        str(summary.skipped),
        str(summary.failed),
        f"{summary.seconds:.2f}",
        f"{summary.chunks_per_second:.1f}",
    )
    console = Console()
    console.print(table)
    if summary.pruned:
        console.print(f"Pruned {len(summary.pruned)} document(s): {', '.join(summary.pruned)}")
    if summary.repaired_chunks:
        console.print(f"Removed {summary.repaired_chunks} chunk(s) left by an interrupted run.")
