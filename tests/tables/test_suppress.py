"""Disclosure control: primary and secondary suppression.

The property tests play the attacker: from the published cells and margins they enumerate every
non-negative integer table that could have produced them (brute force on small tables) and check
that each hidden cell still has at least two possible values.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from arefie_studies.tables import exposed_cells, primary_suppression, protect_table


def _unknowns(n: np.ndarray, hidden: np.ndarray):
    """Hidden interior cells split into free ones (with bounds) and row-determined ones."""
    R, C = n.shape
    row_rem = n.sum(1) - np.where(hidden[:R, :C], 0, n).sum(1)
    col_rem = n.sum(0) - np.where(hidden[:R, :C], 0, n).sum(0)
    free, dependent = [], []
    for r in range(R):
        cells = [(r, c) for c in range(C) if hidden[r, c]]
        if cells and not hidden[r, C]:
            dependent.append(cells.pop())  # fixed by the published row total
        for r_, c in cells:
            b = int(n.sum())
            if not hidden[r_, C]:
                b = min(b, int(row_rem[r_]))
            if not hidden[R, c]:
                b = min(b, int(col_rem[c]))
            free.append(((r_, c), b))
    return free, dependent, row_rem


def enumeration_size(n: np.ndarray, hidden: np.ndarray) -> int:
    free, _, _ = _unknowns(n, hidden)
    return int(np.prod([b + 1 for _, b in free], dtype=float))


def feasible_values(n: np.ndarray, hidden: np.ndarray) -> dict[tuple[int, int], set[int]]:
    """Brute force: every value each hidden cell (or margin) can take, given what is published.

    ``hidden`` covers the table with margins ((R+1) × (C+1)). Every non-negative integer table
    agreeing with the published cells, margins and grand total is enumerated (the last hidden
    cell of a row with a published total is computed from the others).
    """
    R, C = n.shape
    free, dependent, row_rem = _unknowns(n, hidden)
    grids = np.array(list(itertools.product(*[range(b + 1) for _, b in free])), dtype=np.int64)
    grids = grids.reshape(max(len(grids), 1), len(free))
    tables = np.repeat(np.where(hidden[:R, :C], 0, n)[None], len(grids), axis=0)
    for k, ((r, c), _) in enumerate(free):
        tables[:, r, c] = grids[:, k]
    for r, c in dependent:
        tables[:, r, c] = row_rem[r] - (
            tables[:, r, :].sum(1) - np.where(hidden[r, :C], 0, n[r]).sum()
        )
    ok = (tables >= 0).all(axis=(1, 2))
    rows, cols, tot = tables.sum(2), tables.sum(1), tables.sum((1, 2))
    for r in range(R):
        if not hidden[r, C]:
            ok &= rows[:, r] == n[r].sum()
    for c in range(C):
        if not hidden[R, c]:
            ok &= cols[:, c] == n[:, c].sum()
    if not hidden[R, C]:
        ok &= tot == n.sum()
    assert ok.any(), "the true table must be feasible"
    out = {
        (r, c): set(tables[ok, r, c].tolist()) for r in range(R) for c in range(C) if hidden[r, c]
    }
    for r in range(R):
        if hidden[r, C]:
            out[(r, C)] = set(rows[ok, r].tolist())
    for c in range(C):
        if hidden[R, c]:
            out[(R, c)] = set(cols[ok, c].tolist())
    if hidden[R, C]:
        out[(R, C)] = set(tot[ok].tolist())
    return out


def test_primary_rule_excludes_zeros_and_threshold():
    n = np.array([0, 1, 10, 11, 50])
    assert primary_suppression(n, 11).tolist() == [False, True, True, False, False]


def test_hand_worked_3x3():
    # one small cell (3); the cheapest cycle adds 40 + 25 + 30 = 95 respondents
    n = np.array([[50, 3, 40], [60, 70, 80], [20, 30, 25]])
    primary, hidden = protect_table(n, 11)
    assert primary[:3, :3].sum() == 1 and primary[0, 1]
    expected = np.zeros((4, 4), dtype=bool)
    expected[0, 1] = expected[0, 2] = expected[2, 1] = expected[2, 2] = True
    np.testing.assert_array_equal(hidden, expected)
    values = feasible_values(n, hidden)
    assert values[(0, 1)] == set(range(0, 34))  # the 3 could be anything from 0 to 33
    assert not exposed_cells(hidden).any()


def test_single_hidden_cell_is_exposed():
    hidden = np.zeros((3, 3), dtype=bool)
    hidden[0, 0] = True
    assert exposed_cells(hidden)[0, 0]
    n = np.array([[5, 20], [30, 40]])
    assert feasible_values(n, hidden)[(0, 0)] == {5}  # recovered by difference: the leak


def test_two_cells_in_a_row_are_not_enough_without_a_cycle():
    # two hidden cells in a row, each alone in its column: both recoverable from column totals
    hidden = np.zeros((3, 4), dtype=bool)
    hidden[0, 0] = hidden[0, 1] = True
    assert exposed_cells(hidden)[0, :2].all()


def test_whole_small_group_column_needs_a_second_column():
    n = np.array([[3, 40, 50], [4, 60, 70]])  # group 0 has 7 respondents in all
    _, hidden = protect_table(n, 11)
    assert hidden[:2, 0].all() and hidden[2, 0]  # the cells and the group total
    assert hidden[:, 1:3].any()  # a complementary group is hidden too
    for cell, vals in feasible_values(n, hidden).items():
        assert len(vals) >= 2, cell


def test_one_row_table_hides_a_pair():
    # a mean by group: a single row whose column totals are the cells themselves
    n = np.array([[5, 40, 30, 60]])
    _, hidden = protect_table(n, 11)
    assert hidden[0, 0] and hidden[0, 2]  # the smallest complement (30)
    assert hidden[0].sum() == 2


@st.composite
def count_tables(draw):
    R = draw(st.integers(2, 3))
    C = draw(st.integers(2, 4))
    cells = st.one_of(st.integers(0, 6), st.integers(7, 16))
    n = np.array(draw(st.lists(cells, min_size=R * C, max_size=R * C))).reshape(R, C)
    return n


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(count_tables(), st.integers(3, 8))
def test_no_hidden_cell_recoverable_brute_force(n, threshold):
    primary, hidden = protect_table(n, threshold)
    assert (hidden | ~primary).all()  # every primary cell is hidden
    assume(enumeration_size(n, hidden) <= 200_000)
    for cell, vals in feasible_values(n, hidden).items():
        assert len(vals) >= 2, f"hidden cell {cell} recoverable: only {vals} (n=\n{n})"


def test_a_hidden_empty_cell_the_margins_pin_to_zero_is_shown():
    """Found by the brute-force property above: column 0's published total (7) equals its
    published cell, so its two hidden empty cells could only be 0 — an « s » anyone could read.
    They are shown as 0 now (nothing new is told), the primary cell stays protected."""
    n = np.array([[0, 1], [0, 3], [7, 0]])
    primary, hidden = protect_table(n, 3)
    assert not hidden[0, 0] and not hidden[1, 0]
    assert hidden[0, 1] and primary[0, 1]
    for cell, vals in feasible_values(n, hidden).items():
        assert len(vals) >= 2, cell


@settings(max_examples=200, deadline=None)
@given(count_tables(), st.integers(3, 12))
def test_no_bridge_left(n, threshold):
    _, hidden = protect_table(n, threshold)
    assert not exposed_cells(hidden).any()


@pytest.mark.parametrize("bad", [np.zeros(3), np.zeros((2, 2, 2))])
def test_rejects_non_table(bad):
    with pytest.raises(ValueError, match="2-D count table"):
        protect_table(bad, 11)
