"""Horizontal bars with confidence intervals, and grouped comparisons (region vs nation...).

Input is a tidy estimate frame as returned by the survey engine (``estimate, ci_low, ci_high``
plus a label column), proportions in [0, 1] unless ``percent=False``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ._common import ChartError, check_columns, err, new_axes, ordered, value_text
from ._reliability import MARKS, apply_presentation, hatch_flagged, presentation_note
from ._style import GREY, PALETTE, PRIMARY, add_source, format_num_fr, format_pct_fr, house_style

__all__ = ["bar_ci", "comparison_bars"]


def _true(v: object) -> bool:
    """A flag read back from a reindexed frame (NaN for a missing category)."""
    return bool(v) if not pd.isna(v) else False


def _finish_value_axis(ax: Axes, percent: bool, xmax: float) -> None:
    ax.set_xlim(0, xmax)
    ax.xaxis.set_major_formatter(format_pct_fr() if percent else format_num_fr())
    ax.xaxis.grid(True)
    ax.yaxis.grid(False)
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)


def _repeating_group(data: pd.DataFrame, y: str, values: Sequence[str | None], func: str) -> str:
    """The one label column across which ``y`` repeats (or a ChartError naming them all)."""
    numeric = {c for c in data.columns if pd.api.types.is_numeric_dtype(data[c])
               and not isinstance(data[c].dtype, pd.CategoricalDtype)}
    labels = [c for c in data.columns if c != y and c not in values and c not in numeric
              and data[c].nunique(dropna=False) > 1]
    if len(labels) == 1:
        return labels[0]
    if not labels:
        dup = data.loc[data[y].duplicated(keep=False), y].astype(str).unique()[:5].tolist()
        raise ChartError(f"{func}: the bars {dup} appear more than once in column {y!r} and no other "
                         "label column tells them apart. Hint: keep one row per bar.")
    groups = ", ".join(f"{c!r} ({data[c].nunique()} values)" for c in labels)
    raise ChartError(
        f"{func}: {y!r} repeats across several label columns: {groups}. Hint: keep the rows of one "
        f"of them, e.g. data[data[{labels[0]!r}] == {data[labels[0]].iloc[0]!r}], or draw "
        f"comparison_bars(data, group={labels[0]!r}).")


def bar_ci(
    data: pd.DataFrame,
    *,
    y: str = "level",
    x: str = "estimate",
    lo: str | None = "ci_low",
    hi: str | None = "ci_high",
    order: Sequence | None = None,
    sort: bool = False,
    percent: bool = True,
    digits: int = 0,
    highlight: Sequence | None = None,
    xlabel: str = "",
    title: str = "",
    source: str = "",
    ax: Axes | None = None,
    decision: str | None = None,
) -> Figure:
    """Horizontal bars (one per row of ``data``) with their CI whiskers and value labels.

    ``data`` may be the tidy output of an estimator as it is (``proportion``, ``mean``...): when
    ``y`` repeats across one other label column (``by=`` groups, or several ``variable``s), the
    bars are grouped by it (:func:`comparison_bars`); across several, a ChartError says which
    rows to keep. ``highlight`` lists categories drawn in the accent colour (e.g. the region
    among départements). ``sort=True`` orders bars by decreasing value (top = largest).
    ``decision``: a column of presentation-rule decisions
    (:func:`arefie_studies.tables.presentation_rule`): suppressed estimates draw no bar
    (« nd » in its place), flagged ones are hatched and marked « † »; the note under the
    figure explains the marks.
    """
    check_columns(data, [y, x, lo, hi, decision], "bar_ci")
    if data[y].duplicated().any():
        group = _repeating_group(data, y, [x, lo, hi, decision], "bar_ci")
        return comparison_bars(data, y=y, group=group, x=x, lo=lo, hi=hi, order=order,
                               percent=percent, digits=digits, xlabel=xlabel, title=title,
                               source=source, ax=ax, decision=decision)
    with house_style():
        d = data.copy()
        d["_sup"], d["_flag"] = False, False
        if decision is not None:
            d, sup, flag = apply_presentation(d, decision, [x, lo, hi])
            d["_sup"], d["_flag"] = sup, flag
        if sort:
            d = d.sort_values(x, ascending=True)
            cats = list(d[y])
        else:
            cats = ordered(d[y], order)[::-1]
            d = d.set_index(y).loc[cats].reset_index()
        fig, ax = new_axes(ax, (6.8, 0.42 * len(cats) + 1.1))
        pos = np.arange(len(cats))
        colors = [PALETTE[1] if highlight and c in highlight else PRIMARY for c in cats]
        bars = ax.barh(pos, d[x].fillna(0.0), color=colors, height=0.62, zorder=2)
        hatch_flagged(bars, d["_flag"].to_numpy())
        e = err(d, x, lo, hi)
        if e is not None:
            ax.errorbar(
                d[x], pos, xerr=e, fmt="none", ecolor="#333333", elinewidth=1, capsize=3, zorder=3
            )
        top = (d[hi] if hi else d[x]).max()
        top = float(top) if np.isfinite(top) and top > 0 else 1.0
        xmax = min(1.0, top * 1.18) if percent else top * 1.18
        offset = xmax * 0.012
        for p, (_, row) in zip(pos, d.iterrows(), strict=True):
            if row["_sup"]:
                ax.text(offset, p, MARKS[0], va="center", fontsize=8.5, color=GREY)
                continue
            end = row[hi] if hi is not None and np.isfinite(row[hi]) else row[x]
            label = value_text(row[x], percent, digits) + (f" {MARKS[1]}" if row["_flag"] else "")
            ax.text(end + offset, p, label, va="center", fontsize=8.5)
        ax.set_yticks(pos, [str(c) for c in cats])
        _finish_value_axis(ax, percent, xmax)
        ax.set_xlabel(xlabel)
        if title:
            ax.set_title(title)
        note = presentation_note(d["_sup"].to_numpy(), d["_flag"].to_numpy())
        if source or note:
            add_source(fig, source, note=note or None)
    return fig


def comparison_bars(
    data: pd.DataFrame,
    *,
    y: str = "level",
    group: str = "group",
    x: str = "estimate",
    lo: str | None = "ci_low",
    hi: str | None = "ci_high",
    order: Sequence | None = None,
    group_order: Sequence | None = None,
    colors: Sequence[str] | None = None,
    percent: bool = True,
    digits: int = 0,
    xlabel: str = "",
    title: str = "",
    source: str = "",
    ax: Axes | None = None,
    decision: str | None = None,
) -> Figure:
    """Grouped horizontal bars: for each category ``y``, one bar per ``group`` with its CI.

    Typical use: region vs rest of France, a Mission Locale vs its region, 2020 vs 2024.
    The first group is drawn in the main colour, the second in the accent colour.
    ``decision``: presentation-rule decisions, as in :func:`bar_ci`.
    """
    check_columns(data, [y, group, x, lo, hi, decision], "comparison_bars")
    with house_style():
        data = data.copy()
        data["_sup"], data["_flag"] = False, False
        if decision is not None:
            data, sup, flag = apply_presentation(data, decision, [x, lo, hi])
            data["_sup"], data["_flag"] = sup, flag
        cats = ordered(data[y], order)
        groups = ordered(data[group], group_order)
        colors = list(colors or [PALETTE[0], PALETTE[1], *PALETTE[2:]])
        k = len(groups)
        height = 0.8 / k
        fig, ax = new_axes(ax, (6.8, (0.3 * k + 0.25) * len(cats) + 1.3))
        base = np.arange(len(cats))[::-1].astype(float)
        top = 0.0
        for i, g in enumerate(groups):
            sub = data[data[group] == g].set_index(y).reindex(cats)
            pos = base + (k - 1) / 2 * height - i * height
            bars = ax.barh(
                pos,
                sub[x].fillna(0.0),
                height=height * 0.92,
                color=colors[i % len(colors)],
                label=str(g),
                zorder=2,
            )
            hatch_flagged(bars, np.array([_true(v) for v in sub["_flag"]]))
            e = err(sub.reset_index(), x, lo, hi)
            if e is not None:
                ax.errorbar(
                    sub[x],
                    pos,
                    xerr=e,
                    fmt="none",
                    ecolor="#333333",
                    elinewidth=0.9,
                    capsize=2,
                    zorder=3,
                )
            values = np.asarray(sub[hi] if hi else sub[x], dtype=float)
            if np.isfinite(values).any():  # a group whose cells are all suppressed draws nothing
                top = max(top, float(np.nanmax(values)))
        top = top if top > 0 else 1.0
        xmax = min(1.0, top * 1.18) if percent else top * 1.18
        for i, g in enumerate(groups):
            sub = data[data[group] == g].set_index(y).reindex(cats)
            pos = base + (k - 1) / 2 * height - i * height
            for p, (_, row) in zip(pos, sub.iterrows(), strict=True):
                if _true(row["_sup"]):
                    ax.text(xmax * 0.012, p, MARKS[0], va="center", fontsize=7.5, color=GREY)
                    continue
                if not np.isfinite(row[x]):
                    continue
                end = row[hi] if hi is not None and np.isfinite(row[hi]) else row[x]
                flag = f" {MARKS[1]}" if _true(row["_flag"]) else ""
                ax.text(
                    end + xmax * 0.012,
                    p,
                    value_text(row[x], percent, digits) + flag,
                    va="center",
                    fontsize=7.5,
                    color=GREY,
                )
        ax.set_yticks(base, [str(c) for c in cats])
        _finish_value_axis(ax, percent, xmax)
        ax.set_xlabel(xlabel)
        ax.legend(
            loc="lower left",
            bbox_to_anchor=(0, 1.0),
            ncols=min(k, 4),
            handlelength=1.2,
            borderaxespad=0.2,
        )
        if title:
            ax.set_title(title, pad=24)
        note = presentation_note(data["_sup"].to_numpy(), data["_flag"].to_numpy())
        if source or note:
            add_source(fig, source, note=note or None)
    return fig
