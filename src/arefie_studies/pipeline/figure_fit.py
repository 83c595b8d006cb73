"""Shrink a figure (or let a table break) that a page break pushed to the next page, leaving a
page under half full — or that pushed a few lines onto a page of their own (rule ``stub``).

A figure and its notes are kept on one page (``div.figure-block``, see
:func:`.render.keep_figure_notes`). When the block does not fit in the space left on a page, it
goes to the next one, and the page it left can be under half full (rule ``half-empty`` of
:mod:`.layout_check`). WeasyPrint cannot float the text after the figure into that space, so
the figure is made smaller instead: its image width is scaled down (aspect kept) by just what
the block needs to fit in the space left, and the report is laid out again. A figure is never
shrunk below :data:`MIN_SCALE` of the size it is shown at (its physical size, capped at 205 mm
high by the stylesheet) for legibility: such a page stays a defect, which the quality gate
reports.

A table kept whole (``fits-page``, id ``tableau-bloc-<k>``) pushed the same way loses that
class: it then starts on the half-empty page and breaks between rows (at least three on each
side, header repeated).

Measures come from the laid-out document (WeasyPrint's ``page.anchors``: the box of each
element with an id) and from the PDF checked by :func:`.layout_check.check_pdf`.
"""

from __future__ import annotations

import base64
import re
import struct
from collections.abc import Sequence
from typing import Any

from arefie_studies.pipeline.layout_check import LayoutDefect

__all__ = ["MIN_SCALE", "shrink_pushed_figures"]

#: A figure keeps at least this share of the height it is shown at.
MIN_SCALE = 0.6
#: Height kept free under the figure on the page it moves back to (mm): the margins between
#: blocks, which the ink does not show.
_SLACK_MM = 10.0
#: A figure still pushed after a pass loses at least this much more (mm).
_MIN_STEP_MM = 4.0
#: The figure's block must start in the top quarter of the next page to be the one pushed.
_TOP_SHARE = 0.25
_PX_MM = 25.4 / 96.0
_CAP_MM = 205.0   # report.css: figure.report-figure img { max-height: 205mm }
_ID = re.compile(r"^(figure|tableau)-bloc-(\d+)$")
_IMG = re.compile(r'(<img\b[^>]*?src="data:image/png;base64,)([A-Za-z0-9+/=]{24,})'
                  r'("[^>]*?style="width:)([0-9.]+)(mm")')


def _png_size(b64: str) -> tuple[int, int]:
    head = base64.b64decode(b64[:32] + "=" * (-len(b64[:32]) % 4))
    return struct.unpack(">II", head[16:24])


def _pushed_block(d: LayoutDefect, pages: Sequence[Any], top: float,
                  bottom: float) -> tuple[tuple[str, int], float] | None:
    """The block (kind, number) starting the page after the short page ``d`` (in its top
    quarter) and the millimetres it must lose to fit back; None when nothing was pushed."""
    nxt = pages[d.page]   # 0-based: the page after the short one
    usable = nxt.height * _PX_MM - top - bottom
    blocks = [((m.group(1), int(m.group(2))), box) for name, box in nxt.anchors.items()
              if (m := _ID.match(name))]
    if not blocks:
        return None
    k, box = min(blocks, key=lambda b: b[1][1])
    y0, y1 = box[1] * _PX_MM, box[3] * _PX_MM
    if y0 - top > _TOP_SHARE * usable:
        return None   # something else than the figure was pushed
    available = usable * (1.0 - d.fill) - _SLACK_MM
    # all that stands above the figure's end moves back
    return k, max((y1 - top) - available, _MIN_STEP_MM)


def _needs(defects: Sequence[LayoutDefect], pages: Sequence[Any],
           margins_mm: tuple[float, float]) -> dict[tuple[str, int], float]:
    """``{(kind, number): millimetres its block must lose}`` for each half-empty (or stub) page
    followed by a page that starts with a figure block or a kept-whole table (kind ``figure`` or
    ``tableau``), and for each stub page (a fragment alone on a page) after a page holding a
    figure: its last figure loses the fragment's height."""
    out: dict[tuple[str, int], float] = {}
    top, bottom = margins_mm
    for d in defects:
        if d.rule not in ("half-empty", "stub") or d.fill is None:
            continue
        pushed = _pushed_block(d, pages, top, bottom) if d.page < len(pages) else None
        if pushed is not None:
            out[pushed[0]] = pushed[1]
        elif d.rule == "stub" and 2 <= d.page <= len(pages):
            before = _figure_before(d, pages, top, bottom)
            if before is not None:
                out[before[0]] = before[1]
    return out


def _figure_before(d: LayoutDefect, pages: Sequence[Any], top: float,
                   bottom: float) -> tuple[tuple[str, int], float] | None:
    """For a fragment left alone on page ``d``: the last figure of the page before and the
    millimetres it must lose for the fragment to come back; None when that page has none."""
    prev = pages[d.page - 2]
    usable = prev.height * _PX_MM - top - bottom
    figs = [(int(m.group(2)), box) for name, box in prev.anchors.items()
            if (m := _ID.match(name)) and m.group(1) == "figure"]
    if not figs:
        return None
    k, _box = max(figs, key=lambda b: b[1][1])
    return ("figure", k), max(d.fill * usable + _SLACK_MM, _MIN_STEP_MM)


def shrink_pushed_figures(html: str, defects: Sequence[LayoutDefect], pages: Sequence[Any],
                          *, margins_mm: tuple[float, float] = (20.0, 20.0)) -> str:
    """``html`` with the images of the pushed figures made small enough to fit back on the
    half-empty page before them, and the pushed kept-whole tables let break across the pages;
    ``html`` unchanged when nothing can be done (nothing pushed, or a figure would go under
    :data:`MIN_SCALE`). ``defects`` are :func:`.layout_check.check_pdf`'s for the PDF
    of ``html``, ``pages`` the ``pages`` of the WeasyPrint document it was written from."""
    needs = _needs(defects, pages, margins_mm)
    for kind, k in needs:
        if kind == "tableau":   # a table kept whole that did not fit: let it break between rows
            html = html.replace(f' fits-page" id="tableau-bloc-{k}"', f'" id="tableau-bloc-{k}"', 1)
    figures = {k: loss for (kind, k), loss in needs.items() if kind == "figure"}
    if not figures:
        return html
    out = []
    pos = 0
    for k, loss in sorted(figures.items()):
        start = html.find(f'id="figure-bloc-{k}"', pos)
        if start < 0:
            continue
        m = _IMG.search(html, start)
        if m is None or html.find("figure-bloc-", start + 10, m.start()) >= 0:
            continue   # no PNG image of a known width in this block
        w_px, h_px = _png_size(m.group(2))
        width = float(m.group(4))
        natural = width * h_px / w_px
        shown = min(natural, _CAP_MM)
        new = shown - loss
        if new < MIN_SCALE * shown or new >= shown:
            continue
        out.append(html[pos:m.start(4)] + f"{width * new / natural:.1f}")
        pos = m.end(4)
    out.append(html[pos:])
    return "".join(out)
