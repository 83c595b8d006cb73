"""CEJ typology at national scale: above ``MAX_DISTINCT_FULL`` distinct sequences the typology
takes the CLARA path (aggregated identical sequences + medoids, WeightedCluster
``seqclararange``) and still returns a valid typology; the regional data stay on the Ward path."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from arefie_studies.methods import StateSequences
from arefie_studies.methods.clara import ClaraResult, medoid_silhouette
from arefie_studies.studies import _cej_sequences as Q

ROOT = Path(__file__).resolve().parents[2]
SYN = ROOT / "data" / "synthetic"


@pytest.fixture(scope="module")
def seqs():
    sit = pd.read_parquet(SYN / "cej_situations.parquet")
    s = Q.build_sequences(sit, 12, pd.Timestamp("2025-03-31"))
    return StateSequences.from_codes(s.codes.astype(np.int64), Q.ALPHABET)


def test_regional_data_stay_on_the_full_ward_path(seqs):
    distinct = np.unique(seqs.codes, axis=0).shape[0]
    assert distinct <= Q.MAX_DISTINCT_FULL
    typ = Q.compute_typology(StateSequences.from_codes(seqs.codes[:2000], Q.ALPHABET))
    assert list(typ.quality.columns) == ["k", "ASW", "R2"]


def test_clara_path_above_the_threshold_gives_a_valid_typology(seqs):
    sub = StateSequences.from_codes(seqs.codes[:4000], Q.ALPHABET)
    distinct = np.unique(sub.codes, axis=0).shape[0]
    assert distinct > 200
    typ = Q.compute_typology(sub, max_distinct=200, clara_samples=3)
    q = typ.quality
    assert list(q.columns) == ["k", "AMS", "method"] and set(q["method"]) == {"CLARA"}
    assert list(q["k"]) == [4, 5, 6]
    assert ((q["AMS"] > -1) & (q["AMS"] <= 1)).all()
    assert typ.k == int(q.loc[q["AMS"].idxmax(), "k"])
    types = typ.assign(sub)
    assert len(types) == sub.n_sequences and not (np.asarray(types.codes) < 0).any()
    assert sorted(np.unique(types.codes)) == list(range(typ.k))
    assert len(set(typ.names)) == typ.k and all(re.match(r"^\d\. [A-ZÉ]", n) for n in typ.names)
    # types numbered by their share of months in employment, most employed first
    idx = [Q.ALPHABET.index(s) for s in Q.EMPLOYED]
    emp = np.isin(sub.codes, idx).sum(1) / np.maximum(sub.lengths, 1)
    assert pd.Series(emp).groupby(np.asarray(types.codes)).mean().is_monotonic_decreasing
    # a fixed number of types on the CLARA path
    five = Q.compute_typology(sub, n_types=5, max_distinct=200, clara_samples=2)
    assert five.k == 5 and list(five.quality["k"]) == [5]


def test_medoid_silhouette_by_hand():
    d = np.array([[0.0, 2.0, 4.0], [1.0, 3.0, 1.0], [2.0, 1.0, 5.0]])
    r = ClaraResult(labels=np.array([1, 1, 2]), medoids=np.array([0, 1, 2]), cost=0.0,
                    distinct_codes=np.zeros((3, 2)), distinct_weights=np.array([1.0, 2.0, 1.0]),
                    distinct_labels=np.array([1, 1, 2]), samples=pd.DataFrame(),
                    medoid_distances=d)
    s = np.array([(2 - 0) / 2, 0.0, (2 - 1) / 2])  # row 2: tie d1 = d2 = 1
    assert medoid_silhouette(r) == pytest.approx((s[0] + 2 * s[1] + s[2]) / 4)
