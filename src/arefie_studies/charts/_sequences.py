"""TraMineR-like plots of state sequences, French labels (seqdplot, seqIplot, seqmtplot, seqtrate).

Each function draws on matplotlib Axes (created when not given) and returns the Figure. Colours
and labels come from the :class:`~arefie_studies.methods.sequences.StateSequences` object.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from arefie_studies.charts._style import (
    SEQUENCE_PALETTE,
    add_source,
    format_num_fr,
    format_pct_fr,
    house_style,
)
from arefie_studies.methods.sequences import (
    MISSING_COLOR,
    MISSING_LABEL,
    TRAMINER_COLORS,
    SequenceDataError,
    StateSequences,
    transition_rates,
)
from arefie_studies.tables import fmt_int, fmt_num

__all__ = ["chronogram", "index_plot", "mean_time_plot", "transition_table"]




def _colours(seqs: StateSequences) -> list[str]:
    """The states' colours: those the study chose, or — when the sequences carry the default
    TraMineR palette (not safe for colour-blind readers) and have at most 11 states — the
    house :data:`SEQUENCE_PALETTE`."""
    colours = list(seqs.colors)
    a = len(colours)
    if a <= len(SEQUENCE_PALETTE) and colours == list(TRAMINER_COLORS[:a]):
        return list(SEQUENCE_PALETTE[:a])
    return colours


def _groups(
    seqs: StateSequences, groups, order: Sequence[object] | None = None
) -> tuple[list[object], np.ndarray]:
    """Panel names and the panel code of each sequence (-1: no panel, e.g. missing group).

    Panel order: ``order`` if given; else the categories of a categorical ``groups`` (those
    present); else numbers ascending; else order of first appearance (never alphabetical).
    """
    if groups is None:
        return ["Ensemble"], np.zeros(seqs.n_sequences, dtype=np.int64)
    g = groups.reset_index(drop=True) if isinstance(groups, pd.Series) else pd.Series(groups)
    if g.ndim != 1 or len(g) != seqs.n_sequences:
        raise SequenceDataError(
            f"groups: expected {seqs.n_sequences} values (one per sequence), got shape "
            f"{np.shape(groups)}."
        )
    present = g.dropna()
    if order is not None:
        names = list(order)
        unknown = sorted({str(v) for v in present.unique()} - {str(v) for v in names})
        if unknown:
            raise SequenceDataError(
                f"order: group value(s) {unknown[:10]} are not in order={names}; "
                "list every group to draw (or leave order=None)."
            )
        lookup = {str(v): i for i, v in enumerate(names)}
        codes = g.map(lambda v: lookup.get(str(v), -1) if pd.notna(v) else -1)
        return names, codes.to_numpy(dtype=np.int64)
    if isinstance(g.dtype, pd.CategoricalDtype):
        seen = set(present)
        names = [c for c in g.cat.categories if c in seen]
    elif pd.api.types.is_numeric_dtype(present.dtype) and not pd.api.types.is_bool_dtype(
        present.dtype
    ):
        names = sorted(present.unique().tolist())
    else:
        names = list(dict.fromkeys(present))
    codes = pd.Categorical(g, categories=names).codes.astype(np.int64)
    return names, codes


def _panel_title(name: object, n: int, grouped: bool) -> str:
    """'Type 1 (n = 12 000)' with the house French number format (U+202F separators)."""
    count = f"n\u00a0=\u00a0{fmt_int(n)}"  # no-break spaces; U+202F thousands separator
    return f"{name} ({count})" if grouped else count


def _set_panel_title(ax, text: str) -> None:
    # explicit loc="left": the house style puts axes titles on the left slot
    ax.set_title(text, loc="left", fontsize=9.5, fontweight="bold", pad=4)


def _figure_title(fig: Figure, title: str) -> None:
    if title:
        fig.suptitle(title, x=0.01, ha="left", fontweight="bold", fontsize=11.5)


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


def _legend_and_source(
    fig: Figure, seqs: StateSequences, with_missing: bool, source: str | None
) -> None:
    """State legend under the panels and, below it, the house source line (no overlap).

    Matplotlib's "outside" figure legends ignore the layout rectangle that
    :func:`~arefie_studies.charts._style.add_source` reserves, so the legend is anchored just
    above the source band and the constrained-layout rectangle is shrunk by its height.
    """
    handles = [Patch(color=c, label=lab) for c, lab in zip(_colours(seqs), seqs.labels, strict=True)]
    if with_missing:
        handles.append(Patch(color=MISSING_COLOR, label=MISSING_LABEL))
    if source:
        add_source(fig, source)
    engine = fig.get_layout_engine()
    constrained = engine is not None and type(engine).__name__ == "ConstrainedLayoutEngine"
    if constrained:
        left, bottom, width, height = engine.get()["rect"]
    else:
        left, bottom, width, height = 0.0, 0.0, 1.0, 1.0
        texts = [t for t in fig.texts if t.get_gid() == "arefie-source"]
        if texts:  # just above the source line
            top = texts[-1].get_window_extent(fig.canvas.get_renderer()).y1
            bottom = top / fig.bbox.height
    leg = fig.legend(
        handles=handles, loc="lower center", bbox_to_anchor=(0.5, bottom),
        bbox_transform=fig.transFigure, ncols=min(len(handles), 4), frameon=False,
    )  # fmt: skip
    gap = 4.0 / 72.0 / fig.get_figheight()  # 4 pt between the legend and the tick labels
    h = leg.get_window_extent(fig.canvas.get_renderer()).height / fig.bbox.height + gap
    if constrained:
        engine.set(rect=(left, bottom + h, width, max(height - h, 0.2)))
    else:
        # room for the tick labels (rotated month names) under the lowest panels
        fig.subplots_adjust(bottom=max(fig.subplotpars.bottom, bottom + h + 0.1))


def _ticks(ax, seqs: StateSequences, step: int | None) -> None:
    L = seqs.n_months
    step = step or max(1, L // 8)
    pos = np.arange(0, L, step)
    ax.set_xticks(pos + 0.5)
    ax.set_xticklabels([seqs.time[i] for i in pos], rotation=45, ha="right", fontsize=8)


@house_style()  # a contextmanager is also a decorator: rcParams restored after each call
def chronogram(
    seqs: StateSequences,
    groups: Sequence[object] | None = None,
    *,
    weighted: bool = True,
    title: str = "Répartition des situations mois par mois",
    xtick_step: int | None = None,
    source: str | None = None,
    order: Sequence[object] | None = None,
    axes=None,
) -> Figure:
    """State distribution by month as stacked bands (TraMineR ``seqdplot``), one panel per group.

    Shares are weighted by the sequences' weights when ``weighted`` (void months excluded);
    ``source`` adds the house "Source : …" line under the legend. Panels follow ``order``, else
    the categories of a categorical ``groups``, else ascending numbers, else first appearance.
    Panel titles: "group (n = 12 000)" (unweighted count of sequences, French format).
    """
    names, g = _groups(seqs, groups, order)
    miss = seqs.has_missing
    fig, ax = _axes(len(names), axes)
    colors = [*_colours(seqs), MISSING_COLOR] if miss else list(_colours(seqs))
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
        _set_panel_title(ax[i], _panel_title(name, sub.n_sequences, groups is not None))
        ax[i].set_ylabel("Part des individus")
        _ticks(ax[i], seqs, xtick_step)
    _figure_title(fig, title)
    _legend_and_source(fig, seqs, miss, source)
    return fig


@house_style()
def index_plot(
    seqs: StateSequences,
    groups: Sequence[object] | None = None,
    *,
    sort: str | np.ndarray | None = "from_start",
    title: str = "Trajectoires individuelles",
    xtick_step: int | None = None,
    source: str | None = None,
    order: Sequence[object] | None = None,
    axes=None,
) -> Figure:
    """One horizontal line per individual coloured by state (TraMineR ``seqIplot``), by cluster.

    ``sort="from_start"`` orders sequences lexicographically from the first month (TraMineR's
    ``sortv="from.start"``); an array gives a sort key; None keeps data order. Panel order as
    :func:`chronogram`.
    """
    names, g = _groups(seqs, groups, order)
    a = len(seqs.alphabet)
    cmap = ListedColormap([*_colours(seqs), MISSING_COLOR, "#ffffff"])
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
        _set_panel_title(ax[i], _panel_title(name, len(idx), groups is not None))
        ax[i].set_ylabel("Individus")
        _ticks(ax[i], seqs, xtick_step)
    _figure_title(fig, title)
    _legend_and_source(fig, seqs, seqs.has_missing, source)
    return fig


@house_style()
def mean_time_plot(
    seqs: StateSequences,
    groups: Sequence[object] | None = None,
    *,
    weighted: bool = True,
    unit: str = "mois",
    title: str = "Temps moyen passé dans chaque situation",
    source: str | None = None,
    order: Sequence[object] | None = None,
    axes=None,
) -> Figure:
    """Mean time spent in each state, horizontal bars (TraMineR ``seqmtplot``), by group
    (panel order as :func:`chronogram`)."""
    names, g = _groups(seqs, groups, order)
    fig, ax = _axes(len(names), axes)
    for i, name in enumerate(names):
        mt = seqs.subset(g == i).mean_time(weighted=weighted)
        y = np.arange(len(mt))[::-1]
        ax[i].barh(y, mt["mean"], color=list(_colours(seqs)), edgecolor="#555555", linewidth=0.5)
        ax[i].set_yticks(y)
        ax[i].set_yticklabels(mt["label"])
        ax[i].set_xlim(0, seqs.n_months)
        ax[i].set_xlabel(f"Durée moyenne ({unit})")
        _set_panel_title(ax[i], str(name))
        for yy, v in zip(y, mt["mean"], strict=True):
            ax[i].text(v, yy, " " + fmt_num(v, 1), va="center", fontsize=8)
        ax[i].xaxis.set_major_formatter(format_num_fr())
    _figure_title(fig, title)
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
