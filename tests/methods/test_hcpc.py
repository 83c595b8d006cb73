"""HCPC on an MCA: FactoMineR's cut rule, numbering, consolidation, weights, catdes, paragons."""

from __future__ import annotations

from math import comb
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from arefie_studies.methods import HCPC, MCA, HCPCInputError, catdes

REF_DIR = Path(__file__).resolve().parents[1] / "reference"


@pytest.fixture(scope="module")
def tea() -> pd.DataFrame:
    return pd.read_csv(REF_DIR / "data" / "tea.csv")


@pytest.fixture(scope="module")
def tea_mca(tea) -> MCA:
    cols = list(tea.columns)
    return MCA(5).fit(tea, quali_sup=cols[19:], quanti_sup=["age"])


@pytest.fixture(scope="module")
def tea_hcpc(tea_mca) -> HCPC:
    return HCPC(tea_mca)


def test_automatic_cut_is_factominer_rule(tea_hcpc, tea_mca):
    h = tea_hcpc
    gains = h.inertia_gain_.to_numpy()
    # the gains add up to the inertia of the kept axes = sum of the 5 kept eigenvalues
    kept = tea_mca.eigenvalues_["eigenvalue"].to_numpy()[:5].sum()
    assert gains.sum() == pytest.approx(kept, rel=1e-10)
    within = h.within_inertia_
    assert within.loc[1] == pytest.approx(kept, rel=1e-10)
    # min = 3, max = min(10, round(300 / 2)) = 10; k minimises W(k)/W(k-1)
    assert list(h.criterion_.index) == list(range(3, 11))
    ratios = [within.loc[k] / within.loc[k - 1] for k in range(3, 11)]
    np.testing.assert_allclose(h.criterion_.to_numpy(), ratios, rtol=1e-12)
    assert h.n_clusters_ == 3 + int(np.argmin(ratios))
    assert sorted(h.labels_.unique()) == list(range(1, h.n_clusters_ + 1))


def test_clusters_numbered_by_centre_on_dim1(tea_hcpc, tea_mca):
    centres = tea_mca.row_coordinates_.groupby(tea_hcpc.labels_).mean()
    assert centres["Dim 1"].is_monotonic_increasing
    np.testing.assert_allclose(tea_hcpc.centers_.to_numpy(), centres.to_numpy(), rtol=1e-10)
    assert tea_hcpc.sizes_["n"].sum() == 300


def test_consolidation_does_not_increase_within_inertia(tea_mca):
    x = tea_mca.row_coordinates_
    raw = HCPC(tea_mca, n_clusters=4, consolidate=False)
    cons = HCPC(tea_mca, n_clusters=4, consolidate=True)

    def within(labels):
        return float(((x - x.groupby(labels).transform("mean")) ** 2).to_numpy().sum())

    assert within(cons.labels_) <= within(raw.labels_) + 1e-12
    assert cons.between_inertia_ >= raw.between_inertia_before_ - 1e-12
    assert raw.between_inertia_ == pytest.approx(raw.between_inertia_before_, rel=1e-10)


@pytest.mark.parametrize("consolidate", [False, True])
def test_integer_weights_equal_repeated_rows(tea, consolidate):
    df = tea.iloc[:120, :12]
    w = np.tile([1, 2, 3], 40)
    a = HCPC(MCA(4).fit(df, weights=w), n_clusters=4, consolidate=consolidate)
    expanded = df.loc[df.index.repeat(w)]
    b = HCPC(MCA(4).fit(expanded.reset_index(drop=True)), n_clusters=4, consolidate=consolidate)
    np.testing.assert_array_equal(a.labels_.to_numpy()[np.repeat(np.arange(120), w)],
                                  b.labels_.to_numpy())
    np.testing.assert_allclose(a.inertia_gain_.to_numpy()[:20], b.inertia_gain_.to_numpy()[:20],
                               rtol=1e-8)


