"""MCA and HCPC against FactoMineR 2.7 (tests/reference/mca_r_public.json, tea and poison data).

R (FactoMineR 2.7), as recorded in tests/reference/README.md:
    data(tea)    # columns 1:18 active, 20:36 supplementary categorical
    data(poison) # columns 5:15 active, 3:4 supplementary categorical
    res <- MCA(..., ncp = 5)
    res$eig[, 1]; res$ind$coord[1:5, 1:2]; abs(res$var$coord[, 1]); rownames(res$var$coord)
    HCPC(res, nb.clust = 3, consol = FALSE)  -> cluster sizes
The reference tea.csv is read with pandas: string levels are ordered as R orders them (see
``r_collation_key``), which must give FactoMineR's category order.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from arefie_studies.methods import HCPC, MCA

REF_DIR = Path(__file__).resolve().parents[1] / "reference"
CASES = json.loads((REF_DIR / "mca_r_public.json").read_text())["cases"]
IDS = [c["id"] for c in CASES]
RTOL = 1e-6


def _fit(case: dict) -> MCA:
    op = case["op"]
    df = pd.read_csv(REF_DIR / "data" / f"{case['data']}.csv")
    assert not op["row_weights"]  # the public cases are unweighted
    return MCA(n_components=op["ncp"]).fit(df[op["active"] + op["quali_sup"]],
                                           quali_sup=op["quali_sup"])


@pytest.fixture(scope="module", params=CASES, ids=IDS)
def fitted(request):
    return request.param, _fit(request.param)


def test_all_eigenvalues(fitted):
    case, mca = fitted
    # R: res$eig[, 1] (all non-null eigenvalues)
    expected = np.array(case["expected"]["eigenvalues"])
    got = mca.eigenvalues_["eigenvalue"].to_numpy()
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=0)
    pct = mca.eigenvalues_["% of variance"].to_numpy()
    np.testing.assert_allclose(pct, expected / expected.sum() * 100, rtol=RTOL)
    np.testing.assert_allclose(mca.eigenvalues_["cumulative %"].iloc[-1], 100.0, rtol=1e-12)


def test_first_row_coordinates_with_factominer_signs(fitted):
    case, mca = fitted
    # R: res$ind$coord[1:5, 1:2] — our axes are oriented by svd.triplet's rule, so signs match too
    expected = np.array(case["expected"]["ind_coord_first5"])
    got = mca.row_coordinates_.iloc[:5, :2].to_numpy()
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=1e-12)


def test_category_order_and_abs_coordinates_dim1(fitted):
    case, mca = fitted
    # R: rownames(res$var$coord); abs(res$var$coord[, 1])
    assert list(mca.category_coordinates_.index) == case["expected"]["var_names"]
    got = np.abs(mca.category_coordinates_["Dim 1"].to_numpy())
    np.testing.assert_allclose(got, case["expected"]["var_coord_abs_dim1"], rtol=RTOL, atol=0)


def test_hcpc_sizes_without_consolidation(fitted):
    case, mca = fitted
    # R: HCPC(res, nb.clust = 3, consol = FALSE); sort(table(res.hcpc$data.clust$clust), decreasing=TRUE)
    k = case["expected"]["hcpc_k"]
    hc = HCPC(mca, n_clusters=k, consolidate=False)
    sizes = sorted(hc.labels_.value_counts().tolist(), reverse=True)
    assert sizes == case["expected"]["hcpc_sizes_noconsol"]
    assert sorted(hc.labels_.unique().tolist()) == list(range(1, k + 1))
