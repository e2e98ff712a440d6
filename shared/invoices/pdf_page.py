"""The PDF page the invoice is drawn on (fpdf2): the font, text clean-up, and three kinds of block.

fpdf2's built-in fonts know Windows-1252 only, so the page is set in DejaVu Sans
(a Unicode TrueType font, embedded as a subset) found in ``font_dir`` or the
system's font folders (Debian's ``fonts-dejavu-core``). Without it the PDF is
still made, in Helvetica, with accents the code page lacks stripped (``Ł`` -> ``L``)
and anything else as ``?``: a fallback that is logged, never silent.

Right-to-left runs are put in visual order by fpdf2's Unicode bidi algorithm (Hebrew
reads right; Arabic letters stay unjoined: shaping would need ``uharfbuzz``); bidi
controls and control characters are dropped.
"""

from __future__ import annotations

import logging
import unicodedata
from functools import cache
from pathlib import Path

from fpdf import FPDF, FontFace, XPos, YPos
from fpdf.bidi import BidiParagraph, auto_detect_base_direction

from shared.invoices.formats import printable

__all__ = ["SYSTEM_FONT_DIRS", "InvoicePage", "find_unicode_font"]

log = logging.getLogger("wattsup.invoices")

SYSTEM_FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",  # Debian, Ubuntu
    "/usr/share/fonts/dejavu-sans-fonts",  # Fedora
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",  # Arch
    "/usr/local/share/fonts",
)
REGULAR, BOLD = "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"
_GREY = (85, 85, 85)


@cache
def find_unicode_font(font_dir: str | None = None) -> tuple[Path, Path] | None:
    """DejaVu Sans regular and bold, from ``font_dir`` first, then the system's folders."""
    for folder in (font_dir, *SYSTEM_FONT_DIRS) if font_dir else SYSTEM_FONT_DIRS:
        regular, bold = Path(folder) / REGULAR, Path(folder) / BOLD
        if regular.is_file():
            return regular, bold if bold.is_file() else regular
    return None


def _visual(text: str) -> str:
    """Printable, and right-to-left runs in the order they are seen (the PDF draws left to right)."""
    text = printable(text)
    if not any(unicodedata.bidirectional(c) in ("R", "AL") for c in text):
        return text
    return BidiParagraph(text=text, base_direction=auto_detect_base_direction(text)).get_reordered_string()


# Letters with a stroke have no decomposition to strip; everything else decomposes (NFKD) or becomes "?".
_STROKES = str.maketrans("ŁłĐđĦħıŦŧ", "LlDdHhiTt")


def _cp1252(text: str) -> str:
    out = []
    for char in printable(text).translate(_STROKES):
        try:
            char.encode("cp1252")
            out.append(char)
        except UnicodeEncodeError:
            base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
            out.append(base if base and all(c.isascii() for c in base) else "?")
    return "".join(out)


class InvoicePage(FPDF):
    def __init__(self, font_dir: str | None) -> None:
        super().__init__(format="A4", unit="mm")
        fonts = find_unicode_font(font_dir)
        if fonts:
            self.add_font("DejaVu", "", str(fonts[0]))
            self.add_font("DejaVu", "B", str(fonts[1]))
            self.family_name, self.clean = "DejaVu", _visual
        else:
            log.warning("no Unicode TrueType font found (DejaVu Sans): the invoice PDF falls back to Helvetica")
            self.core_fonts_encoding = "cp1252"
            self.family_name, self.clean = "helvetica", _cp1252
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(True, margin=16)

    def text_line(self, text: str | list[str], size: float = 10, style: str = "", height: float = 5) -> None:
        """One paragraph, or one line per item of a list; long words are broken, never cut off."""
        lines = [text] if isinstance(text, str) else text
        self.set_font(self.family_name, style, size)
        body = "\n".join(self.clean(line) for line in lines)
        self.multi_cell(0, height, body, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(self, text: str) -> None:
        self.ln(2)
        self.text_line(text, size=11, style="B", height=6)

    def pairs(self, rows: list[tuple[str, str]]) -> None:
        self.set_font(self.family_name, "", 10)
        with self.table(
            borders_layout="NONE",
            first_row_as_headings=False,
            col_widths=(45, 129),
            text_align=("LEFT", "LEFT"),
            align="LEFT",
            width=174,
            line_height=4.6,
            padding=(0.2, 1, 0.2, 0),
        ) as table:
            for key, value in rows:
                row = table.row()
                row.cell(self.clean(key), style=FontFace(color=_GREY))
                row.cell(self.clean(value))

    def grid(self, head: list[str] | None, rows: list[list[str]], widths: tuple[int, ...], width: float = 174) -> None:
        """A table, first column left and the others (numbers) right; the last row bold without a head."""
        self.set_font(self.family_name, "", 9)
        align = ("LEFT", *("RIGHT" for _ in widths[1:]))
        with self.table(
            borders_layout="HORIZONTAL_LINES",
            col_widths=widths,
            text_align=align,
            align="RIGHT",
            width=width,
            first_row_as_headings=head is not None,
            headings_style=FontFace(emphasis="BOLD"),
            line_height=4.2,
            padding=(0.8, 1, 0.8, 1),
        ) as table:
            for n, cells in enumerate([head, *rows] if head else rows):
                row = table.row()
                bold = head is None and n == len(rows) - 1
                for text in cells:
                    row.cell(self.clean(text), style=FontFace(emphasis="BOLD") if bold else None)
