"""TraMineR-like plots of state sequences, French labels (seqdplot, seqIplot, seqmtplot, seqtrate).

Each function draws on matplotlib Axes (created when not given) and returns the Figure. Colours
and labels come from the :class:`~arefie_studies.methods.sequences.StateSequences` object.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from arefie_studies.charts.style import add_source, format_num_fr, format_pct_fr, house_style
from arefie_studies.methods.sequences import (
    MISSING_COLOR,
    MISSING_LABEL,
    SequenceDataError,
    StateSequences,
    transition_rates,
)

__all__ = ["chronogram", "index_plot", "mean_time_plot", "transition_table"]


def _styled(fn):
    """Build the figure inside the house style (rcParams are read when artists are created)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with house_style():
            return fn(*args, **kwargs)

    return wrapper


def _groups(seqs: StateSequences, groups) -> tuple[list[object], np.ndarray]:
    if groups is None:
        return ["Ensemble"], np.zeros(seqs.n_sequences, dtype=np.int64)
    g = np.asarray(groups)
    if g.shape != (seqs.n_sequences,):
        raise SequenceDataError(
            f"groups: expected {seqs.n_sequences} values (one per sequence), got shape {g.shape}."
        )
    cat = pd.Categorical(g)
    return list(cat.categories), cat.codes.astype(np.int64)


def _axes(n: int, axes, ncols: int = 2, size=(5.5, 3.6)):
    if axes is not None:
        ax = np.atleast_1d(axes).ravel()
        if len(ax) < n:
            raise SequenceDataError(f"axes: {len(ax)} axes given for {n} panels.")
        return ax[0].figure, ax
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    fig, ax = plt.subplots(
        nrows,
        ncols,
        figsize=(size[0] * ncols, size[1] * nrows),
        squeeze=False,
        constrained_layout=True,
    )
    for a in ax.ravel()[n:]:
        a.set_visible(False)
    return fig, ax.ravel()


def _legend(fig: Figure, seqs: StateSequences, with_missing: bool) -> None:
    handles = [Patch(color=c, label=lab) for c, lab in zip(seqs.colors, seqs.labels, strict=True)]
    if with_missing:
        handles.append(Patch(color=MISSING_COLOR, label=MISSING_LABEL))
    fig.legend(
        handles=handles, loc="outside lower center", ncols=min(len(handles), 4), frameon=False
    )


