"""indel="auto" follows TraMineR's seqdist/seqcost rule, whatever form ``sm`` takes.

TraMineR (seqdist.R, seqcost.R):
- sm a matrix          -> indel = max(sm) / 2
- sm = "CONSTANT"      -> indel = seqcost()$indel = 1
- sm = "TRATE" (OM)    -> indel = 0.5 * max(TRATE costs), taken *before* seqcost overwrites
                          the missing-state costs with miss.cost
"""

import numpy as np
import pandas as pd
import pytest

from arefie_studies.methods.sequences import (
    SequenceDataError,
    StateSequences,
    sequence_distances,
)


def _wide(rows):
    return pd.DataFrame([list(r) for r in rows], columns=[f"m{i + 1}" for i in range(len(rows[0]))])


def _om_reference(x, y, sub, indel):
    """Plain Needleman–Wunsch edit distance (reference for the compiled kernel)."""
    n, m = len(x), len(y)
    d = np.zeros((n + 1, m + 1))
    d[1:, 0] = np.cumsum([indel[a] for a in x])
    d[0, 1:] = np.cumsum([indel[b] for b in y])
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            d[i, j] = min(
                d[i - 1, j] + indel[x[i - 1]],
                d[i, j - 1] + indel[y[j - 1]],
                d[i - 1, j - 1] + sub[x[i - 1], y[j - 1]],
            )
    return d[n, m]


# AAB, ABB, BBA: from A: AA 1, AB 2 -> p(B|A) = 2/3; from B: BB 2, BA 1 -> p(A|B) = 1/3
# TRATE cost A-B = 2 - 2/3 - 1/3 = 1  ->  indel "auto" = 0.5
ROWS = ["AAB", "ABB", "BBA", "BAB"]


@pytest.fixture(scope="module")
def seqs():
    return StateSequences(_wide(ROWS))


def _reference_matrix(rows, sub, indel_value, alphabet="AB"):
    codes = [[alphabet.index(c) for c in r] for r in rows]
    ind = [indel_value] * sub.shape[0]
    return np.array([[_om_reference(a, b, sub, ind) for b in codes] for a in codes])


def test_auto_with_trate_is_half_the_largest_trate_cost(seqs):
    # with BAB added: from A: AA 1, AB 3 -> p(B|A) = 3/4; from B: BB 2, BA 2 -> p(A|B) = 1/2
    cost = 2 - 3 / 4 - 1 / 2
    sub = np.array([[0.0, cost], [cost, 0.0]])
    got = sequence_distances(seqs, "OM", sm="TRATE", indel="auto")
    np.testing.assert_allclose(got, _reference_matrix(ROWS, sub, cost / 2), rtol=0, atol=1e-12)
    # hand-worked: AAB vs BAB = one substitution (0.75) vs two indels (2 × 0.375): both 0.75
    assert got[0, 3] == pytest.approx(0.75, abs=1e-12)
    # AAB vs BBA by the reference DP with indel 0.375
    assert got[0, 2] == pytest.approx(_om_reference([0, 0, 1], [1, 1, 0], sub, [0.375] * 2))


def test_auto_with_constant_is_one(seqs):
    got = sequence_distances(seqs, "OM", sm="CONSTANT", indel="auto")
    sub = np.array([[0.0, 2.0], [2.0, 0.0]])
    np.testing.assert_allclose(got, _reference_matrix(ROWS, sub, 1.0), rtol=0, atol=1e-12)
    # sm None is CONSTANT
    np.testing.assert_array_equal(got, sequence_distances(seqs, "OM", indel="auto"))
    # AAB vs BBA = |x| + |y| - 2·LCS = 3 + 3 - 2 = 4 (indel 1, substitution 2)
    assert got[0, 2] == 4.0


