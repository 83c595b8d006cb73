"""Disclosure control for published tables ("secret statistique").

Primary suppression hides every cell built on ``1 <= n < threshold`` respondents. Secondary
suppression then hides complementary cells so that no hidden cell can be recovered by
difference from the published cells and margins.

The criterion is exact for tables whose rows and columns add up to published margins. Write
the table with its margins as an (R+1) × (C+1) array ``y`` (margins negated) so that every row
and every column of ``y`` sums to zero. The hidden cells are the edges of a bipartite graph
(row nodes, column nodes). A hidden cell is determined by the published values **iff its edge
is a bridge** of that graph (it lies on no cycle): along a cycle one can add ``+t, -t, +t, ...``
without changing any sum. With every hidden cell holding at least one respondent, ``t = ±1``
keeps the table non-negative, so each hidden cell has at least two feasible values.

Complementary cells are chosen by a shortest-path heuristic (Cox 1980; Castro 2006): for each
bridge ``(i, j)`` add the cheapest path from row ``i`` to column ``j``, where already hidden
cells cost nothing and a published cell costs its count (smallest cells first); empty cells
and margins are used only when nothing else closes the cycle.

References: Hundepool A. et al. (2012) *Statistical Disclosure Control*, Wiley, ch. 4;
Castro J. (2006) "Minimum-distance controlled perturbation methods", and the ``sdcTable`` R
package (``protectTable(method="SIMPLEHEURISTIC")``) for the same problem.
"""

from __future__ import annotations

import heapq

import numpy as np

from ._format import NNBSP

__all__ = [
    "SUPPRESSED_MARK",
    "disclosure_rule_text",
    "exposed_cells",
    "primary_suppression",
    "protect_table",
    "protected_shares",
]

SUPPRESSED_MARK = "s"  # printed in place of a hidden value (as in INSEE tables)

_ZERO_COST = 1e6  # an empty cell closes a cycle only when no populated cell can
_MARGIN_COST = 1e9  # a margin is hidden only when nothing inside the table can


def primary_suppression(n: np.ndarray, threshold: int) -> np.ndarray:
    """Cells with ``1 <= n < threshold`` respondents (zeros are published as such)."""
    n = np.asarray(n)
    return (n > 0) & (n < threshold)


def _bridges(mask: np.ndarray) -> list[tuple[int, int]]:
    """Hidden cells of an (R, C) mask that lie on no cycle of the row/column bipartite graph."""
    rows, cols = np.nonzero(mask)
    n_rows = mask.shape[0]
    edges = [(int(r), n_rows + int(c)) for r, c in zip(rows, cols, strict=True)]
    n_nodes = mask.shape[0] + mask.shape[1]
    adj: list[list[tuple[int, int]]] = [[] for _ in range(n_nodes)]
    for k, (a, b) in enumerate(edges):
        adj[a].append((b, k))
        adj[b].append((a, k))
    # Tarjan's bridge finding (iterative DFS).
    disc = [-1] * n_nodes
    low = [0] * n_nodes
    out: list[tuple[int, int]] = []
    timer = 0
    for root in range(n_nodes):
        if disc[root] != -1 or not adj[root]:
            continue
        disc[root] = low[root] = timer
        timer += 1
        stack = [(root, -1, iter(adj[root]))]
        while stack:
            node, parent_edge, it = stack[-1]
            advanced = False
            for nxt, k in it:
                if k == parent_edge:
                    continue
                if disc[nxt] == -1:
                    disc[nxt] = low[nxt] = timer
                    timer += 1
                    stack.append((nxt, k, iter(adj[nxt])))
                    advanced = True
                    break
                low[node] = min(low[node], disc[nxt])
            if advanced:
                continue
            stack.pop()
            if stack:
                parent = stack[-1][0]
                low[parent] = min(low[parent], low[node])
                if low[node] > disc[parent]:
                    a, b = edges[parent_edge]
                    out.append((a, b - n_rows))
    return out


def exposed_cells(mask: np.ndarray) -> np.ndarray:
    """Boolean array: hidden cells of ``mask`` recoverable by difference (bridges).

    ``mask`` covers the table *with* its margins (last row and last column), all of whose
    published values are known to an attacker.
    """
    mask = np.asarray(mask, dtype=bool)
    out = np.zeros_like(mask)
    for r, c in _bridges(mask):
        out[r, c] = True
    return out


def _cheapest_path(cost: np.ndarray, mask: np.ndarray, src_row: int, dst_col: int) -> list:
    """Cheapest row→column path in the bipartite graph, excluding the direct edge (the
    unconstrained case of :func:`_capacity_path`)."""
    slack = np.full(cost.shape, np.inf)
    return _capacity_path(cost, mask, slack, src_row, dst_col, 0.0, 0.0)