def _ticks(ax, seqs: StateSequences, step: int | None) -> None:
    L = seqs.n_months
    step = step or max(1, L // 8)
    pos = np.arange(0, L, step)
    ax.set_xticks(pos + 0.5)
    ax.set_xticklabels([seqs.time[i] for i in pos], rotation=45, ha="right", fontsize=8)


@_styled
def chronogram(
    seqs: StateSequences,
    groups: Sequence[object] | None = None,
    *,
    weighted: bool = True,
    title: str = "Répartition des situations mois par mois",
    xtick_step: int | None = None,
    source: str | None = None,
    axes=None,
) -> Figure:
    """State distribution by month as stacked bands (TraMineR ``seqdplot``), one panel per group.

    Shares are weighted by the sequences' weights when ``weighted`` (void months excluded);
    ``source`` adds the house "Source : …" line.
    """
    names, g = _groups(seqs, groups)
    miss = seqs.has_missing
    fig, ax = _axes(len(names), axes)
    colors = [*seqs.colors, MISSING_COLOR] if miss else list(seqs.colors)
    for i, name in enumerate(names):
        sub = seqs.subset(g == i)
        dist = sub.state_distribution(weighted=weighted, with_missing=miss)
        k = len(colors)
        share = dist["share"].to_numpy().reshape(seqs.n_months, k)
        # one step polygon per state (fast and crisp): month t covers [t, t+1)
        x = np.arange(seqs.n_months + 1)
        cum = np.vstack([np.zeros(seqs.n_months), np.cumsum(share, axis=1).T])
        cum = np.hstack([cum, cum[:, -1:]])
        for j in range(k):
            ax[i].fill_between(x, cum[j], cum[j + 1], step="post", color=colors[j], linewidth=0)
        ax[i].set_xlim(0, seqs.n_months)
        ax[i].set_ylim(0, 1)
        ax[i].yaxis.set_major_formatter(format_pct_fr())
        n = sub.n_sequences
        head = f"{name} (n = {n})" if groups is not None else f"n = {n}"
        ax[i].set_title(head, fontsize=10)
        ax[i].set_ylabel("Part des individus")
        _ticks(ax[i], seqs, xtick_step)
    fig.suptitle(title, fontweight="bold")
    _legend(fig, seqs, miss)
    if source:
        add_source(fig, source)
    return fig


@_styled
def index_plot(
    seqs: StateSequences,
    groups: Sequence[object] | None = None,
    *,
    sort: str | np.ndarray | None = "from_start",
    title: str = "Trajectoires individuelles",
    xtick_step: int | None = None,
    source: str | None = None,
    axes=None,
) -> Figure:
    """One horizontal line per individual coloured by state (TraMineR ``seqIplot``), by cluster.

    ``sort="from_start"`` orders sequences lexicographically from the first month (TraMineR's
    ``sortv="from.start"``); an array gives a sort key; None keeps data order.
    """
    names, g = _groups(seqs, groups)
    a = len(seqs.alphabet)
    cmap = ListedColormap([*seqs.colors, MISSING_COLOR, "#ffffff"])
    fig, ax = _axes(len(names), axes)
    codes = np.where(seqs.codes < 0, a + 1, seqs.codes)
    for i, name in enumerate(names):
        idx = np.flatnonzero(g == i)
        if isinstance(sort, str) and sort == "from_start":
            idx = idx[np.lexsort(codes[idx].T[::-1])]
        elif sort is not None and not isinstance(sort, str):
            idx = idx[np.argsort(np.asarray(sort)[idx], kind="stable")]
        ax[i].imshow(
            codes[idx], aspect="auto", interpolation="nearest", cmap=cmap, vmin=-0.5, vmax=a + 1.5,
            extent=(0, seqs.n_months, len(idx), 0),
        )  # fmt: skip
        ax[i].set_title(
            f"{name} (n = {len(idx)})" if groups is not None else f"n = {len(idx)}", fontsize=10
        )
        ax[i].set_ylabel("Individus")
        _ticks(ax[i], seqs, xtick_step)
    fig.suptitle(title, fontweight="bold")
    _legend(fig, seqs, seqs.has_missing)
    if source:
        add_source(fig, source)
    return fig


@_styled
def mean_time_plot(
    seqs: StateSequences,
    groups: Sequence[object] | None = None,
    *,
    weighted: bool = True,
    unit: str = "mois",
    title: str = "Temps moyen passé dans chaque situation",
    source: str | None = None,
    axes=None,
) -> Figure:
    """Mean time spent in each state, horizontal bars (TraMineR ``seqmtplot``), by group."""
    names, g = _groups(seqs, groups)
    fig, ax = _axes(len(names), axes)
    for i, name in enumerate(names):
        mt = seqs.subset(g == i).mean_time(weighted=weighted)
        y = np.arange(len(mt))[::-1]
        ax[i].barh(y, mt["mean"], color=list(seqs.colors), edgecolor="#555555", linewidth=0.5)
        ax[i].set_yticks(y)
        ax[i].set_yticklabels(mt["label"])
        ax[i].set_xlim(0, seqs.n_months)
        ax[i].set_xlabel(f"Durée moyenne ({unit})")
        ax[i].set_title(str(name), fontsize=10)
        for yy, v in zip(y, mt["mean"], strict=True):
            ax[i].text(v, yy, f" {v:.1f}".replace(".", ","), va="center", fontsize=8)
        ax[i].xaxis.set_major_formatter(format_num_fr())
    fig.suptitle(title, fontweight="bold")
    if source:
        add_source(fig, source)
    return fig


def transition_table(
    seqs: StateSequences, weighted: bool = True, decimals: int = 1
) -> pd.DataFrame:
    """Month-to-month transition rates (TraMineR ``seqtrate``) as a French table of percentages.

    Rows: situation in month t; columns: situation in month t+1; cells "12,3 %".
    """
    tr = transition_rates(seqs, weights=True if (weighted and seqs.weights is not None) else None)
    out = tr.map(lambda v: f"{v * 100:.{decimals}f} %".replace(".", ","))
    out.index = pd.Index(list(seqs.labels), name="Situation au mois t")
    out.columns = pd.Index(list(seqs.labels), name="Situation au mois t+1")
    return out
