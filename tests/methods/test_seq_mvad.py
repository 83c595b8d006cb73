"""TraMineR's mvad example: exact distance definitions, TRATE costs, Ward (agnes) into 4 clusters.

Published result (TraMineR user guide, Gabadinho et al. 2011): mvad columns 17:86, OM with
indel 1 and unweighted TRATE substitution costs, ``cluster::agnes(method="ward")``, cut at 4
→ 265 / 153 / 194 / 100 youths.

``data/mvad_cluster_reference.json`` holds what R's cluster 2.1.4 gives on the OM matrix computed
here (script ``data/make_mvad_cluster_reference.R``; TraMineR itself is not installed).
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from arefie_studies.methods.sequences import (
    StateSequences,
    adjusted_rand_index,
    cluster_quality,
    pam,
    sequence_distances,
    substitution_costs,
    transition_rates,
    ward_tree,
)

ROOT = Path(__file__).resolve().parents[1]
MVAD = ROOT / "reference" / "data" / "mvad.csv"
REF = json.loads((Path(__file__).parent / "data" / "mvad_cluster_reference.json").read_text())
ALPHABET = ["employment", "FE", "HE", "joblessness", "school", "training"]
LABELS = ["Emploi", "Formation continue", "Études supérieures", "Chômage", "Lycée", "Stage"]


@pytest.fixture(scope="module")
def mvad() -> pd.DataFrame:
    return pd.read_csv(MVAD)


@pytest.fixture(scope="module")
def seqs(mvad) -> StateSequences:
    # R: seqdef(mvad, 17:86, alphabet = mvad.alphabet)  (1-based columns 17..86 = Sep.93..Jun.99)
    return StateSequences(mvad, list(mvad.columns[16:86]), alphabet=ALPHABET, labels=LABELS)


@pytest.fixture(scope="module")
def om(seqs) -> np.ndarray:
    return sequence_distances(seqs, "OM", sm="TRATE", indel=1.0)


def test_mvad_columns(seqs):
    assert seqs.n_sequences == 712 and seqs.n_months == 70
    assert seqs.time[0] == "Sep.93" and seqs.time[-1] == "Jun.99"
    assert not seqs.has_missing and not seqs.has_void


def test_trate_costs_by_hand(mvad, seqs):
    """p(j|i) = #(i at t, j at t+1) / #(i at t, t < L) over all youths; cost 2 − p(j|i) − p(i|j)."""
    block = mvad.iloc[:, 16:86].to_numpy()
    counts = pd.crosstab(block[:, :-1].ravel(), block[:, 1:].ravel()).reindex(
        index=ALPHABET, columns=ALPHABET, fill_value=0
    )
    p = counts.to_numpy() / counts.to_numpy().sum(axis=1, keepdims=True)
    expected = 2 - p - p.T
    np.fill_diagonal(expected, 0)
    np.testing.assert_allclose(substitution_costs(seqs, "TRATE"), expected, rtol=0, atol=1e-14)
    tr = transition_rates(seqs)
    np.testing.assert_allclose(tr.to_numpy(), p, atol=1e-14)
    assert tr.index[0] == "[Emploi ->]" and tr.columns[3] == "[-> Chômage]"


def test_ham_equals_number_of_differing_months(seqs):
    c = seqs.codes
    exact = (c[:, None, :] != c[None, :, :]).sum(axis=2)
    np.testing.assert_array_equal(sequence_distances(seqs, "HAM"), exact)


