"""Trends over waves with confidence bands (baromètre since 2018, region vs nation)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ._common import check_columns, new_axes, ordered, value_text
from ._style import PALETTE, add_source, format_num_fr, format_pct_fr, house_style

__all__ = ["trend"]


def trend(
    data: pd.DataFrame,
    *,
    x: str = "wave",
    y: str = "estimate",
    lo: str | None = "ci_low",
    hi: str | None = "ci_high",
    group: str | None = None,
    group_order: Sequence | None = None,
    colors: Sequence[str] | None = None,
    percent: bool = True,
    digits: int = 0,
    label_last: bool = True,
    ylim: tuple[float, float] | None = None,
    ylabel: str = "",
    title: str = "",
    source: str = "",
    ax: Axes | None = None,
) -> Figure:
    """Lines with markers and a shaded CI band per ``group`` (one line if ``group`` is None).

    ``x`` holds the waves (years); every wave gets a tick. The last value of each line is
    labelled on the right, which doubles as the legend when ``group`` is given.
    """
    check_columns(data, [x, y, lo, hi, group], "trend")
    with house_style():
        fig, ax = new_axes(ax, (6.8, 3.6))
        groups = ordered(data[group], group_order) if group else [None]
        colors = list(colors or PALETTE)
        for i, g in enumerate(groups):
            sub = data if g is None else data[data[group] == g]
            sub = sub.sort_values(x)
            xs = sub[x].to_numpy()
            c = colors[i % len(colors)]
            ax.plot(
                xs,
                sub[y],
                marker="o",
                markersize=4.5,
                color=c,
                label=None if g is None else str(g),
                zorder=3,
            )
            if lo is not None and hi is not None:
                ax.fill_between(
                    xs,
                    sub[lo].astype(float),
                    sub[hi].astype(float),
                    color=c,
                    alpha=0.15,
                    linewidth=0,
                    zorder=2,
                )
            if label_last and len(sub):
                last = sub.iloc[-1]
                text = value_text(last[y], percent, digits)
                if g is not None:
                    text = f"{g} : {text}".replace(" :", "\u202f:")
                ax.annotate(
                    text,
                    (last[x], last[y]),
                    xytext=(6, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize=8,
                    color=c,
                    fontweight="bold",
                )
        waves = np.sort(data[x].unique())
        ax.set_xticks(waves, [str(w) for w in waves])
        ax.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
        ax.yaxis.set_major_formatter(format_pct_fr() if percent else format_num_fr())
        if ylim is not None:
            ax.set_ylim(*ylim)
        elif percent:
            top = float(np.nanmax(data[hi] if hi else data[y]))
            bottom = float(np.nanmin(data[lo] if lo else data[y]))
            span = max(top - bottom, 0.05)
            ax.set_ylim(max(0.0, bottom - 0.25 * span), min(1.0, top + 0.25 * span))
        ax.margins(x=0.04)
        ax.set_ylabel(ylabel)
        ax.set_xlabel("")
        if group and not label_last:
            ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=min(len(groups), 4))
        if title:
            ax.set_title(title)
        if source:
            add_source(fig, source)
    return fig
