"""CLARA on aggregated sequences (WeightedCluster::seqclararange) against full PAM / Ward."""

from __future__ import annotations

import numpy as np
import pytest

from arefie_studies.methods import StateSequences, pam, sequence_distances, ward_tree
from arefie_studies.methods.clara import seq_clara
from arefie_studies.methods.sequences import (
    SequenceDataError,
    adjusted_rand_index,
    substitution_costs,
)


def markov(n: int, months: int, seed: int, persistence: float = 0.85) -> np.ndarray:
    rng = np.random.default_rng(seed)
    codes = np.empty((n, months), dtype=np.int64)
    codes[:, 0] = rng.choice(5, size=n, p=[0.35, 0.25, 0.2, 0.1, 0.1])
    for t in range(1, months):
        move = rng.random(n) > persistence
        codes[:, t] = np.where(move, rng.integers(0, 5, size=n), codes[:, t - 1])
    return codes


def separated(n_per: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Three prototypes (state 0, 1 or 2 all along) with 1-2 months flipped to state 3/4."""
    rng = np.random.default_rng(seed)
    rows, truth = [], []
    for c in range(3):
        block = np.full((n_per, 18), c)
        for i in range(n_per):
            pos = rng.choice(18, size=rng.integers(0, 3), replace=False)
            block[i, pos] = rng.integers(3, 5, size=pos.size)
        rows.append(block)
        truth += [c] * n_per
    return np.vstack(rows), np.asarray(truth)


ALPHA = ["emploi", "formation", "chomage", "inactif", "etudes"]


@pytest.mark.parametrize("method", ["OM", "HAM"])
def test_cross_distances_equal_the_distance_matrix(method):
    from arefie_studies.methods._clara_kernels import ham_cross, om_cross

    codes = markov(60, 12, 3)
    seqs = StateSequences.from_codes(codes, ALPHA)
    sm = substitution_costs(seqs, "TRATE")
    full = sequence_distances(seqs, method, sm=sm, indel=float(sm.max()) / 2)
    meds = np.array([4, 17, 33])
    c = np.ascontiguousarray(codes)
    if method == "OM":
        lens = np.full(60, 12, dtype=np.int64)
        d = om_cross(c, lens, c[meds], lens[meds], sm, np.full(5, float(sm.max()) / 2))
    else:
        d = ham_cross(c, c[meds], sm)
    np.testing.assert_allclose(d, full[:, meds], rtol=1e-12, atol=1e-12)


def test_sample_covering_everything_is_full_weighted_pam():
    codes = markov(400, 12, 5, persistence=0.9)
    seqs = StateSequences.from_codes(codes, ALPHA)
    res = seq_clara(seqs, 4, method="OM", sm="TRATE", sample_size=10_000, seed=2)
    uniq, inv, cnt = np.unique(codes, axis=0, return_inverse=True, return_counts=True)
    sm = substitution_costs(seqs, "TRATE")
    d = sequence_distances(StateSequences.from_codes(uniq, ALPHA), "OM", sm=sm, indel=float(sm.max()) / 2)
    ref = pam(d, 4, weights=cnt.astype(float))
    assert res.n_distinct == uniq.shape[0]
    np.testing.assert_allclose(res.cost, ref.cost, rtol=1e-12)
    assert adjusted_rand_index(res.labels, ref.labels[inv.ravel()]) == pytest.approx(1.0)
    assert np.array_equal(np.sort(res.distinct_weights), np.sort(cnt.astype(float)))


def test_well_separated_clusters_found_exactly():
    codes, truth = separated(300, 11)
    seqs = StateSequences.from_codes(codes, ALPHA)
    res = seq_clara(seqs, 3, method="OM", sm="CONSTANT", n_samples=10, seed=4)
    d = sequence_distances(seqs, "OM", sm="CONSTANT")
    full_pam = pam(d, 3)
    ward = ward_tree(d).cut(3)
    assert adjusted_rand_index(res.labels, truth) == 1.0
    assert adjusted_rand_index(res.labels, full_pam.labels) == 1.0
    assert adjusted_rand_index(res.labels, ward) == 1.0
    # each medoid is the pure prototype of its cluster
    assert sorted(tuple(codes[m]) for m in res.medoids) == [tuple([c] * 18) for c in range(3)]


def test_reproducible_and_best_sample_kept():
    codes = markov(2000, 12, 8)
    seqs = StateSequences.from_codes(codes, ALPHA)
    a = seq_clara(seqs, 5, n_samples=8, seed=3)
    b = seq_clara(seqs, 5, n_samples=8, seed=3)
    assert np.array_equal(a.labels, b.labels) and a.cost == b.cost
    assert a.cost == a.samples["cost"].min()
    # the reported cost is the weighted distance of every youth to their medoid
    sm = substitution_costs(seqs, "TRATE")
    meds = StateSequences.from_codes(codes[a.medoids], ALPHA)
    both = StateSequences.from_codes(np.vstack([codes, codes[a.medoids]]), ALPHA)
    d = sequence_distances(both, "OM", sm=sm, indel=float(sm.max()) / 2)[:2000, 2000:]
    assert len(meds) == 5
    np.testing.assert_allclose(d[np.arange(2000), a.labels - 1].sum(), a.cost, rtol=1e-10)
    # every youth is with (one of) their nearest medoid(s)
    np.testing.assert_array_equal(d[np.arange(2000), a.labels - 1], d.min(axis=1))


def test_clear_errors():
    seqs = StateSequences.from_codes(markov(30, 6, 1), ALPHA)
    with pytest.raises(SequenceDataError, match="k: expected"):
        seq_clara(seqs, 0)
    with pytest.raises(SequenceDataError, match="method"):
        seq_clara(seqs, 2, method="DHD")


def test_read_monthly_sequences_reads_three_columns(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from arefie_studies.methods.clara import read_monthly_sequences

    states = pa.array(["A", "B", "C"])
    t = pa.table({
        "id_jeune": ["x", "x", "y", "x", "y", "z"],
        "mois": pa.array([2, 1, 1, 3, 2, 1], pa.int16()),
        "situation": pa.DictionaryArray.from_arrays(pa.array([1, 0, 2, 1, 2, 0], pa.int8()), states),
        "other": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
    })
    path = tmp_path / "m.parquet"
    pq.write_table(t, path)
    s = read_monthly_sequences(path)
    assert list(s.alphabet) == ["A", "B", "C"]
    np.testing.assert_array_equal(s.codes, [[0, 1, 1], [2, 2, -1], [0, -1, -1]])  # x, y, z: first appearance
    assert read_monthly_sequences(path, n_months=2).codes.shape == (3, 2)
    with pytest.raises(SequenceDataError, match="cannot read columns"):
        read_monthly_sequences(path, state="etat")