def _lcs_len(x, y) -> int:
    prev = [0] * (len(y) + 1)
    for a in x:
        cur = [0]
        for j, b in enumerate(y):
            cur.append(prev[j] + 1 if a == b else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


def test_lcs_equals_definition_on_a_subset(seqs):
    sub = seqs.subset(np.arange(0, 712, 24))
    d = sequence_distances(sub, "LCS")
    rows = [list(r) for r in sub.codes]
    n = len(rows)
    brute = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            brute[i, j] = brute[j, i] = 140 - 2 * _lcs_len(rows[i], rows[j])
    np.testing.assert_array_equal(d, brute)


def test_lcs_is_om_with_indel_1_and_substitution_2(seqs):
    sub = seqs.subset(np.arange(0, 712, 3))
    np.testing.assert_array_equal(
        sequence_distances(sub, "LCS"), sequence_distances(sub, "OM", sm="CONSTANT", indel=1.0)
    )


def test_om_is_a_metric_below_hamming(om, seqs):
    assert np.allclose(om, om.T) and np.all(np.diag(om) == 0)
    ham_trate = sequence_distances(seqs, "HAM", sm="TRATE")
    assert np.all(om <= ham_trate + 1e-9)  # Hamming is one admissible alignment
    s = np.arange(0, 712, 9)
    sub = om[np.ix_(s, s)]
    assert np.all(sub[:, :, None] <= sub[:, None, :] + sub.T[None, :, :] + 1e-9)


def test_ward_agnes_reproduces_published_clusters(om):
    labels = ward_tree(om).cut(4)
    # TraMineR user guide: 265, 153, 194, 100 (cutree numbering by first appearance)
    assert np.bincount(labels)[1:].tolist() == [265, 153, 194, 100]
    # R: cutree(as.hclust(agnes(as.dist(om), diss=TRUE, method="ward")), k=4)
    np.testing.assert_array_equal(labels, REF["agnes_cl4"])
    assert adjusted_rand_index(labels, REF["agnes_cl4"]) == 1.0


def test_ward_heights_match_agnes(om):
    tr = ward_tree(om)
    np.testing.assert_allclose(np.sort(tr.heights)[-10:], REF["agnes_top_heights"], rtol=1e-10)


def test_scipy_ward_differs_only_by_tie_breaking(om):
    """scipy's NN-chain Ward (= hclust ward.D2 criterion) breaks the many ties of mvad otherwise.

    490 distinct sequences for 712 youths: duplicated rows give exactly equal dissimilarities and
    after Lance–Williams updates near-equal ones, so the merge order — and the top of the tree —
    depends on tie-breaking. R itself gives 291/229/102/90 with hclust(ward.D2) on the same matrix.
    scipy is the independent check here (the package has one Ward: agnes').
    """
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    agnes = ward_tree(om)
    z = linkage(squareform(om, checks=False), method="ward")
    sp = fcluster(z, 4, "maxclust")
    ari = adjusted_rand_index(agnes.cut(4), sp)
    assert 0.5 < ari < 1.0
    assert sorted(np.bincount(sp)[1:].tolist()) != sorted(REF["agnes_sizes"])
    # the criterion is the same: both trees have the same number of merges
    assert len(z) == len(agnes.heights) == 711


def test_pam_matches_cluster_pam(om):
    res = pam(om, 4)
    # R: pam(as.dist(om), k=4, diss=TRUE)$objective["swap"] (mean distance to medoid)
    assert res.cost / 712 == pytest.approx(REF["pam_objective"][1], rel=1e-12)
    assert adjusted_rand_index(res.labels, REF["pam_clustering"]) == 1.0
    r_meds = np.array(REF["pam_medoids"]) - 1
    # medoids equal up to identical sequences (exact ties in PAM)
    assert np.all(np.min(om[np.ix_(res.medoids, r_meds)], axis=1) == 0)


def test_asw_matches_cluster_silhouette(om):
    q = cluster_quality(om, REF["agnes_cl4"])
    # R: summary(silhouette(cl, as.dist(om)))$avg.width
    assert q["ASW"] == pytest.approx(REF["asw_agnes4"], rel=1e-12)


def test_weighted_trate_uses_the_weights(mvad, seqs):
    w = mvad["weight"].to_numpy()
    block = mvad.iloc[:, 16:86].to_numpy()
    frm, to = block[:, :-1], block[:, 1:]
    ww = np.repeat(w, 69)
    tab = pd.crosstab(frm.ravel(), to.ravel(), values=ww, aggfunc="sum").reindex(
        index=ALPHABET, columns=ALPHABET
    )
    p = tab.fillna(0).to_numpy()
    p = p / p.sum(axis=1, keepdims=True)
    exp = 2 - p - p.T
    np.fill_diagonal(exp, 0)
    np.testing.assert_allclose(substitution_costs(seqs, "TRATE", weights=w), exp, atol=1e-13)


def test_dhd_equals_traminer_definition(mvad, seqs):
    """Time-varying TRATE costs re-derived with TraMineR's seqcost loops (tratecostBoth, cval 4)."""
    block = mvad.iloc[:, 16:86].to_numpy()
    L, a = 70, len(ALPHABET)
    tr = np.zeros((a, a, L - 1))
    for t in range(L - 1):
        for x, sx in enumerate(ALPHABET):
            from_x = block[:, t] == sx
            if from_x.sum() == 0:
                continue
            for y, sy in enumerate(ALPHABET):
                tr[x, y, t] = np.sum(from_x & (block[:, t + 1] == sy)) / from_x.sum()
    costs = np.zeros((a, a, L))
    for t in range(L):
        for i in range(a - 1):
            for j in range(i + 1, a):
                cost = 0.0
                if t > 0:
                    cost -= tr[i, j, t - 1] + tr[j, i, t - 1]
                if t < L - 1:
                    cost -= tr[i, j, t] + tr[j, i, t]
                cost = 4 + cost if 0 < t < L - 1 else 4 + 2 * cost
                costs[i, j, t] = costs[j, i, t] = max(0.0, cost)
    np.testing.assert_allclose(
        substitution_costs(seqs, "TRATE", time_varying=True), np.moveaxis(costs, 2, 0), atol=1e-13
    )
    d = sequence_distances(seqs, "DHD")
    pick = np.arange(0, 712, 25)
    c = seqs.codes
    for i in pick:
        for j in pick:
            exact = sum(costs[c[i, t], c[j, t], t] for t in range(L))
            assert d[i, j] == pytest.approx(exact, abs=1e-10)
