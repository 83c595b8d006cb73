"""MCA: a hand-worked case, algebraic identities, missing values, supplementary variables, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from arefie_studies.methods import MCA, MCAInputError, NotFittedError
from arefie_studies.methods._mca_data import r_sorted

REF_DIR = Path(__file__).resolve().parents[1] / "reference"


@pytest.fixture(scope="module")
def tea() -> pd.DataFrame:
    return pd.read_csv(REF_DIR / "data" / "tea.csv")


@pytest.fixture(scope="module")
def tea_mca(tea) -> MCA:
    cols = list(tea.columns)
    return MCA(n_components=5).fit(tea, quali_sup=cols[19:], quanti_sup=["age"])


# --------------------------------------------------------------------------- hand-worked case
def test_hand_worked_two_binary_variables():
    """V1 = a a a b, V2 = u u v v.

    With two binary variables the MCA eigenvalues are (1 +/- phi)/2, phi the correlation of the
    indicators: phi = (2*1 - 1*0)/sqrt(3*1*2*2) = 1/sqrt(3). Category standard coordinates on
    axis 1 are the canonical scores a = sqrt(1/3), b = -sqrt(3), u = 1, v = -1; FactoMineR's
    orientation (sum_j sqrt(c_j) s_j = sqrt(3/8)/sqrt(3) - sqrt(1/8) sqrt(3) < 0) flips them.
    Rows are the means of their categories' standard coordinates: (a,u) -> -(1/sqrt3 + 1)/2.
    """
    df = pd.DataFrame({"V1": ["a", "a", "a", "b"], "V2": ["u", "u", "v", "v"]})
    mca = MCA(n_components=2).fit(df)
    phi = 1 / np.sqrt(3)
    lam = np.array([(1 + phi) / 2, (1 - phi) / 2])  # 0.788675..., 0.211325...
    np.testing.assert_allclose(mca.eigenvalues_["eigenvalue"], lam, rtol=1e-12)
    np.testing.assert_allclose(mca.eigenvalues_["% of variance"], lam * 100, rtol=1e-12)
    s1 = np.array([-np.sqrt(1 / 3), np.sqrt(3), -1.0, 1.0])  # a b u v, axis 1
    s2 = np.array([-np.sqrt(1 / 3), np.sqrt(3), 1.0, -1.0])  # axis 2 (also flipped)
    expected = np.column_stack([s1 * np.sqrt(lam[0]), s2 * np.sqrt(lam[1])])
    assert list(mca.category_coordinates_.index) == ["a", "b", "u", "v"]
    np.testing.assert_allclose(mca.category_coordinates_.to_numpy(), expected, rtol=1e-12)
    rows = np.array([[-(phi + 1) / 2, -(phi - 1) / 2],
                     [-(phi + 1) / 2, -(phi - 1) / 2],
                     [(1 - phi) / 2, -(phi + 1) / 2],
                     [(np.sqrt(3) + 1) / 2, (np.sqrt(3) - 1) / 2]])
    np.testing.assert_allclose(mca.row_coordinates_.to_numpy(), rows, rtol=1e-12, atol=1e-15)
    # v-test of "a" on axis 1: N = 4, Nj = 3 -> sqrt(3 * 3 / 1) = 3
    assert mca.category_vtest_.loc["a", "Dim 1"] == pytest.approx(3 * expected[0, 0], rel=1e-12)
    # Benzecri with Q = 2: corrected eigenvalue (2 (lambda - 1/2))^2 = phi^2, the only one
    ben = mca.corrected_inertia("benzecri")
    np.testing.assert_allclose(ben["corrected eigenvalue"], [phi**2], rtol=1e-12)
    np.testing.assert_allclose(ben["% of variance"], [100.0], rtol=1e-12)


# --------------------------------------------------------------------------- identities
def test_contributions_sum_to_100(tea_mca):
    np.testing.assert_allclose(tea_mca.row_contributions_.sum(), 100.0, rtol=1e-10)
    np.testing.assert_allclose(tea_mca.category_contributions_.sum(), 100.0, rtol=1e-10)


def test_total_inertia_is_j_over_q_minus_1(tea_mca):
    q, j = len(tea_mca.active_), tea_mca.category_coordinates_.shape[0]
    assert tea_mca.eigenvalues_["eigenvalue"].sum() == pytest.approx(j / q - 1, rel=1e-10)


def test_eta2_is_squared_correlation_ratio(tea_mca, tea):
    """eta2(variable, axis) = between variance / total variance of the row coordinates."""
    coords = tea_mca.row_coordinates_
    total = (coords**2).mean()  # rows are centred, weights equal
    for var in tea_mca.active_:
        means = coords.groupby(tea[var].to_numpy()).transform("mean")
        between = (means**2).mean()
        np.testing.assert_allclose(tea_mca.eta2_.loc[var], between / total, rtol=1e-10)
    # and eta2 = Q * lambda * (contributions of the variable's categories) / 100
    lam = tea_mca.eigenvalues_["eigenvalue"].to_numpy()[:5]
    ctr = tea_mca.category_contributions_.groupby(tea_mca.categories_["variable"]).sum()
    q = len(tea_mca.active_)
    np.testing.assert_allclose(tea_mca.eta2_.to_numpy(),
                               (ctr.loc[tea_mca.active_] * lam * q / 100).to_numpy(), rtol=1e-10)


def test_transition_formulas(tea_mca):
    """Rows are the mean of their categories' standard coordinates and categories the mean of
    their rows' standard coordinates (barycentric relations of MCA)."""
    z = tea_mca._prep.indicator
    q = len(tea_mca.active_)
    lam = tea_mca.eigenvalues_["eigenvalue"].to_numpy()[:5]
    g = tea_mca.category_coordinates_.to_numpy()
    f = tea_mca.row_coordinates_.to_numpy()
    np.testing.assert_allclose(f, (z / q) @ (g / np.sqrt(lam)), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(g, (z / z.sum(0)).T @ (f / np.sqrt(lam)), rtol=1e-10, atol=1e-13)


def test_cos2_of_all_axes_sum_to_one():
    rng = np.random.default_rng(4)
    df = pd.DataFrame({c: rng.choice(list("abc"), 40) for c in "PQR"})
    mca = MCA(n_components=6).fit(df)
    assert mca.n_components_ == 6  # J - Q = 9 - 3
    np.testing.assert_allclose(mca.row_cos2_.sum(axis=1), 1.0, rtol=1e-10)
    np.testing.assert_allclose(mca.category_cos2_.sum(axis=1), 1.0, rtol=1e-10)


def test_orientation_rule(tea_mca):
    """Each axis is oriented so that sum_j sqrt(c_j) * G_jk > 0 (FactoMineR::svd.triplet)."""
    c = tea_mca.categories_["frequency"].to_numpy() / len(tea_mca.active_)
    sums = np.sqrt(c) @ tea_mca.category_coordinates_.to_numpy()
    assert (sums > 0).all()


def test_supplementary_copy_of_active_variable_lands_on_it(tea):
    df = tea.iloc[:, :18].assign(Tea_copy=tea["Tea"], age=tea["age"])
    mca = MCA(3).fit(df, quali_sup=["Tea_copy"], quanti_sup=["age"])
    # the level names are shared, so both variables get prefixed (FactoMineR::MCA)
    tea_levels = ["Tea_black", "Tea_Earl Grey", "Tea_green"]
    assert list(mca.quali_sup_coordinates_.index) == [f"Tea_copy_{lv}" for lv in
                                                      ["black", "Earl Grey", "green"]]
    act = mca.category_coordinates_.loc[tea_levels].to_numpy()
    np.testing.assert_allclose(mca.quali_sup_coordinates_.to_numpy(), act, rtol=1e-10)
    np.testing.assert_allclose(mca.quali_sup_vtest_.to_numpy(),
                               mca.category_vtest_.loc[tea_levels].to_numpy(),
                               rtol=1e-10)
    np.testing.assert_allclose(mca.quali_sup_eta2_.loc["Tea_copy"], mca.eta2_.loc["Tea"], rtol=1e-10)
    np.testing.assert_allclose(mca.quali_sup_cos2_.to_numpy(),
                               mca.category_cos2_.loc[tea_levels].to_numpy(),
                               rtol=1e-10)


def test_quanti_sup_correlation_with_an_axis(tea):
    df = tea.iloc[:, :18]
    base = MCA(3).fit(df)
    df2 = df.assign(score=base.row_coordinates_["Dim 2"] * 7 + 3)
    mca = MCA(3).fit(df2, quanti_sup=["score"])
    np.testing.assert_allclose(mca.quanti_sup_correlations_.loc["score"], [0, 1, 0], atol=1e-10)


# --------------------------------------------------------------------------- missing values, levels
def test_missing_values_form_their_own_category(tea):
    df = tea.iloc[:, :18].copy()
    df.loc[[2, 9, 49], "Tea"] = np.nan
    mca = MCA(5).fit(df)
    assert "Tea.NA" in mca.category_coordinates_.index
    assert mca.categories_.loc["Tea.NA", "variable"] == "Tea"
    assert mca.categories_.loc["Tea.NA", "weight"] == 3
    explicit = MCA(5).fit(df.fillna({"Tea": "Tea.NA"}))
    pd.testing.assert_frame_equal(mca.eigenvalues_, explicit.eigenvalues_)
    pd.testing.assert_frame_equal(mca.category_coordinates_, explicit.category_coordinates_)


def test_level_order_follows_r_collation_and_categoricals():
    # R: levels(tea$frequency) -> "1/day" "1 to 2/week" "+2/day" "3 to 6/week"
    assert r_sorted(["+2/day", "3 to 6/week", "1 to 2/week", "1/day"]) == [
        "1/day", "1 to 2/week", "+2/day", "3 to 6/week"]
    assert r_sorted(["Not.tea time", "tea time", "Earl Grey", "black"]) == [
        "black", "Earl Grey", "Not.tea time", "tea time"]
    df = pd.DataFrame({"A": pd.Categorical(list("zmzmx"), categories=["z", "m", "x", "w"]),
                       "B": list("pqqpp")})
    mca = MCA(2).fit(df)
    assert list(mca.category_coordinates_.index) == ["z", "m", "x", "p", "q"]  # unused "w" dropped


def test_shared_level_names_are_prefixed():
    df = pd.DataFrame({"A": list("yynny"), "B": list("ynyny"), "C": list("abbab")})
    mca = MCA(2).fit(df)
    assert list(mca.category_coordinates_.index) == ["A_n", "A_y", "B_n", "B_y", "a", "b"]


def test_weights_column_name_is_not_analysed(tea):
    df = tea.iloc[:, :6].assign(w=np.linspace(1, 2, len(tea)))
    by_name = MCA(2).fit(df, weights="w")
    by_array = MCA(2).fit(df.drop(columns="w"), weights=df["w"].to_numpy())
    pd.testing.assert_frame_equal(by_name.row_coordinates_, by_array.row_coordinates_)


# --------------------------------------------------------------------------- corrected rates
def test_greenacre_equals_ca_of_the_two_way_table_when_q_is_2():
    """With Q = 2, Benzecri's corrected eigenvalues are the CA eigenvalues of the contingency
    table and Greenacre's adjusted inertia is its total inertia (rates sum to 100 %)."""
    rng = np.random.default_rng(7)
    df = pd.DataFrame({"A": rng.choice(list("abcd"), 200), "B": rng.choice(list("xyz"), 200)})
    mca = MCA(5).fit(df)
    table = pd.crosstab(df["A"], df["B"]).to_numpy() / len(df)
    r, c = table.sum(1), table.sum(0)
    s = np.linalg.svd((table - np.outer(r, c)) / np.sqrt(np.outer(r, c)), compute_uv=False)
    ca_eig = s[: min(table.shape) - 1] ** 2
    green = mca.corrected_inertia("greenacre")
    np.testing.assert_allclose(green["corrected eigenvalue"], ca_eig[: len(green)], rtol=1e-10)
    np.testing.assert_allclose(green["% of variance"].sum(), 100.0 * green["corrected eigenvalue"].sum()
                               / ca_eig.sum(), rtol=1e-10)
    ben = mca.corrected_inertia("benzecri")
    np.testing.assert_allclose(ben["cumulative %"].iloc[-1], 100.0, rtol=1e-12)


def test_corrected_rates_on_tea_by_formula(tea_mca):
    lam = tea_mca.eigenvalues_["eigenvalue"].to_numpy()
    q = 18
    kept = lam[lam > 1 / q]
    corr = (q / (q - 1) * (kept - 1 / q)) ** 2
    ben = tea_mca.corrected_inertia("benzecri")
    np.testing.assert_allclose(ben["% of variance"], corr / corr.sum() * 100, rtol=1e-12)
    green = tea_mca.corrected_inertia("greenacre")
    total = q / (q - 1) * ((lam**2).sum() - (45 - q) / q**2)
    np.testing.assert_allclose(green["% of variance"], corr / total * 100, rtol=1e-12)
    assert green["% of variance"].sum() < 100


# --------------------------------------------------------------------------- errors
def test_errors_name_the_problem(tea):
    with pytest.raises(MCAInputError, match=r"active columns \['age'\] are numeric"):
        MCA().fit(tea.iloc[:, :19])
    with pytest.raises(MCAInputError, match=r"`quali_sup` names columns \['nope'\].*available"):
        MCA().fit(tea.iloc[:, :5], quali_sup=["nope"])
    with pytest.raises(MCAInputError, match=r"`weights` has length 3 but `df` has 300 rows"):
        MCA().fit(tea.iloc[:, :5], weights=[1, 2, 3])
    w = np.ones(300)
    w[[4, 8]] = -1
    with pytest.raises(MCAInputError, match=r"2 bad value\(s\) at rows \[4, 8\]"):
        MCA().fit(tea.iloc[:, :5], weights=w)
    with pytest.raises(MCAInputError, match="`quanti_sup` columns"):
        MCA().fit(tea.iloc[:, :13], quanti_sup=["Tea"])
    with pytest.raises(MCAInputError, match="n_components"):
        MCA(n_components=0).fit(tea.iloc[:, :5])
    with pytest.raises(NotFittedError):
        MCA().corrected_inertia()
    assert issubclass(MCAInputError, ValueError)


# --------------------------------------------------------------------------- supplementary rows
def test_transform_projects_rows_as_factominer_ind_sup(tea, tea_mca):
    """Projecting the fitted rows gives their coordinates; a new row with missing value or an
    unseen level is refused with the column named."""
    np.testing.assert_allclose(tea_mca.transform(tea.iloc[:40]).to_numpy(),
                               tea_mca.row_coordinates_.iloc[:40].to_numpy(), rtol=1e-10, atol=1e-13)
    bad = tea.iloc[:2].copy()
    bad.loc[bad.index[1], "Tea"] = "rooibos"
    with pytest.raises(MCAInputError, match=r"column 'Tea' has values not seen by fit: \['rooibos'\]"):
        tea_mca.transform(bad)
    with pytest.raises(MCAInputError, match=r"active columns \['price'\] are not in `df`"):
        tea_mca.transform(tea.drop(columns="price"))


def test_transform_matches_an_r_ind_sup_style_refit(tea):
    """The projection of held-out rows equals the transition formula on the fitted categories:
    fitting with the held-out rows at weight 0 gives the same coordinates."""
    df = tea.iloc[:, :18]
    w = np.ones(len(df))
    w[-10:] = 0.0
    mca = MCA(4).fit(df, weights=w)
    fit_only = MCA(4).fit(df.iloc[:-10])
    np.testing.assert_allclose(fit_only.transform(df.iloc[-10:]).to_numpy(),
                               mca.row_coordinates_.iloc[-10:].to_numpy(), rtol=1e-9, atol=1e-12)