def _capacity_path(
    cost: np.ndarray,
    mask: np.ndarray,
    slack: np.ndarray,
    src_row: int,
    dst_col: int,
    need_minus: float,
    need_plus: float,
) -> list:
    """Cheapest row→column path whose cells can absorb a shift of the hidden cell.

    Closing the cycle ``(src_row, dst_col)`` + path and adding ``+t, -t, +t, ...`` along it
    keeps every margin: cells entered from a row node (odd positions) decrease when the hidden
    cell increases, cells entered from a column node increase. The path keeps only cells whose
    ``slack`` (value minus the attacker's lower bound; margins: infinite) is at least
    ``need_minus`` on odd positions and ``need_plus`` on even ones, so the cycle alone moves the
    hidden cell over ``need_minus + min(need_plus, its slack)`` values.
    """
    n_rows, n_cols = cost.shape
    dist = np.full(n_rows + n_cols, np.inf)
    prev: list[tuple[int, tuple[int, int]] | None] = [None] * (n_rows + n_cols)
    dist[src_row] = 0.0
    heap = [(0.0, src_row)]
    target = n_rows + dst_col
    while heap:
        d, node = heapq.heappop(heap)
        if d > dist[node]:
            continue
        if node == target:
            break
        if node < n_rows:
            r = node
            for c in range(n_cols):
                if (r == src_row and c == dst_col) or slack[r, c] < need_minus:
                    continue
                nd = d + (0.0 if mask[r, c] else cost[r, c])
                if np.isfinite(nd) and nd < dist[n_rows + c]:
                    dist[n_rows + c] = nd
                    prev[n_rows + c] = (node, (r, c))
                    heapq.heappush(heap, (nd, n_rows + c))
        else:
            c = node - n_rows
            for r in range(n_rows):
                if (r == src_row and c == dst_col) or slack[r, c] < need_plus:
                    continue
                nd = d + (0.0 if mask[r, c] else cost[r, c])
                if np.isfinite(nd) and nd < dist[r]:
                    dist[r] = nd
                    prev[r] = (node, (r, c))
                    heapq.heappush(heap, (nd, r))
    if not np.isfinite(dist[target]):
        return []
    path = []
    node = target
    while node != src_row:
        p = prev[node]
        assert p is not None  # internal invariant: reached nodes have a predecessor
        node, cell = p
        path.append(cell)
    return path


