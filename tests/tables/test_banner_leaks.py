"""Leak-safety across the questions of one banner.

Questions of a banner are usually answered by the same respondents, so a group's total
(respondents in the group) is the same number in every question: a total hidden in one
question and published in another would be recovered, and with it the hidden cells of the
first. ``banner`` hides a group's total in every question of the breakdown once it is hidden in
one (tested here by an attacker who reads every published total of every question).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arefie_studies.tables import CELL_COLUMNS, TOTAL, BannerTable, exposed_cells


def _cells(splits: list[np.ndarray]) -> pd.DataFrame:
    """Banner cells of questions q0, q1, … (``splits[k]``: (levels, groups) counts) by ``b``."""
    rows = []
    for k, n in enumerate(splits):
        n_lev, n_groups = n.shape
        tot = n.sum(axis=1)
        for i in range(n_lev):
            p = tot[i] / max(tot.sum(), 1)
            rows.append(dict(question=f"q{k}", kind="proportion", level=f"l{i}", breakdown="",
                             group=TOTAL, estimate=p, se=0.01, ci_low=p, ci_high=p, n=int(tot[i]),
                             N=float(tot[i]), diff=np.nan, diff_se=np.nan, p_value=np.nan))
        for j in range(n_groups):
            for i in range(n_lev):
                p = n[i, j] / max(n[:, j].sum(), 1)
                rows.append(dict(question=f"q{k}", kind="proportion", level=f"l{i}",
                                 breakdown="b", group=f"g{j}", estimate=p, se=0.01, ci_low=p,
                                 ci_high=p, n=int(n[i, j]), N=float(n[i, j]), diff=0.0,
                                 diff_se=0.01, p_value=0.5))
    return pd.DataFrame(rows, columns=list(CELL_COLUMNS))


def _attacker_masks(t: BannerTable, n_q: int, n_lev: int, n_groups: int) -> list[np.ndarray]:
    """Per question, the (levels + 1, groups + 1) mask of what stays unknown to an attacker who
    reads every question: a group total published in any question is known in all."""
    c, tot = t.cells, t.totals
    known_total = np.zeros(n_groups, dtype=bool)
    for j in range(n_groups):
        known_total[j] = (~tot[(tot.breakdown == "b") & (tot.group == f"g{j}")].suppressed).any()
    masks = []
    for k in range(n_q):
        q = c[c.question == f"q{k}"]
        m = np.zeros((n_lev + 1, n_groups + 1), dtype=bool)
        for r in q.itertuples():
            i = int(r.level[1:])
            j = n_groups if r.breakdown == "" else int(r.group[1:])
            m[i, j] = r.suppressed
        m[-1, :-1] = ~known_total
        m[-1, -1] = bool(tot[(tot.question == f"q{k}") & (tot.breakdown == "")].suppressed.iloc[0])
        masks.append(m)
    return masks


def test_total_published_in_one_question_no_longer_reveals_another():
    # Found by search on the previous rule: q0 hid g3's total (26) as a complement of g1's (4)
    # while q1 published 26; the grand total minus the published totals then gave g1 = 4.
    splits = [np.array([[15, 0, 8, 23], [27, 4, 20, 3]]),
              np.array([[28, 3, 20, 26], [14, 1, 8, 0]]),
              np.array([[37, 1, 1, 17], [5, 3, 27, 9]])]
    t = BannerTable.from_cells(_cells(splits), threshold=11)
    tot = t.totals[t.totals.breakdown == "b"]
    hidden = tot.groupby("group")["suppressed"].agg(["min", "max"])
    assert (hidden["min"] == hidden["max"]).all()  # each group: hidden everywhere or nowhere
    assert hidden.loc["g1", "max"]  # the small group stays hidden
    for m in _attacker_masks(t, 3, 2, 4):
        assert not exposed_cells(m).any()


@st.composite
def banners(draw):
    n_groups = draw(st.integers(2, 4))
    n_lev = draw(st.integers(2, 3))
    n_q = draw(st.integers(2, 3))
    bases = draw(st.lists(st.integers(0, 40), min_size=n_groups, max_size=n_groups))
    splits = []
    for _ in range(n_q):
        cols = []
        for b in bases:
            cuts = sorted(draw(st.lists(st.integers(0, b), min_size=n_lev - 1,
                                        max_size=n_lev - 1)))
            cols.append(np.diff([0, *cuts, b]))
        splits.append(np.stack(cols, axis=1))
    return splits


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(banners(), st.integers(3, 12))
def test_no_cell_recoverable_across_questions(splits, threshold):
    """Same respondents in every question: every hidden cell or total stays unknown to an
    attacker who combines all questions' published totals, and every count under the
    threshold is hidden."""
    n_q = len(splits)
    n_lev, n_groups = splits[0].shape
    t = BannerTable.from_cells(_cells(splits), threshold=threshold)
    c = t.cells
    small = (c.n > 0) & (c.n < threshold)
    assert c.loc[small, "suppressed"].all()
    tot = t.totals[t.totals.breakdown == "b"]
    assert (tot.groupby("group")["suppressed"].nunique() == 1).all()
    for m in _attacker_masks(t, n_q, n_lev, n_groups):
        assert not exposed_cells(m).any()
