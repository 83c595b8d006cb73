"""Small multiples: the same figure for each facet (département, Mission Locale, item...)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ._common import check_columns, ordered
from ._style import add_source, house_style

__all__ = ["small_multiples"]


def small_multiples(
    data: pd.DataFrame,
    facet: str,
    draw: Callable[[pd.DataFrame, Axes], object],
    *,
    order: Sequence | None = None,
    ncols: int = 3,
    panel_size: tuple[float, float] = (2.4, 2.0),
    sharex: bool = True,
    sharey: bool = True,
    title: str = "",
    source: str = "",
) -> Figure:
    """A grid with one panel per value of ``facet``; ``draw(sub_frame, ax)`` draws a panel.

    The chart functions of this package accept ``ax=`` and can serve as ``draw``, e.g.
    ``small_multiples(df, "dep", lambda d, ax: trend(d, ax=ax, label_last=False))``.
    Unused panels are removed; shared axes keep the panels comparable.
    """
    check_columns(data, [facet], "small_multiples")
    facets = ordered(data[facet], order)
    ncols = max(1, min(ncols, len(facets)))
    nrows = math.ceil(len(facets) / ncols)
    with house_style():
        fig, axes = plt.subplots(
            nrows,
            ncols,
            figsize=(panel_size[0] * ncols + 0.4, panel_size[1] * nrows + 0.6),
            sharex=sharex,
            sharey=sharey,
            squeeze=False,
        )
        flat = axes.ravel()
        for ax, f in zip(flat, facets, strict=False):
            draw(data[data[facet] == f], ax)
            ax.set_title(str(f), fontsize=9.5, fontweight="bold", loc="left", pad=4)
            ax.title.set_fontsize(9.5)
            ax.tick_params(labelsize=7.5)
        for ax in flat[len(facets) :]:
            fig.delaxes(ax)
        if title:
            fig.suptitle(title, x=0.01, ha="left", fontweight="bold", fontsize=11.5)
        if source:
            add_source(fig, source)
    return fig
