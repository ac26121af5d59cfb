"""OCR for PDF pages with no usable text layer: a small `Ocr` interface, tesseract behind it,
and a cache by page so a re-ingest never reads a page twice.

    >>> reader = PageOcr(TesseractOcr(), cache_dir=Path("data/ocr-cache"))
    >>> texts = reader.read(pdf_bytes, [1, 2], file_hash="…")   # doctest: +SKIP

Only pages that need it are read (see `pdf_loader`); rendering uses pypdfium2, which the PDF
reader already depends on, and tesseract runs as a subprocess (Debian: tesseract-ocr and
tesseract-ocr-eng).
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

INSTALL_HINT = "Debian/Ubuntu: apt install tesseract-ocr tesseract-ocr-eng"


class OcrError(Exception):
    """The OCR engine could not read a page."""


class Ocr(Protocol):
    """Reads the text of one page image."""

    @property
    def name(self) -> str:
        """Engine, version-relevant options and language: part of the cache key."""
        ...

    def unavailable(self) -> str:
        """Why the engine cannot run here ("" when it can)."""
        ...

    def read_image(self, png: bytes) -> str: ...


class TesseractOcr:
    """tesseract as a subprocess: PNG on stdin, text on stdout."""

    def __init__(
        self, binary: str = "tesseract", language: str = "eng", dpi: int = 300, timeout: float = 180
    ):
        self.binary = binary
        self.language = language
        self.dpi = dpi
        self.timeout = timeout
        self._checked: str | None = None

    @property
    def name(self) -> str:
        return f"tesseract:{self.language}:{self.dpi}dpi:psm3"

    def unavailable(self) -> str:
        if self._checked is None:
            self._checked = self._check()
        return self._checked

    def _check(self) -> str:
        if shutil.which(self.binary) is None:
            return f"tesseract is not installed ({INSTALL_HINT})"
        try:
            listed = subprocess.run(
                [self.binary, "--list-langs"], capture_output=True, text=True, timeout=30
            )
        except (OSError, subprocess.SubprocessError) as exc:
            return f"tesseract could not be run ({exc})"
        languages = {line.strip() for line in (listed.stdout + listed.stderr).splitlines()}
        missing = [code for code in self.language.split("+") if code not in languages]
        if missing:
            return f"tesseract has no '{'+'.join(missing)}' language data ({INSTALL_HINT})"
        return ""

    def read_image(self, png: bytes) -> str:
        command = [self.binary, "stdin", "stdout", "-l", self.language, "--psm", "3"]
        command += ["--dpi", str(self.dpi)]
        # One thread per tesseract: its OpenMP threads make it several times slower, not faster
        # (15 s against 2.4 s for an A4 page at 300 dpi here); pages run side by side instead.
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        try:
            done = subprocess.run(
                command, input=png, capture_output=True, timeout=self.timeout, env=env
            )
        except subprocess.TimeoutExpired:
            raise OcrError(f"tesseract took longer than {self.timeout:.0f} s") from None
        except OSError as exc:
            raise OcrError(f"tesseract could not be run ({exc})") from None
        if done.returncode != 0:
            detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise OcrError(f"tesseract failed ({detail[-1] if detail else done.returncode})")
        return done.stdout.decode("utf-8", "replace")


def render_page(pdf: object, number: int, dpi: int) -> bytes:
    """One page (1-based) of an open pypdfium2 document as a greyscale PNG at `dpi`."""
    page = pdf[number - 1]  # type: ignore[index]
    image = page.render(scale=dpi / 72, grayscale=True).to_pil()
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


class PageOcr:
    """Reads the pages a PDF needs read, through the cache; progress per page."""

    def __init__(
        self,
        ocr: Ocr | None,
        cache_dir: Path | None = None,
        off_reason: str = "",
        workers: int | None = None,
    ):
        self.ocr = ocr
        self.workers = workers or min(2, os.cpu_count() or 1)
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self.off_reason = off_reason or ("OCR is off" if ocr is None else "")
        self.pages_read = 0  # pages the engine actually read (cache misses), for benchmarks
        self.seconds = 0.0

    def unavailable(self) -> str:
        if self.ocr is None:
            return self.off_reason
        return self.ocr.unavailable()

    def _key(self, file_hash: str, number: int) -> str:
        name = self.ocr.name if self.ocr else ""
        return hashlib.sha256(f"{name}\x1f{file_hash}\x1f{number}".encode()).hexdigest()

    def _cached(self, key: str) -> str | None:
        if self.cache_dir is None:
            return None
        path = self.cache_dir / key[:2] / f"{key}.txt"
        try:
            return path.read_text(encoding="utf-8")
        except OSError:
            return None

    def _store(self, key: str, text: str) -> None:
        if self.cache_dir is None:
            return
        folder = self.cache_dir / key[:2]
        try:
            folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=folder, suffix=".part")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(temporary, folder / f"{key}.txt")
        except OSError:
            return  # a cache that cannot be written only costs time

    def read(
        self,
        data: bytes,
        numbers: list[int],
        file_hash: str,
        progress: Callable[[int, int], None] | None = None,
    ) -> tuple[dict[int, str], list[int], str]:
        """(text per page read, pages that could not be read, why) for 1-based page numbers."""
        progress = progress or (lambda done, total: None)
        reason = self.unavailable()
        if reason:
            return {}, list(numbers), reason
        assert self.ocr is not None
        texts: dict[int, str] = {}
        failed: list[int] = []
        why = ""
        todo: list[tuple[int, str]] = []
        for number in numbers:
            key = self._key(file_hash, number)
            cached = self._cached(key)
            if cached is None:
                todo.append((number, key))
            else:
                texts[number] = cached
        done = len(texts)
        progress(done, len(numbers))
        if todo:
            import pypdfium2

            pdf = pypdfium2.PdfDocument(data)
            started = time.perf_counter()
            # Render here (pdfium is not thread-safe), read in parallel subprocesses.
            with ThreadPoolExecutor(max_workers=self.workers) as pool:
                futures = [
                    (
                        number,
                        key,
                        pool.submit(self.ocr.read_image, render_page(pdf, number, _dpi(self.ocr))),
                    )
                    for number, key in todo
                ]
                for number, key, future in futures:
                    try:
                        text = future.result()
                    except OcrError as exc:
                        failed.append(number)
                        why = str(exc)
                    else:
                        self.pages_read += 1
                        self._store(key, text)
                        texts[number] = text
                    done += 1
                    progress(done, len(numbers))
            self.seconds += time.perf_counter() - started
            pdf.close()
        return texts, failed, why


def _dpi(ocr: Ocr) -> int:
    return int(getattr(ocr, "dpi", 300))
