"""AREFIE house style for matplotlib/seaborn figures.

Use the style as a context manager so nothing leaks into the session::

    with house_style():
        fig, ax = plt.subplots()
        ...
        add_source(fig, "AREFIE, enquête santé jeunes 2024 ; données pondérées.")

Everything a partner reads is French: decimal comma, ``45 %`` with a narrow no-break space,
``Source : ...`` line under the figure. Colours are sober, print well in grey and are
distinguishable by colour-blind readers (blue/orange contrasts, no red/green pair).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib as mpl
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from ..tables import NNBSP, fmt_num

__all__ = [
    "ACCENT",
    "FONT_FAMILY",
    "GREY",
    "GREY_LIGHT",
    "LIKERT4",
    "PALETTE",
    "PRIMARY",
    "SEQUENCE_PALETTE",
    "TEXT",
    "add_source",
    "apply_house_style",
    "format_num_fr",
    "format_pct_fr",
    "house_rc",
    "house_style",
]

#: Qualitative palette, in order of use (first = main series).
PALETTE: tuple[str, ...] = (
    "#1F4E79",  # deep blue: the main series / the region
    "#E07B00",  # orange: comparison (nation, other group)
    "#4A9BAA",  # teal
    "#8C6BB1",  # muted violet
    "#7A9A3A",  # olive
    "#C44E52",  # brick
    "#5E6A71",  # slate
    "#D4A72C",  # ochre
)
PRIMARY = PALETTE[0]
ACCENT = PALETTE[1]
GREY = "#6B6B6B"
GREY_LIGHT = "#D9D9D9"
TEXT = "#222222"
#: 4-point Likert scale, negative → positive ("Pas du tout", "Plutôt pas", "Plutôt", "Très").
LIKERT4: tuple[str, ...] = ("#B35806", "#F1A340", "#92C5DE", "#1F4E79")
FONT_FAMILY = "DejaVu Sans"
#: Qualitative palette for up to 11 states (sequence charts): drawn from Okabe–Ito and Paul Tol's
#: schemes and chosen so that every pair stays ≥ 22 ΔE*ab apart for normal vision, deuteranopia
#: and protanopia (Machado 2009 simulation, see :mod:`.colourblind`; checked by the tests).
SEQUENCE_PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#F0E442",  # yellow
    "#882255",  # wine
    "#44AA99",  # teal
    "#77AADD",  # light blue
    "#117733",  # green
    "#EEDD88",  # sand
    "#332288",  # indigo
    "#999933",  # olive
    "#000000",  # black
    "#DDDDDD",  # pale grey
)


def house_rc() -> dict[str, Any]:
    """The rcParams of the house style (a fresh dict; nothing is applied)."""
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [FONT_FAMILY, "Arial", "Helvetica"],
        "font.size": 9.5,
        "text.color": TEXT,
        "axes.labelcolor": TEXT,
        "axes.edgecolor": GREY,
        "axes.linewidth": 0.8,
        "axes.titlesize": 11.5,
        "axes.titleweight": "bold",
        "axes.titlelocation": "left",
        "axes.titlepad": 10,
        "axes.labelsize": 9.5,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "axes.grid.axis": "y",
        "axes.axisbelow": True,
        "axes.prop_cycle": cycler(color=list(PALETTE)),
        "axes.unicode_minus": True,
        "axes.formatter.use_locale": False,
        "grid.color": "#E3E3E3",
        "grid.linewidth": 0.7,
        "xtick.color": GREY,
        "ytick.color": GREY,
        "xtick.labelcolor": TEXT,
        "ytick.labelcolor": TEXT,
        "xtick.labelsize": 8.5,
        "ytick.labelsize": 8.5,
        "legend.frameon": False,
        "legend.fontsize": 8.5,
        "legend.title_fontsize": 9,
        "figure.figsize": (7.0, 4.0),
        "figure.dpi": 110,
        "figure.facecolor": "white",
        "figure.constrained_layout.use": True,
        "savefig.dpi": 200,
        "savefig.bbox": "tight",
        "savefig.pad_inches": 0.12,
        "savefig.facecolor": "white",
        "svg.fonttype": "path",
        "pdf.fonttype": 42,
        "lines.linewidth": 2.0,
        "patch.edgecolor": "white",
    }


@contextmanager
def house_style(**overrides: Any) -> Iterator[None]:
    """Context manager applying the house rcParams; the previous settings come back on exit.

    Keyword arguments override single rcParams, with dots written as ``__``
    (``house_style(font__size=11)``).
    """
    rc = house_rc()
    rc.update({k.replace("__", "."): v for k, v in overrides.items()})
    with mpl.rc_context(rc):
        yield


def _auto_digits(x: float, max_digits: int = 2) -> int:
    """Fewest decimals (0..max_digits) that print ``x`` exactly (tick values like 2.5)."""
    for d in range(max_digits + 1):
        if abs(x * 10**d - round(x * 10**d)) < 1e-6:
            return d
    return max_digits


def format_pct_fr(decimals: int | None = None, *, scale: float = 100.0) -> FuncFormatter:
    """Tick formatter for proportions: ``0.45 -> '45 %'``, ``0.975 -> '97,5 %'``.

    ``decimals=None`` prints the fewest decimals that keep each tick exact (never a rounded,
    misleading tick); ``scale=1`` when the data are already in percent.
    """

    def _f(x: float, pos: int | None = None) -> str:
        v = x * scale
        d = _auto_digits(v) if decimals is None else decimals
        return fmt_num(v, d) + NNBSP + "%"

    return FuncFormatter(_f)


def format_num_fr(decimals: int | None = None) -> FuncFormatter:
    """Tick formatter for numbers: ``12500 -> '12 500'``, ``2.5 -> '2,5'`` (auto decimals)."""

    def _f(x: float, pos: int | None = None) -> str:
        return fmt_num(x, _auto_digits(x) if decimals is None else decimals)

    return FuncFormatter(_f)


def apply_house_style(target: Axes | Figure, *, grid: str = "x") -> None:
    """Restyle an existing Axes (or every Axes of a Figure) after plotting.

    Removes top/right spines, keeps a light grid on ``grid`` ('x', 'y', 'both' or 'none') and
    replaces default numeric tick labels by French ones (decimal comma). Local to ``target``.
    """
    axes = target.axes if isinstance(target, Figure) else [target]
    for ax in axes:
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.grid(False)
        if grid in ("x", "both"):
            ax.xaxis.grid(True, color="#E3E3E3", linewidth=0.7)
        if grid in ("y", "both"):
            ax.yaxis.grid(True, color="#E3E3E3", linewidth=0.7)
        ax.set_axisbelow(True)
        for axis in (ax.xaxis, ax.yaxis):
            if type(axis.get_major_formatter()).__name__ == "ScalarFormatter":
                axis.set_major_formatter(FuncFormatter(_auto_fr))


def _auto_fr(x: float, pos: int | None = None) -> str:
    """Default French tick label: the fewest decimals (up to 2) that print the tick exactly."""
    return fmt_num(x, _auto_digits(x))


def add_source(fig: Figure, text: str, *, note: str | None = None) -> None:
    """Write the source line (and an optional note) under the figure, left-aligned, small grey.

    ``text`` gets a ``Source :`` prefix if it does not start with "Source". Room is reserved
    at the bottom of the figure (constrained layout ``rect`` or ``subplots_adjust``), so the
    line is kept whatever way the figure is saved or displayed.
    """
    text = text.strip()
    if text and not text.lower().startswith("source"):
        text = f"Source{NNBSP}: {text}"
    width_chars = max(40, int(fig.get_figwidth() * 15))
    lines = textwrap.wrap(text, width_chars) if text else []
    if note:
        lines = [*textwrap.wrap(f"Note{NNBSP}: {note.strip()}", width_chars), *lines]
    fontsize = 7.5
    height_in = (len(lines) * fontsize * 1.35 + 8) / 72.0
    frac = min(0.4, height_in / fig.get_figheight())
    engine = fig.get_layout_engine()
    if engine is not None and type(engine).__name__ == "ConstrainedLayoutEngine":
        engine.set(rect=(0.0, frac, 1.0, 1.0 - frac))
    else:
        fig.subplots_adjust(bottom=max(fig.subplotpars.bottom, 0.0) + frac)
    fig.text(
        0.01,
        0.012,
        "\n".join(lines),
        ha="left",
        va="bottom",
        fontsize=fontsize,
        color=GREY,
        fontstyle="italic",
        gid="arefie-source",
    )
