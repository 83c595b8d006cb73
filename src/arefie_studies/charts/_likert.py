"""Stacked 100 % bars for 4-point Likert items ("Très satisfait" ... "Pas du tout satisfait").

One bar per item, segments ordered from the most negative (left, orange) to the most positive
(right, blue), the share of positive answers printed at the right of each bar.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..tables import fmt_pct
from ._common import ChartError, check_columns, new_axes, ordered
from ._style import LIKERT4, TEXT, add_source, format_pct_fr, house_style

__all__ = ["likert_bars"]


def likert_bars(
    data: pd.DataFrame,
    *,
    item: str = "question",
    level: str = "level",
    value: str = "estimate",
    levels: Sequence[str] | None = None,
    items: Sequence[str] | None = None,
    positive: int | None = None,
    sort: bool = True,
    colors: Sequence[str] | None = None,
    title: str = "",
    source: str = "",
    ax: Axes | None = None,
) -> Figure:
    """Stacked horizontal 100 % bars of Likert answers, one bar per item.

    ``levels`` gives the scale from most negative to most positive (default: the categorical
    order of ``data[level]``, reversed if it starts with a positive answer is up to the caller).
    ``positive`` is how many top levels count as "satisfied" (default half the scale); their
    total is printed right of each bar and, with ``sort=True``, orders the items.
    """
    check_columns(data, [item, level, value], "likert_bars")
    levels = list(levels) if levels is not None else ordered(data[level], None)
    k = len(levels)
    if k < 2:
        raise ChartError(f"likert_bars: need at least 2 answer levels, got {levels}.")
    colors = (
        list(colors)
        if colors is not None
        else (list(LIKERT4) if k == 4 else [LIKERT4[round(i * 3 / (k - 1))] for i in range(k)])
    )
    positive = k // 2 if positive is None else positive
    wide = data.pivot_table(index=item, columns=level, values=value, aggfunc="sum", observed=True)
    missing = [lv for lv in levels if lv not in wide.columns]
    if missing:
        raise ChartError(
            f"likert_bars: level(s) {missing} absent from data[{level!r}]; "
            f"present: {list(wide.columns)}."
        )
    wide = wide[levels].fillna(0.0)
    wide = wide.div(wide.sum(axis=1).replace(0, np.nan), axis=0)
    pos_share = wide[levels[k - positive :]].sum(axis=1)
    names = ordered(data[item], items)
    if sort:
        names = list(pos_share.loc[names].sort_values().index)
    else:
        names = names[::-1]
    wide = wide.loc[names]
    with house_style():
        fig, ax = new_axes(ax, (7.2, 0.45 * len(names) + 1.5))
        y = np.arange(len(names))
        left = np.zeros(len(names))
        for j, lv in enumerate(levels):
            vals = wide[lv].to_numpy()
            ax.barh(
                y,
                vals,
                left=left,
                color=colors[j],
                height=0.66,
                label=str(lv),
                zorder=2,
                edgecolor="white",
                linewidth=0.6,
            )
            dark = colors[j] in (LIKERT4[0], LIKERT4[3])
            for yi, (l0, v) in enumerate(zip(left, vals, strict=True)):
                if v >= 0.06:
                    ax.text(
                        l0 + v / 2,
                        yi,
                        fmt_pct(v, 0),
                        ha="center",
                        va="center",
                        fontsize=7.5,
                        color="white" if dark else TEXT,
                    )
            left += vals
        for yi, name in enumerate(names):
            ax.text(
                1.02,
                yi,
                fmt_pct(pos_share[name], 0),
                va="center",
                ha="left",
                fontsize=8.5,
                fontweight="bold",
                color=LIKERT4[3],
            )
        ax.text(
            1.02,
            len(names) - 0.45,
            "Positifs",
            ha="left",
            va="bottom",
            fontsize=7.5,
            color=LIKERT4[3],
        )
        ax.set_yticks(y, [str(n) for n in names])
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(format_pct_fr())
        ax.grid(False)
        ax.tick_params(axis="y", length=0)
        for side in ("left", "bottom"):
            ax.spines[side].set_visible(False)
        ncols = k if sum(len(str(lv)) for lv in levels) <= 60 else (k + 1) // 2
        ax.legend(
            loc="lower left",
            bbox_to_anchor=(0, 1.0),
            ncols=ncols,
            handlelength=1.0,
            columnspacing=1.0,
            borderaxespad=0.3,
        )
        if title:
            ax.set_title(title, pad=26 if ncols == k else 40)
        if source:
            add_source(fig, source)
    return fig
