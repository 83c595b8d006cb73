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

__all__ = ["DisclosureAudit", "DisclosureError", "audit_disclosure", "flow_width", "margin_mask"]


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
    ``ok`` (``width >= threshold``, or the value is 0: an empty cell identifies nobody and zeros
    are published under the rule anyway).
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


class Polytope:
    """The tables an attacker finds consistent with what is published (an LP feasible set).

    ``counts`` (R, C) true counts; ``hidden_ext`` (R+1, C+1) hidden cells and hidden or
    unpublished margins; ``lower`` (R, C) the least value the attacker knows for each cell.
    :meth:`interval` gives the feasible [low, high] of one hidden cell or margin.
    """

    def __init__(self, counts: np.ndarray, hidden_ext: np.ndarray,
                 lower: np.ndarray | float | None = None) -> None:
        n = np.asarray(counts, dtype=float)
        R, C = n.shape
        hid = np.asarray(hidden_ext, dtype=bool)
        lo_b = np.broadcast_to(np.asarray(0.0 if lower is None else lower, float), (R, C))
        inner = hid[:-1, :-1]
        self.var_rc = np.argwhere(inner)
        k = len(self.var_rc)
        index = -np.ones((R, C), dtype=int)
        index[inner] = np.arange(k)
        ext = np.zeros((R + 1, C + 1))
        ext[:-1, :-1] = n
        ext[:-1, -1] = n.sum(axis=1)
        ext[-1, :-1] = n.sum(axis=0)
        ext[-1, -1] = n.sum()
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
        if not hid[-1, -1] and k:
            rows_a.append(np.ones(k))
            rhs.append(ext[-1, -1] - shown.sum())
        self.a_eq = np.array(rows_a) if rows_a else None
        self.b_eq = np.array(rhs) if rows_a else None
        self.bounds = [(float(lo_b[r, c]), None) for r, c in self.var_rc]
        self.shape, self.ext, self.shown, self.inner, self.index = (R, C), ext, shown, inner, index

    def _extremes(self, obj: np.ndarray) -> tuple[float, float]:
        out = []
        for sign in (1.0, -1.0):
            res = linprog(sign * obj, A_eq=self.a_eq, b_eq=self.b_eq, bounds=self.bounds,
                          method="highs")
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

    def interval(self, r: int, c: int) -> tuple[float, float]:
        """Feasible [low, high] of entry (r, c) of the (R+1, C+1) table (a cell or a margin)."""
        R, C = self.shape
        k = len(self.var_rc)
        if r < R and c < C:
            cells = np.zeros((R, C), dtype=bool)
            cells[r, c] = True
        elif r < R:
            cells = np.zeros((R, C), dtype=bool)
            cells[r] = True
        elif c < C:
            cells = np.zeros((R, C), dtype=bool)
            cells[:, c] = True
        else:
            cells = np.ones((R, C), dtype=bool)
        known = float(np.where(cells & ~self.inner, self.shown, 0.0).sum())
        sel = cells & self.inner
        if not sel.any() or k == 0:
            return known, known
        obj = np.zeros(k)
        obj[self.index[sel]] = 1
        lo, hi = self._extremes(obj)
        # LP round-off: the vertices are integers
        return round(lo + known, 6), round(hi + known, 6)


def flow_width(slack: np.ndarray, hidden_ext: np.ndarray, r: int, c: int) -> float:
    """Width ``high - low`` of hidden entry (r, c) by max-flow (exact, as the LP).

    With the margins negated, every row and column of the (R+1, C+1) table sums to zero, and
    what an attacker cannot tell apart are the circulations on the hidden entries. Increasing
    entry (r, c) by ``t`` sends ``t`` from column node c back to row node r through the other
    hidden entries: an interior entry can grow without bound (row → column arc) and shrink by
    its ``slack`` (value minus the attacker's lower bound; column → row arc); margins are free
    both ways. So ``high - value = maxflow(c → r)`` and ``value - low = min(slack_rc,
    maxflow(r → c))`` (max-flow/min-cut, Edmonds–Karp on the small row/column graph).
    ``slack``: (R+1, C+1), infinite on the margins.
    """
    n_rows, n_cols = hidden_ext.shape
    size = n_rows + n_cols
    inf = float("inf")
    cap = [[0.0] * size for _ in range(size)]
    any_edge = False
    for i, j in np.argwhere(hidden_ext):
        if i == r and j == c:
            continue
        cap[i][n_rows + j] = inf  # the entry grows
        cap[n_rows + j][i] = float(slack[i, j])  # the entry shrinks (margins: inf)
        any_edge = True
    if not any_edge:
        return 0.0
    up = _max_flow(cap, n_rows + c, r)
    down = min(float(slack[r, c]), _max_flow(cap, r, n_rows + c))
    return up + down


def _max_flow(cap: list[list[float]], source: int, sink: int) -> float:
    """Edmonds–Karp on a small dense graph (inf capacities allowed: returns inf)."""
    size = len(cap)
    res = [row[:] for row in cap]
    total = 0.0
    while True:
        parent = [-1] * size
        parent[source] = source
        queue = [source]
        for u in queue:
            if u == sink:
                break
            row = res[u]
            for v in range(size):
                if parent[v] == -1 and row[v] > 0:
                    parent[v] = u
                    queue.append(v)
        if parent[sink] == -1:
            return total
        push = float("inf")
        v = sink
        while v != source:
            u = parent[v]
            push = min(push, res[u][v])
            v = u
        if push == float("inf"):
            return push
        v = sink
        while v != source:
            u = parent[v]
            res[u][v] -= push
            res[v][u] += push
            v = u
        total += push


def intervals(
    counts: np.ndarray, hidden_ext: np.ndarray, lower: np.ndarray | float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Feasible [low, high] of every hidden entry of the (R+1, C+1) table (NaN elsewhere)."""
    poly = Polytope(counts, hidden_ext, lower)
    hid = np.asarray(hidden_ext, dtype=bool)
    low = np.full(hid.shape, np.nan)
    high = np.full(hid.shape, np.nan)
    for r, c in np.argwhere(hid):
        low[r, c], high[r, c] = poly.interval(int(r), int(c))
    return low, high


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
                     "width": width, "ok": bool(width >= threshold or ext[r, c] == 0)})
    cols = ["row", "col", "margin", "value", "low", "high", "width", "ok"]
    return DisclosureAudit(cells=pd.DataFrame(rows, columns=cols), threshold=int(threshold))
