"""What a file really is, from its first bytes: a PNG renamed .pdf is named as a PNG image.

>>> sniff(b"%PDF-1.7 ...")
'a PDF'
"""

from __future__ import annotations

from pathlib import Path

from ingest.errors import IngestError

# What files begin with, for saying what a misnamed file really is.
_MAGIC = (
    (b"%PDF-", "a PDF"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"PK\x03\x04", "a ZIP archive (or an Office file)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old-style Office file (.doc, .xls)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"{\\rtf", "an RTF document"),
    (b"\x7fELF", "a program"),
)


def sniff(data: bytes) -> str:
    """What the first bytes say a file is ("a PNG image"), or "" when they say nothing."""
    head = data[:1024]
    for magic, kind in _MAGIC:
        if head.startswith(magic) or (magic == b"%PDF-" and magic in head):
            return kind
    return ""


def check_content(path: Path, suffix: str, data: bytes) -> None:
    """Refuse a file whose content is not the type its name says: a PNG renamed .pdf is named
    as a PNG image, not called a damaged PDF."""
    kind = sniff(data)
    expected = {".pdf": "a PDF", ".docx": "a ZIP archive (or an Office file)"}.get(suffix)
    if expected is not None:
        if kind == expected:
            return
        what = kind or "not a recognised document"
        raise IngestError(
            path,
            f"is {what}, not {'a PDF' if suffix == '.pdf' else 'a Word .docx file'} as its "
            "name says; save or export it in that format, or give it the right extension.",
        )
    utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
    if kind or (b"\x00" in data[:4096] and not utf16):
        raise IngestError(
            path,
            f"is {kind or 'binary data'}, not text as its name '{suffix}' says; save it as text, "
            "or give it the right extension.",
        )
