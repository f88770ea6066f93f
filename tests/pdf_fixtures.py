"""Test documents built by hand, so resume parsing is tested on real PDF bytes.

Besides an honest one-page PDF, the hostile shapes the resume reader must survive: a tiny file
whose compressed page holds ~950,000 text operators, thousands of pages, a subset font without
a ToUnicode map (its text comes out as glyph numbers), and a ligature mapped to U+0000.
"""
from __future__ import annotations

import zlib

HELVETICA = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"


def _escape(text: bytes) -> bytes:
    return text.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _stream(content: bytes, compress: bool = False) -> bytes:
    if compress:
        content = zlib.compress(content, 9)
        return b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream"
    return b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"


def _page(contents: int, font: int) -> bytes:
    return (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
            b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (contents, font))


def build_pdf(objects: list[bytes]) -> bytes:
    """A PDF of `objects` (object 1 is the catalog) with a byte-exact cross-reference table."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n" % (len(objects) + 1)
    out += b"0000000000 65535 f \n"
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _document(page_contents: list[int], extra: list[bytes], font: bytes = HELVETICA) -> bytes:
    """Catalog, page tree, one page per entry of `page_contents` (the object number of its content
    stream; pages may share one), then the font, then `extra` (objects numbered from 4 + pages)."""
    font_number = 3 + len(page_contents)
    kids = b" ".join(b"%d 0 R" % (3 + i) for i in range(len(page_contents)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(page_contents)),
        *(_page(number, font_number) for number in page_contents),
        font,
        *extra,
    ]
    return build_pdf(objects)


def make_pdf(text: str) -> bytes:
    """A minimal valid one-page PDF that shows `text` with a Tj operator (byte-exact xref)."""
    content = b"BT /F1 18 Tf 72 720 Td (" + _escape(text.encode("latin-1")) + b") Tj ET"
    return build_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        _page(4, 5),
        _stream(content),
        HELVETICA,
    ])


def make_pages_pdf(pages: list[str]) -> bytes:
    """One page per string (each its own uncompressed content stream, one line per `\\n`)."""
    first_stream = 4 + len(pages)
    streams = []
    for text in pages:
        lines = [b"(" + _escape(line.encode("latin-1")) + b") Tj 0 -14 Td" for line in text.split("\n")]
        streams.append(_stream(b"BT /F1 11 Tf 72 740 Td " + b" ".join(lines) + b" ET"))
    return _document([first_stream + i for i in range(len(pages))], streams)


def make_operator_bomb_pdf(operators: int = 950_000, pages: int = 1) -> bytes:
    """A few KB on disk: every page shares one FlateDecode stream of `operators` `(x) Tj` operators."""
    content = b"BT /F1 12 Tf 72 720 Td " + b"(x) Tj " * operators + b"ET"
    return _document([4 + pages] * pages, [_stream(content, compress=True)])


def make_many_pages_pdf(pages: int = 7_000, words: int = 35) -> bytes:
    """Thousands of ordinary pages (~670 bytes each, like the measured 4.6 MB, 7,000-page file)."""
    line = " ".join(["experience"] * words)
    return make_pages_pdf([f"Page {n} {line}" for n in range(1, pages + 1)])


def make_no_tounicode_pdf(text: str) -> bytes:
    """`text` drawn through a TrueType subset font with no /Encoding and no /ToUnicode.

    The codes in the content stream are glyph numbers (character minus 29, the usual subset
    order), so an extractor without a map reads "Jane Roe" as '-DQH\\x035RH'.
    """
    codes = bytes(ord(c) - 29 for c in text)
    content = b"BT /F1 12 Tf 72 720 Td (" + _escape(codes) + b") Tj ET"
    font = (b"<< /Type /Font /Subtype /TrueType /BaseFont /ABCDEF+Calibri /FirstChar 1 /LastChar 255 "
            b"/Widths [%s] >>" % b" ".join([b"500"] * 255))
    return _document([5], [_stream(content)], font=font)


def make_nul_ligature_pdf(before: str = "Certi", after: str = "cations", words: str = "") -> bytes:
    """`before`, a ligature glyph whose ToUnicode entry is U+0000, then `after` (and `words`)."""
    content = (b"BT /F1 12 Tf 72 720 Td (" + _escape(before.encode("latin-1")) + b"\x01"
               + _escape(after.encode("latin-1")) + b") Tj 0 -14 Td (" + _escape(words.encode("latin-1"))
               + b") Tj ET")
    cmap = (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
            b"/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
            b"1 begincodespacerange <00> <FF> endcodespacerange\n"
            b"1 beginbfchar <01> <0000> endbfchar\n"
            b"1 beginbfrange <20> <7E> <0020> endbfrange\n"
            b"endcmap CMapName currentdict /CMap defineresource pop end end")
    font = (b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding "
            b"/ToUnicode 6 0 R >>")
    return _document([5], [_stream(content), _stream(cmap)], font=font)