def protect_table(
    n: np.ndarray,
    threshold: int,
    *,
    margins: bool | str = True,
    pre_hidden: np.ndarray | None = None,
    min_width: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Primary and secondary suppression for a count table.

    Parameters
    ----------
    n : (R, C) array of unweighted counts (rows = answer levels, columns = groups).
    threshold : minimum number of respondents (or organisations) for a published cell.
    margins : which totals are published: ``True``/``"both"`` (row and column totals, grand
        total), ``"rows"``, ``"columns"``, ``False``/``"none"``. Unpublished margins are
        marked hidden in the result.
    pre_hidden : optional (R+1, C+1) mask of cells already hidden elsewhere (e.g. a level's
        total hidden for the whole banner, so that every breakdown hides the same margins).
    min_width : the protection interval (default ``threshold``): after suppression, every
        hidden cell and hidden margin can take, given everything published and counts
        ``>= 1`` for the non-empty cells, values over an interval at least ``min_width`` wide
        (checked by :func:`audit_disclosure`). ``0`` keeps the older, weaker rule (no hidden
        cell determined exactly).

    Returns
    -------
    (primary, hidden): boolean arrays of shape (R+1, C+1) covering the table *and* its
    margins (last row = column totals, last column = row totals, corner = grand total).
    ``hidden`` includes ``primary`` and the complementary cells.

    Algorithm: (1) primary suppression; (2) every hidden cell that is a bridge of the hidden
    cells' row/column graph (determined exactly) gets the cheapest cycle (see module
    docstring); (3) while :func:`audit_disclosure` finds a hidden value pinned to an interval
    narrower than ``min_width``, the narrowest one gets a cycle of cells large enough to move
    it over ``min_width`` values (:func:`_capacity_path`; hiding more never narrows an
    interval, so each repair holds and the loop ends); (4) if no such cycle exists, every
    non-empty cell and margin is hidden (nothing is then bounded).
    """
    from ._audit import flow_width, margin_mask

    n = np.asarray(n, dtype=float)
    if n.ndim != 2:
        raise ValueError(f"protect_table: n must be a 2-D count table, got shape {n.shape}.")
    width_rule = int(threshold if min_width is None else min_width)
    unpublished = margin_mask(n.shape, margins)
    ext = np.zeros((n.shape[0] + 1, n.shape[1] + 1))
    ext[:-1, :-1] = n
    ext[:-1, -1] = n.sum(axis=1)
    ext[-1, :-1] = n.sum(axis=0)
    ext[-1, -1] = n.sum()
    primary = primary_suppression(ext, threshold) & ~unpublished
    hidden = primary | unpublished
    if pre_hidden is not None:
        hidden |= np.asarray(pre_hidden, dtype=bool)
    if unpublished[:-1, -1].all() and unpublished[-1, :-1].all():
        return primary, hidden  # no margin published: a hidden cell is bounded by nothing
    cost = np.where(ext > 0, ext, _ZERO_COST)
    cost[-1, :] += _MARGIN_COST
    cost[:, -1] += _MARGIN_COST
    # A cell of an empty row or column is known to be zero: hiding it protects nothing.
    cost[ext[:, -1] == 0, :] = np.inf
    cost[:, ext[-1, :] == 0] = np.inf
    for _ in range(ext.size):
        # unpublished margins are no values to protect: only their edges matter (free sums)
        bridges = [rc for rc in _bridges(hidden) if not unpublished[rc]]
        if not bridges:
            break
        # Protect the smallest exposed cell first: its cycle often covers the others.
        r, c = min(bridges, key=lambda rc: ext[rc])
        path = _cheapest_path(cost, hidden, r, c)
        if not path:  # no cycle can be closed (e.g. a 1-column table): hide every non-empty cell
            hidden |= ext > 0
            break
        for cell in path:
            hidden[cell] = True
    # The attacker knows that published zeros are zeros, hence hidden non-empty cells hold >= 1.
    lower = np.minimum(n, 1.0)
    slack = np.full(ext.shape, np.inf)
    slack[:-1, :-1] = n - lower
    if width_rule <= 0:
        return primary, _publish_pinned_zeros(hidden, slack, ext)
    only_hidden = np.full(ext.shape, np.inf)  # certificate search: hidden cells only
    certified = np.zeros(ext.shape, dtype=bool)
    for _ in range(2 * ext.size + 1):
        todo = hidden & ~unpublished & (ext > 0) & ~certified  # a hidden 0 identifies nobody
        if not todo.any():
            return primary, _publish_pinned_zeros(hidden, slack, ext)
        for r, c in sorted(map(tuple, np.argwhere(todo)), key=lambda rc: ext[rc]):
            s = slack[r, c]
            need_plus, need_minus = min(s, width_rule), max(0.0, width_rule - s)
            # (a) a cycle of hidden cells that moves it over width_rule values (no LP needed)
            if _capacity_path(only_hidden, hidden, slack, r, c, need_minus, need_plus):
                certified[r, c] = True
                continue
            # (b) the exact interval (several cycles may combine), by max-flow
            if flow_width(slack, hidden, r, c) >= width_rule:
                certified[r, c] = True
                continue
            # (c) hide the cheapest cycle with enough room (hidden values only widen intervals)
            path = _capacity_path(cost, hidden, slack, r, c, need_minus, need_plus)
            if not path:
                break
            for cell in path:
                hidden[cell] = True
            certified[r, c] = True
            break  # the pattern changed: look again at what is left
        else:
            continue
        if not path:
            break
    # Last resort: nothing published but the empty rows/columns (known zeros).
    hidden |= ext > 0
    hidden |= unpublished
    return primary, _publish_pinned_zeros(hidden, slack, ext)


def _publish_pinned_zeros(hidden: np.ndarray, slack: np.ndarray, ext: np.ndarray) -> np.ndarray:
    """``hidden`` without the empty interior cells that the published values pin to 0 anyway
    (:func:`flow_width` 0: e.g. a column whose published total equals its published cells). A
    cycle through empty cells cannot move them below 0, so the complementary search can leave
    such a cell hidden, and its « s » would then stand for a value anyone can recover; shown as
    0, it tells nothing new, and no other hidden value's interval changes (the feasible tables
    are the same)."""
    from ._audit import flow_width

    hidden = hidden.copy()
    for r, c in np.argwhere(hidden[:-1, :-1] & (ext[:-1, :-1] == 0)):
        if flow_width(slack, hidden, int(r), int(c)) == 0:
            hidden[r, c] = False
    return hidden


def disclosure_rule_text(threshold: int, unit: str = "répondants") -> str:
    """The rule printed under a table with a hidden cell (French); ``unit`` is what the
    counts count (respondents, youths, Missions Locales...)."""
    # "1 à 10" is the threshold's range, which the leak scan reads as such; at threshold 2 the
    # range is one value, said with the threshold itself
    low = f"moins de {threshold} {unit}" if threshold <= 2 else f"de 1 à {threshold - 1} {unit}"
    return (
        f"«{NNBSP}{SUPPRESSED_MARK}{NNBSP}»{NNBSP}: valeur masquée (secret statistique). Les "
        f"cases comptant {low} ne sont pas publiées, ainsi que les cases complémentaires "
        "nécessaires pour qu’aucune valeur masquée ne puisse être retrouvée, ni encadrée à "
        f"moins de {threshold} près, à partir des valeurs et des totaux publiés."
    )


def protected_shares(yes: np.ndarray, no: np.ndarray, threshold: int) -> np.ndarray:
    """Which shares ``yes / (yes + no)`` of a 2 × G table may be published (True = hidden).

    The unweighted counts of "yes" and "no" answers in each of G groups form a table whose
    margins (group bases, overall yes/no) are published; :func:`protect_table` applies primary
    suppression (1 <= n < threshold) and secondary suppression so no hidden count can be
    recovered by difference. A share is hidden when either of its counts, or its group's base,
    is hidden, or when its base is under ``threshold``.
    """
    n = np.vstack([np.asarray(yes, dtype=float), np.asarray(no, dtype=float)])
    _prim, hid = protect_table(n, int(threshold))
    base_small = n.sum(axis=0) < threshold
    return hid[0, :-1] | hid[1, :-1] | hid[-1, :-1] | base_small
