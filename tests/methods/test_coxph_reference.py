"""``methods.coxph`` on a SurveyDesign against R ``survey::svycoxph`` (Efron ties).

Reference values: tests/reference/svycoxph_r.json, written by tests/reference/r/svycoxph.R
(R 4.2.2, survival 3.5-3, survey 4.1-1) with the data it exports to
tests/reference/data/svycoxph_<case>.csv: ``?svycoxph``'s pbc design (strata = edema, each row
a PSU, weights 1/randprob), a one-stage cluster sample of apiclus1 (fpc), the same raked on
school type (svyrecvar with postStrata) and apiclus2's two-stage cluster sample (fpc at both
stages); api outcome: time = round(api00 / 20) (many ties), event = sch.wide == "Yes".
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from arefie_studies.methods import cox_regression, coxph
from arefie_studies.methods.survival import SurvivalDataError
from arefie_studies.survey import SurveyDesign

REF_DIR = Path(__file__).resolve().parents[1] / "reference"
REF = json.loads((REF_DIR / "svycoxph_r.json").read_text(encoding="utf-8"))
API = ["ell", "meals", "mobility"]


def _data(name: str) -> pd.DataFrame:
    return pd.read_csv(REF_DIR / "data" / f"svycoxph_{name}.csv")


def _pbc() -> SurveyDesign:
    # R: svydesign(id=~1, prob=~randprob, strata=~edema, data=subset(pbc, randomized))
    return SurveyDesign(_data("pbc"), weights="w", strata="edema")


def _clus1() -> SurveyDesign:
    # R: svydesign(id=~dnum, weights=~pw, fpc=~fpc, data=apiclus1)
    return SurveyDesign(_data("apiclus1"), weights="pw", psu="dnum", fpc="fpc")


CASES = {
    # case: (design, covariates)
    "pbc": (_pbc, ["bili", "protime", "albumin"]),
    "pbc_logbili": (_pbc, ["logbili", "protime", "albumin"]),
    "apiclus1": (_clus1, API),
    "apiclus1_raked": (lambda: _clus1().rake({"stype": {"E": 4421, "H": 755, "M": 1018}}), API),
    # R: svydesign(id=~dnum+snum, fpc=~fpc1+fpc2, data=apiclus2) (weights from the fpc)
    "apiclus2": (lambda: SurveyDesign(_data("apiclus2"), psu=["dnum", "snum"],
                                      fpc=["fpc1", "fpc2"]), "ell + meals + mobility"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_coxph_equals_svycoxph(case):
    make, covs = CASES[case]
    ref = REF[case]
    res = coxph(make(), "time", "event", covs)
    # R: svycoxph(Surv(time, event) ~ ..., design); coef(), SE(), vcov()
    np.testing.assert_allclose(res.table["estimate"], ref["coef"], rtol=1e-6)
    np.testing.assert_allclose(res.table["se"], ref["se"], rtol=1e-6)
    np.testing.assert_allclose(res.vcov.to_numpy(), np.asarray(ref["vcov"]), rtol=1e-6)
    assert res.robust


def test_coxph_on_a_domain_drops_the_other_rows_but_keeps_the_psus():
    d = _clus1()
    keep = (d.data["stype"] != "H").to_numpy()
    sub = coxph(d.subset(keep), "time", "event", API)
    whole = coxph(d, "time", "event", API)
    assert not np.allclose(sub.table["estimate"], whole.table["estimate"])
    # the point estimate is the weighted fit on the domain rows alone
    alone = coxph(SurveyDesign(d.data[keep], weights="pw", psu="dnum", fpc="fpc"),
                  "time", "event", API)
    np.testing.assert_allclose(sub.table["estimate"], alone.table["estimate"], rtol=1e-9)


def test_cox_regression_is_coxph_on_a_cluster_design():
    """cox_regression(cluster=) = coxph(SurveyDesign(psu=cluster)) × (m − 1)/m."""
    df = _data("apiclus1")
    a = cox_regression(df, "time", "event", API, weights="pw", cluster="dnum")
    b = coxph(SurveyDesign(df, weights="pw", psu="dnum"), "time", "event", API)
    m = df["dnum"].nunique()
    np.testing.assert_allclose(a.table["estimate"], b.table["estimate"], rtol=1e-12)
    np.testing.assert_allclose(a.vcov.to_numpy(), b.vcov.to_numpy() * (m - 1) / m, rtol=1e-12)


def test_coxph_bad_input_is_named():
    d = _pbc()
    with pytest.raises(SurvivalDataError, match=r"expected an arefie_studies\.survey\.SurveyDesign"):
        coxph(d.data, "time", "event", ["bili"])
    with pytest.raises(SurvivalDataError, match=r"\['bilirubin'\] not found"):
        coxph(d, "time", "event", ["bilirubin"])
    df = _data("pbc")
    df.loc[3, "albumin"] = np.nan
    with pytest.raises(SurvivalDataError, match=r"missing values .* rows \[3\]"):
        coxph(SurveyDesign(df, weights="w", strata="edema"), "time", "event", ["albumin"])
    with pytest.raises(SurvivalDataError, match="event indicator must be 0/1"):
        coxph(d, "time", "status", ["bili"])
