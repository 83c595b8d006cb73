"""Shared helpers of the standard figures (not public)."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..tables import fmt_num, fmt_pct


class ChartError(ValueError):
    """Bad input to a chart function (missing column, empty data...)."""


def check_columns(data: pd.DataFrame, columns: Sequence[str | None], func: str) -> None:
    if not isinstance(data, pd.DataFrame):
        raise ChartError(f"{func}: data must be a pandas DataFrame, got {type(data).__name__}.")
    if data.empty:
        raise ChartError(f"{func}: data is empty; nothing to plot.")
    missing = [c for c in columns if c is not None and c not in data.columns]
    if missing:
        raise ChartError(
            f"{func}: column(s) {missing} not in data; available: {list(data.columns)}. "
            "Pass the column names as arguments (e.g. y='group')."
        )


def new_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(figsize=figsize)
    return fig, ax


def value_text(v: float, percent: bool, digits: int) -> str:
    return fmt_pct(v, digits) if percent else fmt_num(v, digits)


def ordered(values: pd.Series, order: Sequence | None) -> list:
    if order is not None:
        return list(order)
    if isinstance(values.dtype, pd.CategoricalDtype):
        present = set(values.dropna())
        return [c for c in values.cat.categories if c in present]
    return list(dict.fromkeys(values.dropna()))


def err(data: pd.DataFrame, x: str, lo: str | None, hi: str | None) -> np.ndarray | None:
    if lo is None or hi is None:
        return None
    est = data[x].to_numpy(float)
    return np.vstack([est - data[lo].to_numpy(float), data[hi].to_numpy(float) - est]).clip(min=0)
