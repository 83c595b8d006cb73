"""Layout rules of a rendered report PDF (issue 11, point 8), read with poppler:

- **half-empty** — a page whose content (text, tables, images: any ink between the top and
  bottom page margins) reaches less than half of the usable height is a defect, unless it is the
  last page or the next page starts a chapter (a level-1 entry of the PDF outline whose title is
  the first line of that page: the body's ``h1`` chapters, the annex, and the provenance block,
  which the report stylesheet lifts to ``bookmark-level: 1``); the front matter (the title page
  and the contents page, outline entry :data:`CONTENTS_TITLE`) stands alone and is exempt;
- **stub** — a page (not the last, not the front matter) filled under :data:`MIN_STUB_FILL`
  is a defect even before a chapter: a lone table row or two stray lines on a page of their own;
- **note-apart** — a page may not begin with a table or figure note (a line starting with
  « Note : », « Lecture : », « Champ : » or « Source : »): notes follow their table or figure, so a
  note at the top of a page has been separated from (the end of) its table on the page before;
- **overlap** — no two words of a page overlap (their boxes share more than
  :data:`OVERLAP_SHARE` of the smaller one's area); one defect per page, naming the words;
- **overflow** — no word reaches past the left or right page margin by more than
  :data:`OVERFLOW_PT` (a table wider than the page is cut at its edge in print); one defect per
  page, naming the words.

Tools: ``pdftotext -bbox-layout`` (word and line boxes), ``pdftoppm`` (ink, at a low resolution)
and ``pdftohtml -xml`` (the outline, with levels and pages). :func:`check_pdf` returns the
defects as :class:`LayoutDefect` (file, page, rule, detail).
"""

from __future__ import annotations

import re
import subprocess
import tempfile
import unicodedata
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from xml.etree import ElementTree

import numpy as np

__all__ = [
    "CONTENTS_TITLE",
    "MIN_FILL",
    "MIN_STUB_FILL",
    "NOTE_PREFIXES",
    "OVERFLOW_PT",
    "OVERLAP_SHARE",
    "LayoutCheckError",
    "LayoutDefect",
    "Line",
    "PageText",
    "chapter_titles",
    "check_pdf",
    "ink_bottoms",
    "read_outline",
    "read_pages",
]

#: A page must be filled to at least this share of its usable height (top to bottom margin).
MIN_FILL = 0.5
#: Under this share of its usable height a page is a stub, before a chapter or not.
MIN_STUB_FILL = 0.1
#: Two word boxes overlap when they share more than this share of the smaller one's area.
OVERLAP_SHARE = 0.2
#: A word may reach this far (points) past a side margin before the page overflows.
OVERFLOW_PT = 1.5
#: Title of the contents page (outline entry): it and the pages before it (title page) are the
#: front matter, exempt from the half-empty rule.
CONTENTS_TITLE = "Sommaire"
#: The words a table or figure note starts with.
NOTE_PREFIXES = ("Note", "Notes", "Lecture", "Champ", "Source", "Sources")
_NOTE_RE = re.compile(r"^(?:" + "|".join(NOTE_PREFIXES) + r")\s*:")
_MM = 72.0 / 25.4
_NS = "{http://www.w3.org/1999/xhtml}"
_DPI = 36
_INK = 235   # grey level (0-255) under which a pixel counts as ink


class LayoutCheckError(RuntimeError):
    """The PDF cannot be read (missing file, poppler tool missing or failing)."""


@dataclass(frozen=True)
class LayoutDefect:
    """One layout defect: the PDF ``file``, its 1-based ``page``, the ``rule`` broken
    (``half-empty``, ``stub``, ``note-apart``, ``overlap``, ``overflow``) and a readable
    ``detail``; ``fill`` is the share of the usable height the page's content reaches
    (``half-empty`` and ``stub`` only)."""

    file: str
    page: int
    rule: str
    detail: str
    fill: float | None = None

    def __str__(self) -> str:
        return f"{self.file}, page {self.page}: {self.rule}: {self.detail}"


