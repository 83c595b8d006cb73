"""Disclosure audit: the feasible interval of each hidden cell, and the protection rule.

The auditor is checked against the brute-force attacker of ``test_suppress`` (every integer table
consistent with what is published), then ``protect_table`` is checked to leave no hidden value
pinned to an interval narrower than the threshold.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_suppress import count_tables, enumeration_size, feasible_values

from arefie_studies.tables import DisclosureError, audit_disclosure, exposed_cells, protect_table
from arefie_studies.tables._audit import flow_width, margin_mask

DURATIONS = np.array([[3, 4, 30], [20, 25, 40]])


def _interval(audit, r, c):
    row = audit.cells[(audit.cells["row"] == r) & (audit.cells["col"] == c)].iloc[0]
    return row["low"], row["high"]


def test_hand_worked_durations_old_pattern_leaks():
    # The pattern the bridge-only rule accepted: 3 and 4 hidden, with 20 and 25 as their cycle.
    old = np.zeros((3, 4), dtype=bool)
    old[0, 0] = old[0, 1] = old[1, 0] = old[1, 1] = True
    assert not exposed_cells(old).any()  # no hidden cell is determined exactly ...
    _, legacy = protect_table(DURATIONS, 11, min_width=0)
    np.testing.assert_array_equal(legacy, old)  # ... and it is what the old rule produced
    audit = audit_disclosure(DURATIONS, old, 11)
    # ... but row 0 publishes 37 = 3 + 4 + 30: the two hidden cells share 7 youths, each is in
    # [0, 7] (and 20, 25 move with them: [16, 23], [22, 29]).
    assert _interval(audit, 0, 0) == (0, 7) and _interval(audit, 0, 1) == (0, 7)
    assert _interval(audit, 1, 0) == (16, 23) and _interval(audit, 1, 1) == (22, 29)
    assert not audit.ok and len(audit.failures) == 4


def test_hand_worked_durations_new_rule_protects():
    primary, hidden = protect_table(DURATIONS, 11)
    assert primary[0, 0] and primary[0, 1] and primary.sum() == 2
    # the cycle has to go through the 30 and the 40 (3 + 30 - 40 - 20 ...): both rows hidden
    expected = np.zeros((3, 4), dtype=bool)
    expected[:2, :3] = True
    np.testing.assert_array_equal(hidden, expected)
    audit = audit_disclosure(DURATIONS, hidden, 11, lower=1)
    assert audit.ok
    # x00 + x10 = 23 and x00 + x01 + x02 = 37 with everything >= 1: x00 in [1, 22]
    assert _interval(audit, 0, 0) == (1, 22)
    assert _interval(audit, 0, 1) == (1, 28)


def test_hand_worked_durations_row_totals_only():
    # only the row totals are published (the durations table of the CEJ report)
    _, old = protect_table(DURATIONS, 11, margins="rows", min_width=0)
    old_audit = audit_disclosure(DURATIONS, old, 11, margins="rows")
    assert _interval(old_audit, 0, 0) == (0, 7) and not old_audit.ok
    _, hidden = protect_table(DURATIONS, 11, margins="rows")
    audit = audit_disclosure(DURATIONS, hidden, 11, margins="rows")
    assert audit.ok
    assert hidden[0, :3].all() and not hidden[1, :3].any()  # the 30 joins the small cells
    assert _interval(audit, 0, 0) == (0, 37)


def test_hidden_margin_is_audited():
    n = np.array([[3, 40], [4, 60]])  # group 0 holds 7: its total is hidden too
    hidden = np.zeros((3, 3), dtype=bool)
    hidden[0, 0] = hidden[1, 0] = hidden[2, 0] = True  # cells and column total, no complement
    audit = audit_disclosure(n, hidden, 11)
    # rows totals 43 and 64 with 40 and 60 published: both cells, and the total 7, are exact
    assert set(audit.failures["width"]) == {0.0}
    assert audit.cells["margin"].sum() == 1
    _, protected = protect_table(n, 11)
    assert audit_disclosure(n, protected, 11, lower=1).ok


def test_unpublished_margins_leave_cells_unbounded():
    n = np.array([[3, 40], [4, 60]])
    hidden = np.zeros((2, 2), dtype=bool)
    hidden[0, 0] = True
    audit = audit_disclosure(n, hidden, 11, margins="none")
    assert audit.ok and audit.cells["high"].iloc[0] == np.inf


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"counts": np.array([1, 2])}, "2-D"), ({"counts": np.array([[1.5, 2]])}, "integer"),
     ({"threshold": 0}, "threshold"), ({"margins": "diagonal"}, "margins"),
     ({"hidden": np.zeros((4, 4), bool)}, "shape")],
)
def test_audit_rejects_bad_input(kwargs, match):
    args = {"counts": np.array([[1, 2], [3, 4]]), "hidden": np.zeros((2, 2), bool),
            "threshold": 11} | kwargs
    with pytest.raises(DisclosureError, match=match):
        audit_disclosure(args.pop("counts"), args.pop("hidden"), args.pop("threshold"), **args)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(count_tables(), st.integers(3, 8), st.integers(0, 2**32 - 1))
def test_audit_matches_brute_force_attacker(n, threshold, seed):
    # any hidden pattern (with margins published): LP bounds = the enumerated integer bounds
    rng = np.random.default_rng(seed)
    hidden = np.zeros((n.shape[0] + 1, n.shape[1] + 1), dtype=bool)
    hidden[:-1, :-1] = rng.random(n.shape) < 0.5
    hidden[-1, :-1] = rng.random(n.shape[1]) < 0.2
    assume(enumeration_size(n, hidden) <= 100_000)
    audit = audit_disclosure(n, hidden, threshold)
    brute = feasible_values(n, hidden)
    for row in audit.cells.itertuples():
        vals = brute[(row.row, row.col)]
        assert (row.low, row.high) == (min(vals), max(vals)), (row, n, hidden)


@st.composite
def tables_with_margins(draw):
    R = draw(st.integers(2, 6))
    C = draw(st.integers(2, 5))
    cells = st.one_of(st.integers(0, 10), st.integers(0, 40))
    n = np.array(draw(st.lists(cells, min_size=R * C, max_size=R * C))).reshape(R, C)
    margins = draw(st.sampled_from(["both", "rows", "columns"]))
    return n, margins


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables_with_margins(), st.integers(3, 15))
def test_protected_tables_pass_the_audit(table, threshold):
    n, margins = table
    primary, hidden = protect_table(n, threshold, margins=margins)
    assert (hidden | ~primary).all()  # every primary cell is hidden
    # the attacker knows that zeros are published, so hidden non-empty cells hold >= 1
    audit = audit_disclosure(n, hidden, threshold, margins=margins, lower=np.minimum(n, 1))
    assert audit.ok, audit.failures
    assert (audit.cells["width"] >= threshold).all()


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables_with_margins(), st.integers(0, 2**32 - 1))
def test_max_flow_width_equals_the_lp_width(table, seed):
    # protect_table measures intervals by max-flow (fast); the audit by linprog: same widths
    n, margins = table
    rng = np.random.default_rng(seed)
    hidden = np.zeros((n.shape[0] + 1, n.shape[1] + 1), dtype=bool)
    hidden[:-1, :-1] = rng.random(n.shape) < 0.5
    hidden[-1, :-1] = rng.random(n.shape[1]) < 0.2
    hidden |= margin_mask(n.shape, margins)
    lower = np.minimum(n, 1)
    audit = audit_disclosure(n, hidden, 5, margins=margins, lower=lower)
    slack = np.full(hidden.shape, np.inf)
    slack[:-1, :-1] = n - lower
    for row in audit.cells.itertuples():
        assert flow_width(slack, hidden, row.row, row.col) == row.width, (row, n, hidden)
