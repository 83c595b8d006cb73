"""Show a figure in a notebook so the report numbers and captions it."""

from __future__ import annotations

import base64
import io
from numbers import Real

from matplotlib.figure import Figure

__all__ = ["ANNEX_SECTIONS", "REPORT_DPI", "figure_bundle", "show", "show_annex"]

ANNEX_SECTIONS = ("sample", "weighting", "variance", "disclosure", "notes")

#: Resolution of the PNG embedded in reports. The report sizes each PNG by its physical width
#: (the dpi written in the file), so the dpi only sets sharpness and weight: 144 dpi keeps 7–8 pt
#: chart text legible on a printed A4 page while the PDFs render ~2× faster than at 200 dpi.
REPORT_DPI = 144


def _check_dpi(dpi: object) -> int:
    if isinstance(dpi, bool) or not isinstance(dpi, Real) or not 50 <= dpi <= 600:
        raise ValueError(
            f"dpi: expected a number between 50 and 600 (reports: {REPORT_DPI}), got {dpi!r}."
        )
    return round(float(dpi))


def figure_bundle(fig: Figure, *, svg: bool = False, dpi: int = REPORT_DPI) -> dict[str, str]:
    """MIME bundle of a figure: PNG (base64, ``dpi``) and, if ``svg``, the SVG text.

    The SVG does not depend on ``dpi`` (vector); the PNG is always included as fallback.
    """
    dpi = _check_dpi(dpi)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", pad_inches=0.12, facecolor="white")
    bundle = {"image/png": base64.b64encode(buf.getvalue()).decode("ascii")}
    if svg:
        sbuf = io.StringIO()
        fig.savefig(sbuf, format="svg", bbox_inches="tight", pad_inches=0.12, facecolor="white")
        bundle["image/svg+xml"] = sbuf.getvalue()
    return bundle


def show(
    fig: Figure,
    caption: str = "",
    *,
    svg: bool = False,
    dpi: int = REPORT_DPI,
    close: bool = True,
) -> None:
    """Display ``fig`` in the notebook with its report caption, then close it.

    The report renders it as "Figure N – caption" (numbered in order of appearance).
    ``dpi``: resolution of the embedded PNG (default :data:`REPORT_DPI` = 144; the printed size
    does not change with it, only sharpness and the time to render the PDF).
    ``svg=True`` also embeds a vector version, which the report prefers (crisp when printed).
    """
    from IPython.display import display

    display(
        figure_bundle(fig, svg=svg, dpi=dpi),
        raw=True,
        metadata={"arefie": {"kind": "figure", "caption": caption}},
    )
    if close:
        import matplotlib.pyplot as plt

        plt.close(fig)


def show_annex(section: str, markdown: str) -> None:
    """Send a Markdown text to the report's methods annex instead of the body.

    ``section``: "sample" (Échantillon), "weighting" (Pondération), "variance" (Estimation de
    la précision), "disclosure" (Secret statistique) or "notes" (Remarques). Texts computed in
    the notebook (e.g. "2 612 jeunes interrogés dans 25 Missions Locales") land there.
    """
    from IPython.display import display

    if section not in ANNEX_SECTIONS:
        raise ValueError(
            f"show_annex: unknown section {section!r}; choose one of {', '.join(ANNEX_SECTIONS)}."
        )
    display({"text/markdown": markdown}, raw=True, metadata={"arefie": {"annex": section}})
