"""Marks of a report computed on synthetic data or from unrecorded code.

:func:`mark_synthetic_sources` appends « Données de synthèse. » to every "Source :" line of the
rendered HTML (tables, Markdown) and under every figure (whose source line is inside the image);
the template puts :data:`SYNTHETIC_NOTICE` on the cover, in a fixed banner on screen and in every
page footer of the PDF, and :data:`DIRTY_NOTICE` on the cover of a report produced from a git
tree with uncommitted changes.
"""

from __future__ import annotations

import re

__all__ = ["DIRTY_NOTICE", "SYNTHETIC_NOTICE", "SYNTHETIC_SOURCE", "mark_synthetic_sources"]

SYNTHETIC_NOTICE = "Données de synthèse — chiffres fictifs, à ne pas citer ni diffuser"
SYNTHETIC_SOURCE = "Données de synthèse."
DIRTY_NOTICE = (
    "Rapport produit à partir d’une version de travail non enregistrée du code : "
    "il ne peut pas être reproduit à l’identique et ne doit pas être diffusé."
)


_SPACE = r"(?:\s|&nbsp;|&#160;|&#xa0;|&#8239;|&#x202f;|\u00a0|\u202f)*"
_SOURCE_P = re.compile(
    r"(<(p|div|li|figcaption|td|span)\b[^>]*>" + _SPACE + r"(?:<(?:em|strong|i|b|span)\b[^>]*>"
    + _SPACE + r")*Sources?" + _SPACE + r":)(.*?)(</\2>)",
    re.S | re.I,
)
_FIGURE_END = re.compile(r"(<figure class=\"report-figure\">.*?)(</figure>)", re.S)


def mark_synthetic_sources(html: str) -> str:
    """Append « Données de synthèse. » to every "Source :" line (a ``p``/``div``/``li``... whose
    text starts with "Source", with an ordinary, no-break or narrow no-break space before the
    colon) and under every figure (whose source line is drawn inside the image)."""
    body = html.find('<main class="report-body">')
    head, rest = (html[:body], html[body:]) if body >= 0 else ("", html)
    mark = f' <span class="synthetic-source">{SYNTHETIC_SOURCE}</span>'

    def add(m: re.Match[str]) -> str:
        if SYNTHETIC_SOURCE in m.group(3):
            return m.group(0)
        return m.group(1) + m.group(3).rstrip() + mark + m.group(4)

    rest = _SOURCE_P.sub(add, rest)
    rest = _FIGURE_END.sub(
        lambda m: m.group(0) if "figure-synthetic" in m.group(1) else
        m.group(1) + f'<p class="figure-synthetic">{SYNTHETIC_SOURCE}</p>' + m.group(2),
        rest,
    )
    return head + rest