@pytest.mark.parametrize(
    "as_type",
    [
        lambda m: m,
        lambda m: m.astype(int),
        lambda m: m.tolist(),
        lambda m: pd.DataFrame(m, index=["A->", "B->"], columns=["A->", "B->"]),
    ],
    ids=["ndarray", "int-ndarray", "nested-list", "DataFrame"],
)
def test_auto_with_a_cost_matrix_in_any_form(seqs, as_type):
    sub = np.array([[0.0, 3.0], [3.0, 0.0]])
    got = sequence_distances(seqs, "OM", sm=as_type(sub), indel="auto")
    np.testing.assert_allclose(got, _reference_matrix(ROWS, sub, 1.5), rtol=0, atol=1e-12)
    # AAB vs BAB: substitution 3 = two indels 1.5 + 1.5
    assert got[0, 3] == 3.0


def test_auto_with_an_asymmetric_state_cost_matrix():
    # three states, the largest cost is B-C = 5 -> indel 2.5 for every state
    rows = ["ABC", "CBA", "AAC"]
    s = StateSequences(_wide(rows))
    sub = np.array([[0, 1, 2], [1, 0, 5], [2, 5, 0]], dtype=float)
    got = sequence_distances(s, "OM", sm=sub, indel="auto")
    np.testing.assert_allclose(got, _reference_matrix(rows, sub, 2.5, "ABC"), atol=1e-12)


def test_auto_with_trate_and_missing_uses_costs_before_miss_cost():
    # A-B (missing in the middle of the 4th sequence) with.missing = TRUE:
    # from A: AA 1, AB 2, A* 1 -> p(B|A) = 1/2, p(*|A) = 1/4;
    # from B: BB 2, BA 1 -> p(A|B) = 1/3;   from *: *B 1 -> p(B|*) = 1
    # TRATE costs: A-B = 2 - 1/2 - 1/3 = 7/6; A-* = 2 - 1/4 = 7/4; B-* = 2 - 1 = 1
    # seqcost: $indel = 0.5 * 7/4 = 7/8, then A-* and B-* are set to miss.cost = 2
    s = StateSequences(_wide(["AAB", "ABB", "BBA", "A-B"]), missing_values=["-"])
    got = sequence_distances(s, "OM", sm="TRATE", indel="auto", with_missing=True)
    sub = np.array([[0, 7 / 6, 2], [7 / 6, 0, 2], [2, 2, 0]])
    codes = [[0, 0, 1], [0, 1, 1], [1, 1, 0], [0, 2, 1]]
    ref = np.array([[_om_reference(a, b, sub, [7 / 8] * 3) for b in codes] for a in codes])
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-12)
    # AAB vs A*B: substituting A by * costs 2 > deleting A and inserting * (2 × 7/8)
    assert got[0, 3] == pytest.approx(7 / 4, abs=1e-12)


def test_auto_ignored_for_lcs_and_ham(seqs):
    np.testing.assert_array_equal(
        sequence_distances(seqs, "LCS", indel="auto"), sequence_distances(seqs, "LCS")
    )
    np.testing.assert_array_equal(
        sequence_distances(seqs, "HAM", sm=[[0, 3], [3, 0]], indel="auto"),
        sequence_distances(seqs, "HAM", sm=np.array([[0, 3.0], [3.0, 0]])),
    )


def test_bad_cost_matrices_are_clear_errors(seqs):
    with pytest.raises(SequenceDataError, match=r"shape \(2, 2\).*\['A', 'B'\]"):
        sequence_distances(seqs, "OM", sm=[[0, 1, 1], [1, 0, 1], [1, 1, 0]], indel="auto")
    with pytest.raises(SequenceDataError, match="numeric cost matrix"):
        sequence_distances(seqs, "OM", sm=[["0", "x"], ["x", "0"]], indel="auto")
    with pytest.raises(SequenceDataError, match="finite"):
        sequence_distances(seqs, "OM", sm=[[0, np.nan], [np.nan, 0]], indel="auto")
    with pytest.raises(SequenceDataError, match="indel"):
        sequence_distances(seqs, "OM", sm="TRATE", indel="half")
