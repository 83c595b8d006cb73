"""Show a figure in a notebook so the report numbers and captions it."""

from __future__ import annotations

import base64
import io

from matplotlib.figure import Figure

__all__ = ["ANNEX_SECTIONS", "figure_bundle", "show", "show_annex"]

ANNEX_SECTIONS = ("sample", "weighting", "variance", "disclosure", "notes")


def figure_bundle(fig: Figure, *, svg: bool = False, dpi: int = 200) -> dict[str, str]:
    """MIME bundle of a figure: PNG (base64, ``dpi``) and, if ``svg``, the SVG text."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", pad_inches=0.12, facecolor="white")
    bundle = {"image/png": base64.b64encode(buf.getvalue()).decode("ascii")}
    if svg:
        sbuf = io.StringIO()
        fig.savefig(sbuf, format="svg", bbox_inches="tight", pad_inches=0.12, facecolor="white")
        bundle["image/svg+xml"] = sbuf.getvalue()
    return bundle


def show(fig: Figure, caption: str = "", *, svg: bool = False, close: bool = True) -> None:
    """Display ``fig`` in the notebook with its report caption, then close it.

    The report renders it as "Figure N – caption" (numbered in order of appearance).
    ``svg=True`` also embeds a vector version, which the report prefers (crisp when printed).
    """
    from IPython.display import display

    display(
        figure_bundle(fig, svg=svg),
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