@dataclass(frozen=True)
class Line:
    """A text line of a page, with its box in points from the page's top-left corner and the
    boxes ``(x0, y0, x1, y1)`` of its words."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    words: tuple[tuple[float, float, float, float], ...]


@dataclass(frozen=True)
class PageText:
    """The text lines of one page and its size in points."""

    number: int
    width: float
    height: float
    lines: tuple[Line, ...]


def _run(args: list[str], pdf: Path) -> bytes:
    try:
        done = subprocess.run(args, capture_output=True, check=False, timeout=300)
    except FileNotFoundError as exc:
        raise LayoutCheckError(f"{pdf}: {args[0]} not found; install poppler-utils "
                               "(apt-get install poppler-utils).") from exc
    if done.returncode != 0:
        raise LayoutCheckError(f"{pdf}: {args[0]} failed ({done.returncode}): "
                               f"{done.stderr.decode(errors='replace').strip()[:300]}")
    return done.stdout


def read_pages(pdf: str | Path) -> list[PageText]:
    """Lines and word boxes of every page (``pdftotext -bbox-layout``)."""
    pdf = Path(pdf)
    if not pdf.is_file():
        raise LayoutCheckError(f"{pdf}: file not found.")
    xml = _run(["pdftotext", "-bbox-layout", str(pdf), "-"], pdf)
    root = ElementTree.fromstring(xml)
    pages = []
    for number, page in enumerate(root.iter(f"{_NS}page"), start=1):
        lines = []
        for line in page.iter(f"{_NS}line"):
            words = [(float(w.get("xMin")), float(w.get("yMin")), float(w.get("xMax")),
                      float(w.get("yMax")), w.text or "") for w in line.iter(f"{_NS}word")]
            if not words:
                continue
            lines.append(Line(" ".join(w[4] for w in words), float(line.get("xMin")),
                              float(line.get("yMin")), float(line.get("xMax")),
                              float(line.get("yMax")), tuple(w[:4] for w in words)))
        lines.sort(key=lambda ln: (round(ln.y0, 1), ln.x0))
        pages.append(PageText(number, float(page.get("width")), float(page.get("height")),
                              tuple(lines)))
    return pages


def ink_bottoms(pdf: str | Path, *, top: float, bottom: float) -> list[float | None]:
    """For each page, the lowest point (in points from the top) where anything is drawn between
    ``top`` and ``page height − bottom`` (the margins hold the running header and the page
    number); ``None`` for a page with nothing drawn there. Read from a grey rendering at
    36 dpi (``pdftoppm``), so text, tables, images and vector drawings all count."""
    pdf = Path(pdf)
    with tempfile.TemporaryDirectory(prefix="arefie-layout-") as tmp:
        _run(["pdftoppm", "-r", str(_DPI), "-gray", str(pdf), str(Path(tmp) / "p")], pdf)
        files = sorted(Path(tmp).glob("p-*.pgm"), key=lambda p: int(p.stem.split("-")[-1]))
        out: list[float | None] = []
        for f in files:
            img = _read_pgm(f.read_bytes())
            scale = 72.0 / _DPI
            r0 = int(np.ceil(top / scale)) + 1
            r1 = int(np.floor((img.shape[0] * scale - bottom) / scale)) - 1
            rows = np.flatnonzero((img[r0:r1] < _INK).any(axis=1))
            out.append(None if rows.size == 0 else (r0 + rows[-1] + 1) * scale)
    return out


def _read_pgm(data: bytes) -> np.ndarray:
    """A binary 8-bit PGM (``P5``) as a 2-D array."""
    fields: list[bytes] = []
    pos = 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    if fields[0] != b"P5" or int(fields[3]) > 255:
        raise LayoutCheckError(f"pdftoppm wrote an unexpected image ({fields[0]!r}).")
    width, height = int(fields[1]), int(fields[2])
    pixels = np.frombuffer(data, np.uint8, width * height, pos + 1)
    return pixels.reshape(height, width)


_OUTLINE_TOKEN = re.compile(r'<outline>|</outline>|<item page="(\d+)">(.*?)</item>', re.S)


def read_outline(pdf: str | Path) -> list[tuple[int, int, str]]:
    """The PDF outline (bookmarks) as ``[(level, page, title), ...]`` in document order, level 1
    at the top (``pdftohtml -xml``; WeasyPrint writes one entry per heading, ``bookmark-level``)."""
    pdf = Path(pdf)
    xml = _run(["pdftohtml", "-xml", "-i", "-q", "-stdout", "-f", "1", "-l", "1", str(pdf)],
               pdf).decode("utf-8", errors="replace")
    start = xml.find("<outline>")
    out: list[tuple[int, int, str]] = []
    if start < 0:
        return out
    depth = 0
    for m in _OUTLINE_TOKEN.finditer(xml, start):
        if m.group(0) == "<outline>":
            depth += 1
        elif m.group(0) == "</outline>":
            depth -= 1
            if depth == 0:
                break
        else:
            title = unescape(re.sub(r"<[^>]+>", "", m.group(2))).strip()
            out.append((depth, int(m.group(1)), title))
    return out


def chapter_titles(pdf: str | Path) -> dict[int, list[str]]:
    """The level-1 entries of the PDF outline, as ``{page: [title, ...]}``."""
    out: dict[int, list[str]] = {}
    for level, page, title in read_outline(pdf):
        if level == 1:
            out.setdefault(page, []).append(title)
    return out


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'")
    return " ".join(text.split()).casefold()


def _body_lines(page: PageText, top: float, bottom: float) -> list[Line]:
    return [ln for ln in page.lines if ln.y0 >= top - 1 and ln.y1 <= page.height - bottom + 1]


def _starts_chapter(page: PageText, titles: list[str], top: float, bottom: float) -> bool:
    body = _body_lines(page, top, bottom)
    if not body or not titles:
        return False
    first = _norm(body[0].text)
    return any(first and (_norm(t).startswith(first) or first.startswith(_norm(t)))
               for t in titles)


def _overlaps(page: PageText) -> list[tuple[str, str]]:
    """Pairs of words whose boxes overlap on ``page`` (their texts), in reading order."""
    boxes: list[tuple[float, float, float, float]] = []
    texts: list[str] = []
    for ln in page.lines:
        boxes += ln.words
        texts += ln.text.split(" ") if len(ln.text.split(" ")) == len(ln.words) \
            else [ln.text] * len(ln.words)
    if len(boxes) < 2:
        return []
    b = np.asarray(boxes)
    x0, y0, x1, y1 = (b[:, k] for k in range(4))
    w = np.clip(np.minimum.outer(x1, x1) - np.maximum.outer(x0, x0), 0, None)
    h = np.clip(np.minimum.outer(y1, y1) - np.maximum.outer(y0, y0), 0, None)
    area = (x1 - x0) * (y1 - y0)
    small = np.minimum.outer(area, area)
    hit = np.triu((w * h > OVERLAP_SHARE * np.maximum(small, 1e-9)) & (w > 0.5) & (h > 0.5), k=1)
    return [(texts[i], texts[j]) for i, j in zip(*np.nonzero(hit), strict=True)]


def _overflowing(page: PageText, left: float, right: float) -> list[str]:
    """Words of ``page`` reaching past the side margins (``left``/``right``, points from the
    page edges) by more than :data:`OVERFLOW_PT`, in reading order."""
    lo, hi = left - OVERFLOW_PT, page.width - right + OVERFLOW_PT
    return [line.text for line in page.lines
            if any(w[0] < lo or w[2] > hi for w in line.words)]


def _short(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def check_pdf(pdf: str | Path, *, margins_mm: tuple[float, float] = (20.0, 20.0),
              side_margins_mm: tuple[float, float] = (18.0, 18.0),
              min_fill: float = MIN_FILL, name: str | None = None) -> list[LayoutDefect]:
    """The layout defects of a report PDF (rules in the module docstring), in page order.

    ``margins_mm`` are the top and bottom page margins of ``report.css`` (``@page``); the usable
    height is the page height minus both; ``side_margins_mm`` are its left and right margins.
    ``name`` is the file name shown in the defects (default: the PDF's path). Raises :class:`LayoutCheckError` if poppler cannot read it."""
    pdf = Path(pdf)
    label = name or str(pdf)
    top, bottom = margins_mm[0] * _MM, margins_mm[1] * _MM
    pages = read_pages(pdf)
    inks = ink_bottoms(pdf, top=top, bottom=bottom)
    outline = read_outline(pdf)
    chapters: dict[int, list[str]] = {}
    for level, number, title in outline:
        if level == 1:
            chapters.setdefault(number, []).append(title)
    front = max((n for _lvl, n, t in outline if _norm(t) == _norm(CONTENTS_TITLE)), default=0)
    defects: list[LayoutDefect] = []
    for k, page in enumerate(pages):
        usable = page.height - top - bottom
        ink = inks[k] if k < len(inks) else None
        fill = 0.0 if ink is None else (ink - top) / usable
        nxt = pages[k + 1] if k + 1 < len(pages) else None
        if nxt is not None and fill < MIN_STUB_FILL and page.number > front:
            first = _body_lines(page, top, bottom)
            defects.append(LayoutDefect(
                label, page.number, "stub",
                f"content fills {fill:.0%} of the page (« {_short(first[0].text) if first else ''} »): "
                "a fragment on a page of its own", fill=fill))
        elif (nxt is not None and fill < min_fill and page.number > front
                and not _starts_chapter(nxt, chapters.get(nxt.number, []), top, bottom)):
            first = _body_lines(nxt, top, bottom)
            defects.append(LayoutDefect(
                label, page.number, "half-empty",
                f"content fills {fill:.0%} of the page (minimum {min_fill:.0%}) and the next "
                f"page does not start a chapter (it starts with "
                f"« {_short(first[0].text) if first else ''} »)", fill=fill))
        body = _body_lines(page, top, bottom)
        if k > 0 and body and _NOTE_RE.match(unicodedata.normalize("NFKC", body[0].text)):
            defects.append(LayoutDefect(
                label, page.number, "note-apart",
                f"the page begins with a note (« {_short(body[0].text)} »), separated from its "
                f"table or figure on page {page.number - 1}"))
        pairs = _overlaps(page)
        if pairs:
            shown = ", ".join(f"« {_short(a, 30)} » / « {_short(b, 30)} »" for a, b in pairs[:3])
            defects.append(LayoutDefect(label, page.number, "overlap",
                                        f"{len(pairs)} pair(s) of words overlap: {shown}"
                                        + (" …" if len(pairs) > 3 else "")))
        wide = _overflowing(page, side_margins_mm[0] * _MM, side_margins_mm[1] * _MM)
        if wide:
            shown = ", ".join(f"« {_short(t, 40)} »" for t in wide[:3])
            defects.append(LayoutDefect(label, page.number, "overflow",
                                        f"{len(wide)} line(s) run past the page margin: {shown}"
                                        + (" …" if len(wide) > 3 else "")))
    return defects
