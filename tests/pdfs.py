"""Small PDFs made on the fly for tests: a text layer, or a page image with no text layer."""

from __future__ import annotations

import io


def text_pdf(*pages: str) -> bytes:
    """One page per string, each line drawn as text (a real text layer)."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    for page in pages:
        y = 760
        for line in page.split("\n"):
            pdf.drawString(72, y, line)
            y -= 16
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def page_image(lines: list[str], size: tuple[int, int] = (1240, 1754)):
    """A white A4 page at 150 dpi with the lines printed large and black, as a scanner sees it."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=36)
    y = 120
    for line in lines:
        draw.text((110, y), line, fill=0, font=font)
        y += 60
    return image


def scanned_pdf(*pages: list[str] | str) -> bytes:
    """Each page a full-page image (list of lines printed on it) with no text layer; a string
    page is drawn as ordinary text instead, for papers that mix the two."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=(595, 842))
    for page in pages:
        if isinstance(page, str):
            y = 760
            for line in page.split("\n"):
                pdf.drawString(72, y, line)
                y -= 16
        else:
            pdf.drawImage(ImageReader(page_image(page)), 0, 0, width=595, height=842)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def raw_text_pdf(lines: list[str]) -> bytes:
    """A one-page PDF whose text operators hold exactly these characters (tabs, carriage
    returns and no-break spaces included), as some producers write them; Latin-1 only."""

    def literal(line: str) -> bytes:
        data = line.encode("latin-1")
        for raw, escaped in ((b"\\", b"\\\\"), (b"(", b"\\("), (b")", b"\\)")):
            data = data.replace(raw, escaped)
        return b"(" + data.replace(b"\r", b"\\r").replace(b"\t", b"\\t") + b") Tj T*"

    body = b"BT /F1 11 Tf 72 760 Td 15 TL " + b" ".join(literal(x) for x in lines) + b" ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(body) + body + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + obj + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()
