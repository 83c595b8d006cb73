"""StateSequences construction (wide, episodes), missing/void handling, costs by hand, properties."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arefie_studies.methods import _seq_kernels
from arefie_studies.methods.sequences import (
    SequenceDataError,
    StateSequences,
    adjusted_rand_index,
    pam,
    sequence_distances,
    substitution_costs,
    ward_tree,
)


def _wide(rows):
    return pd.DataFrame(rows, columns=[f"m{i + 1}" for i in range(len(rows[0]))])


def test_trate_by_hand_small():
    # AAB, ABB, BBA: from A: AA 1, AB 2 -> p(A|A)=1/3, p(B|A)=2/3; from B: BB 2, BA 1
    s = StateSequences(_wide([list("AAB"), list("ABB"), list("BBA")]))
    assert s.alphabet == ("A", "B")
    sm = substitution_costs(s, "TRATE")
    assert sm[0, 1] == pytest.approx(2 - 2 / 3 - 1 / 3) and sm[0, 0] == 0
    # OM with these costs and indel 1: AAB vs ABB = one substitution (cost 1) or 2 indels (2)
    d = sequence_distances(s, "OM", sm="TRATE", indel=1.0)
    assert d[0, 1] == pytest.approx(1.0)
    # CONSTANT (2) with indel 1: substitution = 2 indels -> 2; HAM default constant 1
    assert sequence_distances(s, "OM")[0, 1] == 2.0
    assert sequence_distances(s, "HAM")[0, 1] == 1.0
    assert sequence_distances(s, "HAM")[0, 2] == 3.0  # AAB vs BBA differ at every position


def test_dhd_costs_by_hand():
    # 4 sequences of length 3 over A, B
    s = StateSequences(_wide([list("AAB"), list("ABB"), list("BBA"), list("AAA")]))
    # transitions t=1->2: A->A (seq 1, 4), A->B (seq 2), B->B (seq 3): p1(B|A)=1/3, p1(A|B)=0
    # transitions t=2->3: A->B (1), B->B (2), B->A (3), A->A (4): p2(B|A)=1/2, p2(A|B)=1/2
    sm = substitution_costs(s, "TRATE", time_varying=True)
    assert sm.shape == (3, 2, 2)
    assert sm[0, 0, 1] == pytest.approx(4 - 2 * (1 / 3 + 0))
    assert sm[1, 0, 1] == pytest.approx(4 - (1 / 3 + 0) - (1 / 2 + 1 / 2))
    assert sm[2, 0, 1] == pytest.approx(4 - 2 * (1 / 2 + 1 / 2))
    d = sequence_distances(s, "DHD")
    # AAB vs ABB differ only at t=2
    assert d[0, 1] == pytest.approx(sm[1, 0, 1])
    assert d[0, 2] == pytest.approx(sm[0, 0, 1] + sm[1, 0, 1] + sm[2, 0, 1])


def test_missing_gap_and_void_tail():
    df = _wide([["A", None, "B", None], ["B", "B", "B", "B"], [None, "A", "A", "A"]])
    s = StateSequences(df)
    a = len(s.alphabet)
    assert s.codes[0].tolist() == [0, a, 1, -1]  # gap = missing, trailing = void
    assert s.codes[2].tolist() == [a, 0, 0, 0]  # leading = missing
    assert s.lengths.tolist() == [3, 4, 4]
    with pytest.raises(SequenceDataError, match="with_missing=True"):
        sequence_distances(s, "OM")
    d = sequence_distances(s, "OM", with_missing=True)
    # row 0 "A * B" vs row 1 "B B B B": best = sub A->B (2) + sub *->B (2) + 1 indel = 5
    assert d[0, 1] == 5.0
    with pytest.raises(SequenceDataError, match="different lengths"):
        sequence_distances(s, "HAM", with_missing=True)
    s2 = StateSequences(df, right="missing")
    assert s2.codes[0, 3] == a and not s2.has_void


def test_unknown_state_and_missing_column_errors():
    df = _wide([["A", "B"], ["A", "C"]])
    with pytest.raises(SequenceDataError, match=r"\['C'\] are not in the alphabet"):
        StateSequences(df, alphabet=["A", "B"])
    with pytest.raises(SequenceDataError, match=r"\['m9'\] not found.*Available columns"):
        StateSequences(df, ["m1", "m9"])
    with pytest.raises(SequenceDataError, match="method"):
        sequence_distances(StateSequences(df), "XYZ")


def test_from_episodes_entry_and_calendar():
    ep = pd.DataFrame(
        {
            "id": [1, 1, 2, 2],
            "debut": pd.to_datetime(["2023-01-10", "2023-03-01", "2023-02-05", "2023-02-20"]),
            "fin": pd.to_datetime(["2023-02-15", None, "2023-03-31", "2023-02-25"]),
            "etat": ["formation", "emploi", "chomage", "stage"],
            "w": [2.0, 2.0, 1.5, 1.5],
        }
    )
    s = StateSequences.from_episodes(
        ep, id="id", start="debut", end="fin", state="etat", n_months=4, weights="w"
    )
    f = s.to_frame()
    # id 1 from its entry (Jan 23): formation Jan, Feb; emploi from Mar (open-ended)
    assert f.loc[1].tolist() == ["formation", "formation", "emploi", "emploi"]
    # id 2 from Feb 23: chomage Feb–Mar, stage starts later in Feb and wins Feb; then void
    assert f.loc[2].tolist()[:2] == ["stage", "chomage"] and pd.isna(f.loc[2].iloc[2])
    assert s.weights.tolist() == [2.0, 1.5]
    c = StateSequences.from_episodes(
        ep, id="id", start="debut", end="fin", state="etat", n_months=3,
        anchor="calendar", grid_start="2023-01", fill="inconnu",
    )  # fmt: skip
    assert c.time == ("2023-01", "2023-02", "2023-03")
    assert c.to_frame().loc[2].tolist() == ["inconnu", "stage", "chomage"]
    # an explicit entry date (e.g. programme start): months before it are dropped
    e = StateSequences.from_episodes(
        ep.assign(entree=pd.to_datetime(["2023-02-01"] * 2 + ["2023-03-01"] * 2)),
        id="id", start="debut", end="fin", state="etat", n_months=2, entry="entree",
    )  # fmt: skip
    assert e.to_frame().loc[1].tolist() == ["formation", "emploi"]
    assert e.to_frame().loc[2].tolist() == ["chomage", None]
    bad = ep.assign(fin=pd.to_datetime(["2022-01-01", None, "2023-03-31", "2023-02-25"]))
    with pytest.raises(SequenceDataError, match="end before they start in rows \\[0\\]"):
        StateSequences.from_episodes(
            bad, id="id", start="debut", end="fin", state="etat", n_months=3
        )
    with pytest.raises(SequenceDataError, match="weights differ"):
        StateSequences.from_episodes(
            ep.assign(w=[1.0, 2.0, 1.0, 1.0]), id="id", start="debut", end="fin", state="etat",
            n_months=3, weights="w",
        )  # fmt: skip


def test_state_distribution_and_mean_time():
    s = StateSequences(_wide([list("AAB"), list("ABB"), list("BBA")]), weights=[1.0, 2.0, 1.0])
    dist = s.state_distribution(with_missing=False)
    first = dist[dist["month"] == "m1"].set_index("state")["share"]
    assert first["A"] == pytest.approx(3 / 4) and first["B"] == pytest.approx(1 / 4)
    assert np.allclose(dist.groupby("month")["share"].sum(), 1)
    mt = s.mean_time().set_index("state")["mean"]
    assert mt["A"] == pytest.approx((2 + 2 * 1 + 1) / 4)
    assert mt.sum() == pytest.approx(3)


def test_dedup_gives_same_as_direct_kernel():
    rng = np.random.default_rng(3)
    codes = rng.integers(0, 3, size=(30, 8))
    codes = np.vstack([codes, codes[:10]])  # duplicates
    s = StateSequences.from_codes(codes, ["a", "b", "c"])
    sm = substitution_costs(s, "TRATE")
    direct = _seq_kernels.om_matrix(codes.astype(np.int64), np.full(40, 8), sm, np.ones(3))
    np.testing.assert_allclose(sequence_distances(s, "OM", sm="TRATE"), direct, atol=1e-12)


def _om_brute(x, y, sub, indel):
    n, m = len(x), len(y)
    d = np.zeros((n + 1, m + 1))
    d[:, 0] = np.arange(n + 1) * indel
    d[0, :] = np.arange(m + 1) * indel
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            d[i, j] = min(
                d[i - 1, j] + indel, d[i, j - 1] + indel, d[i - 1, j - 1] + sub[x[i - 1], y[j - 1]]
            )
    return d[n, m]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 2), min_size=1, max_size=7), min_size=2, max_size=6),
    st.floats(0.5, 3.0),
)
def test_property_om_equals_brute_force(rows, indel):
    L = max(len(r) for r in rows)
    codes = np.array([r + [-1] * (L - len(r)) for r in rows])
    s = StateSequences.from_codes(codes, ["a", "b", "c"])
    sub = np.array([[0, 1.3, 2.0], [1.3, 0, 0.7], [2.0, 0.7, 0]])
    d = sequence_distances(s, "OM", sm=sub, indel=indel)
    for i in range(len(rows)):
        for j in range(len(rows)):
            assert d[i, j] == pytest.approx(_om_brute(rows[i], rows[j], sub, indel), abs=1e-12)


def test_weighted_ward_equals_replicated_rows():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(25, 2))
    d = np.sqrt(((x[:, None] - x[None]) ** 2).sum(-1))
    w = rng.integers(1, 4, size=25)
    lab_w = ward_tree(d, weights=w.astype(float)).cut(4)
    rep = np.repeat(np.arange(25), w)
    lab_r = ward_tree(d[np.ix_(rep, rep)]).cut(4)
    assert adjusted_rand_index(lab_w[rep], lab_r) == 1.0
    # unit weights = unweighted, and agnes = scipy when there are no ties
    np.testing.assert_array_equal(ward_tree(d, weights=np.ones(25)).cut(3), ward_tree(d).cut(3))
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    z = linkage(squareform(d, checks=False), method="ward")
    assert adjusted_rand_index(ward_tree(d).cut(5), fcluster(z, 5, "maxclust")) == 1.0
    np.testing.assert_allclose(np.sort(ward_tree(d).heights), z[:, 2], rtol=1e-12)


def test_weighted_pam_equals_replicated_rows_objective():
    rng = np.random.default_rng(11)
    x = rng.normal(size=(30, 2))
    d = np.sqrt(((x[:, None] - x[None]) ** 2).sum(-1))
    w = rng.integers(1, 4, size=30)
    res = pam(d, 3, weights=w.astype(float))
    rep = np.repeat(np.arange(30), w)
    res_r = pam(d[np.ix_(rep, rep)], 3)
    assert res.cost == pytest.approx(res_r.cost, rel=1e-12)
    # weighted objective is the PAM optimum over all medoid triples (checked exhaustively)
    from itertools import combinations

    best = min(float(w @ d[:, list(c)].min(axis=1)) for c in combinations(range(30), 3))
    assert res.cost <= best + 1e-9


def test_ari_known_values():
    assert adjusted_rand_index([1, 1, 2, 2], [5, 5, 7, 7]) == 1.0
    # Hubert & Arabie: a=[1,1,1,2,2,2], b=[1,1,2,2,3,3] -> ARI = 0.24242...
    assert adjusted_rand_index([1, 1, 1, 2, 2, 2], [1, 1, 2, 2, 3, 3]) == pytest.approx(
        (2 - 6 * 3 / 15) / ((6 + 3) / 2 - 6 * 3 / 15)
    )


def test_indel_options_and_cost_errors():
    s = StateSequences(
        _wide([list("AAB"), list("ABB"), list("BBA"), list("AB-")]), missing_values=["-"]
    )
    # indel "auto" with TRATE = max(sm)/2 (TraMineR seqcost $indel)
    sm = substitution_costs(s, "TRATE")
    np.testing.assert_allclose(
        sequence_distances(s, "OM", sm="TRATE", indel="auto"),
        sequence_distances(s, "OM", sm="TRATE", indel=float(sm.max() / 2)),
    )
    user = np.array([[0, 3.0], [3.0, 0]])
    np.testing.assert_allclose(
        sequence_distances(s, "OM", sm=user, indel="auto"),
        sequence_distances(s, "OM", sm=user, indel=1.5),
    )
    # per-state indel: deleting the final B of "ABB" vs "AB" (void tail) costs indel[B]
    d = sequence_distances(s, "OM", indel=[0.7, 1.9])
    assert d[1, 3] == pytest.approx(1.9)
    with pytest.raises(SequenceDataError, match="indel"):
        sequence_distances(s, "OM", indel=[1.0])
    with pytest.raises(SequenceDataError, match="shape"):
        sequence_distances(s, "OM", sm=np.zeros((3, 3)))
    with pytest.raises(SequenceDataError, match="not relevant for DHD"):
        sequence_distances(s.subset([0, 1, 2]), "DHD", sm="CONSTANT")
    with pytest.raises(SequenceDataError, match="weights=True"):
        sequence_distances(s, "OM", sm="TRATE", weights=True)


def test_wide_dataframe_accepted_directly():
    df = _wide([list("AAB"), list("ABB"), list("BBA")])
    np.testing.assert_array_equal(
        sequence_distances(df, "HAM"), sequence_distances(StateSequences(df), "HAM")
    )
    with pytest.raises(SequenceDataError, match="StateSequences or a wide DataFrame"):
        sequence_distances([[1, 2]], "HAM")