def test_catdes_by_hand():
    """Cluster 1 = rows 0-3. G: cluster 1 has a a a b, cluster 2 a b b b b b.

    (cluster 1, a): Cla/Mod = 3/4, Mod/Cla = 3/4, Global = 4/10; X ~ H(10, 4, 4):
    P(X = 3) = 24/210, P(X > 3) = 1/210 -> p = min(2*185/210 + 24/210, 2/210 + 24/210) = 26/210.
    x = 1..10: cluster 1 mean 2.5, overall 5.5, population sd sqrt(8.25);
    v = (2.5 - 5.5)/sqrt(8.25) * sqrt(4)/sqrt(6/9); ANOVA SSB = 60, SSW = 22.5, F = 60/(22.5/8).
    Table [[3,1],[1,5]] -> chi2 = 1.96 * (1/1.6 + 2/2.4 + 1/3.6), df 1.
    """
    data = pd.DataFrame({"G": list("aaab") + list("abbbbb"), "x": np.arange(1.0, 11.0)})
    cluster = np.array([1] * 4 + [2] * 6)
    res = catdes(data, cluster, proba=1.0)
    row = res.category.query("cluster == 1 and level == 'a'").iloc[0]
    assert row["Cla/Mod"] == pytest.approx(75.0)
    assert row["Mod/Cla"] == pytest.approx(75.0)
    assert row["Global"] == pytest.approx(40.0)
    p = (2 * comb(4, 4) * comb(6, 0) + comb(4, 3) * comb(6, 1)) / comb(10, 4)
    assert p == pytest.approx(26 / 210)
    assert row["p.value"] == pytest.approx(p, rel=1e-12)
    assert row["v.test"] == pytest.approx(stats.norm.isf(p / 2), rel=1e-12)
    under = res.category.query("cluster == 1 and level == 'b'").iloc[0]
    assert under["v.test"] < 0
    q = res.quanti.query("cluster == 1").iloc[0]
    assert q["Mean in category"] == pytest.approx(2.5)
    assert q["Overall mean"] == pytest.approx(5.5)
    assert q["Overall sd"] == pytest.approx(np.sqrt(8.25))
    assert q["sd in category"] == pytest.approx(np.sqrt(1.25))
    v = (2.5 - 5.5) / np.sqrt(8.25) * 2 / np.sqrt(6 / 9)
    assert q["v.test"] == pytest.approx(v, rel=1e-12)
    assert q["p.value"] == pytest.approx(2 * stats.norm.sf(abs(v)), rel=1e-12)
    qv = res.quanti_var.iloc[0]
    assert qv["Eta2"] == pytest.approx(60 / 82.5, rel=1e-12)
    assert qv["p.value"] == pytest.approx(stats.f.sf(60 / (22.5 / 8), 1, 8), rel=1e-10)
    chi = 1.96 * (1 / 1.6 + 2 / 2.4 + 1 / 3.6)
    assert res.chi2.iloc[0]["p.value"] == pytest.approx(stats.chi2.sf(chi, 1), rel=1e-10)
    # the default threshold keeps only p <= 0.05
    assert catdes(data, cluster).category.empty


def test_catdes_of_hcpc_describes_active_and_supplementary(tea_hcpc):
    cat = tea_hcpc.catdes_.category
    assert set(cat.columns) == {"cluster", "variable", "level", "Cla/Mod", "Mod/Cla", "Global",
                                "p.value", "v.test"}
    assert (cat["p.value"] <= 0.05).all()
    assert {"where", "how", "SPC"} & set(cat["variable"])
    for k, grp in cat.groupby("cluster", observed=True):
        assert grp["v.test"].is_monotonic_decreasing, k
    assert np.all(np.sign(cat["v.test"]) == np.sign(cat["Mod/Cla"] - cat["Global"]))
    chi2 = tea_hcpc.catdes_.chi2
    assert chi2["p.value"].is_monotonic_increasing
    assert not tea_hcpc.axes_description_.quanti.empty


def test_paragons_and_specific_rows(tea_hcpc, tea_mca):
    x = tea_mca.row_coordinates_.to_numpy()
    labels = tea_hcpc.labels_.to_numpy()
    centres = tea_hcpc.centers_.to_numpy()
    d = np.sqrt(((x[:, None, :] - centres[None]) ** 2).sum(axis=2))
    for k in range(1, tea_hcpc.n_clusters_ + 1):
        par = tea_hcpc.paragons_.query("cluster == @k")
        members = np.flatnonzero(labels == k)
        best = members[np.argsort(d[members, k - 1], kind="stable")[:5]]
        assert par["row"].tolist() == tea_mca.row_coordinates_.index[best].tolist()
        np.testing.assert_allclose(par["distance"], d[best, k - 1], rtol=1e-12)
        spec = tea_hcpc.specific_.query("cluster == @k")
        other = np.delete(d[members], k - 1, axis=1).min(axis=1)
        np.testing.assert_allclose(spec["distance"], np.sort(other)[::-1][:5], rtol=1e-12)


