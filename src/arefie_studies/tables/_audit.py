"""Disclosure audit: how precisely can an attacker pin each hidden cell of a count table?

The attacker knows every published cell, every published margin (row totals, column totals,
grand total) and that counts are non-negative integers (at least ``lower``). For each hidden
cell (or hidden margin) the feasible values form an interval ``[low, high]``:

    low  = min x_rc      high = max x_rc
    s.t. sum_c x_rc = T_r          for every published row total r,
         sum_r x_rc = T_c          for every published column total c,
         sum_rc x_rc = T           if the grand total is published,
         x_rc = n_rc               for every published cell,
         x_rc >= lower_rc          for every hidden cell,

solved as linear programmes with :func:`scipy.optimize.linprog` (HiGHS). The constraint matrix
of a two-way table with margins is totally unimodular (a transportation polytope), so the LP
bounds are integers and equal the integer bounds: the relaxation loses nothing. A hidden margin
is audited through the sum of its cells. A bound is infinite when nothing published limits it
(e.g. a cell whose row, column and grand totals are all hidden).

The rule (a "protection interval", Hundepool et al. 2012, *Statistical Disclosure Control*,
§4.2.2 and the ``sdcTable``/τ-ARGUS notion of protection levels, here as one absolute width):
every hidden value must stay uncertain over an interval at least ``threshold`` wide,
``high - low >= threshold``; a narrower interval means more cells (or the margin) must be hidden.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linprog

__all__ = ["DisclosureAudit", "DisclosureError", "audit_disclosure", "margin_mask"]


class DisclosureError(ValueError):
    """Bad input to the disclosure audit or to the protection of a table."""


_MARGIN_MODES = {True: "both", False: "none", "both": "both", "rows": "rows",
                 "columns": "columns", "none": "none"}


def margin_mask(shape: tuple[int, int], margins: bool | str = "both") -> np.ndarray:
    """(R+1, C+1) mask of the margins that are *not* published under ``margins``.

    ``margins``: ``"both"``/``True`` (row totals in the last column, column totals in the last
    row, grand total), ``"rows"`` (row totals only; the grand total follows from them),
    ``"columns"``, ``"none"``/``False``.
    """
    mode = _MARGIN_MODES.get(margins) if isinstance(margins, (bool, str)) else None
    if mode is None:
        raise DisclosureError(
            f"margins: expected 'both', 'rows', 'columns', 'none' (or True/False), got {margins!r}."
        )
    r, c = shape
    out = np.zeros((r + 1, c + 1), dtype=bool)
    if mode in ("columns", "none"):
        out[:-1, -1] = True  # row totals not published
    if mode in ("rows", "none"):
        out[-1, :-1] = True  # column totals not published
    if mode == "none":
        out[-1, -1] = True
    return out


@dataclass(frozen=True)
class DisclosureAudit:
    """Result of :func:`audit_disclosure`.

    ``cells``: one row per hidden cell or hidden margin with ``row``, ``col`` (positions in the
    (R+1) × (C+1) table, last row/column = margins), ``margin`` (bool), ``value`` (true count),
    ``low``, ``high`` (feasible interval), ``width`` (``high - low``, inf when unbounded) and
    ``ok`` (``width >= threshold``).
    """

    cells: pd.DataFrame
    threshold: int

    @property
    def ok(self) -> bool:
        """True when no hidden value is pinned to an interval narrower than the threshold."""
        return bool(self.cells["ok"].all()) if len(self.cells) else True

    @property
    def failures(self) -> pd.DataFrame:
        """The hidden cells whose interval is narrower than the threshold."""
        return self.cells[~self.cells["ok"]].reset_index(drop=True)

    def __repr__(self) -> str:
        return (f"DisclosureAudit({len(self.cells)} hidden value(s), threshold {self.threshold}, "
                f"{int((~self.cells['ok']).sum()) if len(self.cells) else 0} pinned)")


def _as_ext_mask(hidden: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    hidden = np.asarray(hidden, dtype=bool)
    r, c = shape
    if hidden.shape == (r, c):
        ext = np.zeros((r + 1, c + 1), dtype=bool)
        ext[:-1, :-1] = hidden
        return ext
    if hidden.shape == (r + 1, c + 1):
        return hidden.copy()
    raise DisclosureError(
        f"hidden: expected a mask of shape {(r, c)} (cells) or {(r + 1, c + 1)} (cells and "
        f"margins), got {hidden.shape}."
    )


def intervals(
    counts: np.ndarray, hidden_ext: np.ndarray, lower: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Feasible [low, high] of every hidden entry of the (R+1, C+1) table (NaN elsewhere).

    ``hidden_ext`` marks hidden cells and hidden or unpublished margins; ``lower`` (R, C) the
    lower bound the attacker knows for each cell (default 0).
    """
    n = np.asarray(counts, dtype=float)
    R, C = n.shape
    hid = np.asarray(hidden_ext, dtype=bool)
    lo_b = np.zeros((R, C)) if lower is None else np.broadcast_to(np.asarray(lower, float), (R, C))
    low = np.full((R + 1, C + 1), np.nan)
    high = np.full((R + 1, C + 1), np.nan)
    inner = hid[:-1, :-1]
    var_rc = np.argwhere(inner)
    k = len(var_rc)
    index = -np.ones((R, C), dtype=int)
    index[inner] = np.arange(k)
    ext = np.zeros((R + 1, C + 1))
    ext[:-1, :-1] = n
    ext[:-1, -1] = n.sum(axis=1)
    ext[-1, :-1] = n.sum(axis=0)
    ext[-1, -1] = n.sum()
    # hidden margins: their value is their (known + hidden) cells' sum
    for r in range(R):
        if hid[r, -1] and not inner[r].any():
            low[r, -1] = high[r, -1] = ext[r, -1]
    for c in range(C):
        if hid[-1, c] and not inner[:, c].any():
            low[-1, c] = high[-1, c] = ext[-1, c]
    if hid[-1, -1] and k == 0:
        low[-1, -1] = high[-1, -1] = ext[-1, -1]
    if k == 0:
        return low, high
    shown = np.where(inner, 0.0, n)
    rows_a, rhs = [], []
    for r in range(R):
        if not hid[r, -1] and inner[r].any():
            a = np.zeros(k)
            a[index[r, inner[r]]] = 1
            rows_a.append(a)
            rhs.append(ext[r, -1] - shown[r].sum())
    for c in range(C):
        if not hid[-1, c] and inner[:, c].any():
            a = np.zeros(k)
            a[index[inner[:, c], c]] = 1
            rows_a.append(a)
            rhs.append(ext[-1, c] - shown[:, c].sum())
    if not hid[-1, -1]:
        rows_a.append(np.ones(k))
        rhs.append(ext[-1, -1] - shown.sum())
    a_eq = np.array(rows_a) if rows_a else None
    b_eq = np.array(rhs) if rows_a else None
    bounds = [(float(lo_b[r, c]), None) for r, c in var_rc]

    def extremes(obj: np.ndarray) -> tuple[float, float]:
        out = []
        for sign in (1.0, -1.0):
            res = linprog(sign * obj, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
            if res.status == 3:  # unbounded
                out.append(-np.inf * sign)
            elif res.status != 0:
                raise DisclosureError(
                    f"disclosure audit: the published values are inconsistent with the counts "
                    f"(linprog status {res.status}: {res.message}); check that the margins are "
                    "the sums of the cells and that hidden cells respect the lower bounds."
                )
            else:
                out.append(sign * float(res.fun))
        return out[0], out[1]

    for j, (r, c) in enumerate(var_rc):
        obj = np.zeros(k)
        obj[j] = 1
        low[r, c], high[r, c] = extremes(obj)
    for r in range(R):
        if hid[r, -1] and inner[r].any():
            obj = np.zeros(k)
            obj[index[r, inner[r]]] = 1
            lo, hi = extremes(obj)
            low[r, -1], high[r, -1] = lo + shown[r].sum(), hi + shown[r].sum()
    for c in range(C):
        if hid[-1, c] and inner[:, c].any():
            obj = np.zeros(k)
            obj[index[inner[:, c], c]] = 1
            lo, hi = extremes(obj)
            low[-1, c], high[-1, c] = lo + shown[:, c].sum(), hi + shown[:, c].sum()
    if hid[-1, -1]:
        lo, hi = extremes(np.ones(k))
        low[-1, -1], high[-1, -1] = lo + shown.sum(), hi + shown.sum()
    # LP round-off: the vertices are integers
    return np.round(low, 6), np.round(high, 6)


def audit_disclosure(
    counts: np.ndarray,
    hidden: np.ndarray,
    threshold: int,
    *,
    margins: bool | str = "both",
    lower: int | np.ndarray = 0,
) -> DisclosureAudit:
    """Feasible interval of every hidden cell of a count table given what is published.

    Parameters
    ----------
    counts : (R, C) true unweighted counts (respondents, Missions Locales...).
    hidden : (R, C) mask of hidden cells, or (R+1, C+1) with the hidden margins too (last
        column = row totals, last row = column totals, corner = grand total).
    threshold : the rule — each hidden value must be uncertain over at least ``threshold``
        (``high - low >= threshold``).
    margins : which totals are published beside the table: ``"both"`` (default), ``"rows"``,
        ``"columns"`` or ``"none"``; a published margin that ``hidden`` marks is hidden.
    lower : what the attacker knows as the least value of a hidden cell (0, or 1 when the
        table publishes its zeros and hides no zero); a scalar or an (R, C) array.

    Returns a :class:`DisclosureAudit` (``.ok``, ``.cells``, ``.failures``).

    Example (a durations table, row totals published, threshold 11): in
    ``[[3, 4, 30], [20, 25, 40]]`` hiding 3, 4, 20 and 25 leaves each of the first two cells
    anywhere in [0, 7] only (their row total 37 minus the published 30): the audit fails.
    """
    n = np.asarray(counts)
    if n.ndim != 2 or n.size == 0:
        raise DisclosureError(f"counts: expected a non-empty 2-D table, got shape {n.shape}.")
    n = n.astype(float)
    if not np.isfinite(n).all() or (n < 0).any() or (n != np.round(n)).any():
        raise DisclosureError("counts: expected non-negative integer counts (no NaN).")
    if not isinstance(threshold, (int, np.integer)) or threshold < 1:
        raise DisclosureError(f"threshold: expected a positive integer, got {threshold!r}.")
    hid = _as_ext_mask(hidden, n.shape) | margin_mask(n.shape, margins)
    low, high = intervals(n, hid, lower)
    R, C = n.shape
    ext = np.zeros((R + 1, C + 1))
    ext[:-1, :-1] = n
    ext[:-1, -1] = n.sum(axis=1)
    ext[-1, :-1] = n.sum(axis=0)
    ext[-1, -1] = n.sum()
    published_margin = ~margin_mask(n.shape, margins)
    rows = []
    for r, c in np.argwhere(hid):
        is_margin = r == R or c == C
        if is_margin and not published_margin[r, c]:
            continue  # never published: not a hidden value
        width = high[r, c] - low[r, c]
        rows.append({"row": int(r), "col": int(c), "margin": bool(is_margin),
                     "value": float(ext[r, c]), "low": low[r, c], "high": high[r, c],
                     "width": width, "ok": bool(width >= threshold)})
    cols = ["row", "col", "margin", "value", "low", "high", "width", "ok"]
    return DisclosureAudit(cells=pd.DataFrame(rows, columns=cols), threshold=int(threshold))