def test_errors():
    with pytest.raises(HCPCInputError, match="not fitted"):
        HCPC(MCA())
    with pytest.raises(HCPCInputError, match="must be a fitted MCA"):
        HCPC("res.mca")
    df = pd.DataFrame({"A": list("abab" * 5), "B": list("ccdd" * 5)})
    mca = MCA(2).fit(df)
    with pytest.raises(HCPCInputError, match=r"`n_clusters` must be an integer in \[1, 20\]"):
        HCPC(mca, n_clusters=25)


def test_hcpc_on_3000_weighted_rows(tea):
    """The typology's scale: 3,000 weighted rows get a partition covering every row
    (its speed is measured by bench/bench_hcpc.py, not asserted here)."""
    rng = np.random.default_rng(5)
    df = tea.iloc[:, :18].sample(3000, replace=True, random_state=5).reset_index(drop=True)
    for c in df.columns:  # perturb so that rows are not all duplicates
        m = rng.random(3000) < 0.3
        df.loc[m, c] = rng.permutation(df[c].to_numpy())[m]
    w = rng.uniform(0.5, 3, 3000)
    h = HCPC(MCA(5).fit(df, weights=w))
    assert h.labels_.shape == (3000,)
    k = h.labels_.max()
    assert set(np.unique(h.labels_)) == set(range(1, k + 1))
    # weighted cluster sizes add up to the total weight
    sizes = pd.Series(w).groupby(h.labels_).sum()
    assert sizes.sum() == pytest.approx(w.sum(), rel=1e-12)


def test_kk_preclustering(tea_mca):
    """FactoMineR kk: Ward on k-means centres; every pre-cluster falls in a single cluster."""
    same = HCPC(tea_mca, n_clusters=3, consolidate=False, kk=500)  # kk >= n: no pre-clustering
    ref = HCPC(tea_mca, n_clusters=3, consolidate=False)
    assert same.preclusters_ is None
    pd.testing.assert_series_equal(same.labels_, ref.labels_)
    with pytest.warns(UserWarning, match="no consolidation when `kk`"):
        hk = HCPC(tea_mca, n_clusters=3, kk=60)
    assert not hk.consolidated_
    groups = hk.preclusters_
    assert groups.nunique() <= 60
    assert (pd.crosstab(groups, hk.labels_).gt(0).sum(axis=1) == 1).all()
    # W(1) is the total inertia; W(leaves) is the within inertia of the pre-clusters
    x = tea_mca.row_coordinates_
    assert hk.within_inertia_.iloc[0] == pytest.approx(float((x**2).to_numpy().sum() / 300),
                                                       rel=1e-10)
    within_pre = float(((x - x.groupby(groups).transform("mean")) ** 2).to_numpy().sum() / 300)
    assert hk.within_inertia_.iloc[-1] == pytest.approx(within_pre, rel=1e-10)


def test_large_data_needs_kk(tea_mca, monkeypatch):
    from arefie_studies.methods import hcpc as hcpc_module

    monkeypatch.setattr(hcpc_module, "_MAX_TREE_ROWS", 100)
    with pytest.raises(HCPCInputError, match=r"300 rows would need .* Hint: pass `kk`"):
        HCPC(tea_mca)
    assert HCPC(tea_mca, kk=80, consolidate=False).n_clusters_ >= 3


def test_consolidated_partition_is_hartigan_stable():
    """After consolidation no single row can move to another cluster and lower the weighted
    within sum of squares (the fixed point of Hartigan–Wong, stats::kmeans's algorithm)."""
    tea = pd.read_csv(REF_DIR / "data" / "tea.csv")
    w = np.random.default_rng(8).uniform(0.5, 3, len(tea))
    mca = MCA(5).fit(tea.iloc[:, :18], weights=w)
    h = HCPC(mca, n_clusters=4)
    x = mca.row_coordinates_.to_numpy()
    lab = h.labels_.to_numpy() - 1
    sw = np.bincount(lab, weights=w)
    c = np.stack([np.average(x[lab == g], axis=0, weights=w[lab == g]) for g in range(4)])
    d2 = ((x[:, None, :] - c[None]) ** 2).sum(axis=2)
    rows = np.arange(len(x))
    remove = sw[lab] * w / (sw[lab] - w) * d2[rows, lab]
    add = sw[None, :] * w[:, None] / (sw[None, :] + w[:, None]) * d2
    add[rows, lab] = np.inf
    assert np.all(add.min(axis=1) >= remove - 1e-12)
    # ignoring the weights in the consolidation (FactoMineR) gives a different partition here
    unweighted = HCPC(mca, n_clusters=4, weighted_consolidation=False)
    assert unweighted.consolidated_ and not (unweighted.labels_ == h.labels_).all()
