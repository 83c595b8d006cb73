"""R's ``options(survey.adjust.domain.lonely=TRUE)`` (design option ``adjust_domain_lonely``) in
the banner: each breakdown group is a domain, as in ``svyby(~q, ~b, design, svymean)``.  Checked
against the R values of tests/reference/survey_r_parity2.json (parity2.R) at rtol 1e-6."""

from __future__ import annotations

import numpy as np
import pytest
from _parity2 import expected, load_parity2, make_design

from arefie_studies.tables import banner

CASES = {c["id"]: c for c in load_parity2()}


@pytest.mark.parametrize("case_id", ["nhanes-svyby-factor-adl-adjust",
                                     "nhanes-svyby-factor-adl-average",
                                     "clus2-svyby-factor-adl-adjust"])
def test_banner_cells_apply_the_domain_lonely_rule_as_r(case_id):
    # nhanes: one-stage bincount path; apiclus2: two stages, the general path
    case = CASES[case_id]
    d = make_design(case)
    q, b = case["op"]["var"], case["op"]["by"]
    cells = d.banner_cells([q], [b])
    want = expected(case)
    np.testing.assert_allclose(cells["estimate"], want["estimate"], rtol=1e-6, atol=0)
    np.testing.assert_allclose(cells["se"], want["se"], rtol=1e-6, atol=0)
    # without the option the SEs differ (the case does exercise a lonely domain PSU)
    plain = d.update(adjust_domain_lonely=False).banner_cells([q], [b])
    assert not np.allclose(plain["se"], want["se"], rtol=1e-6, atol=0)


@pytest.mark.parametrize("lp", ["adjust", "average"])
def test_published_banner_uses_the_domain_lonely_rule(lp):
    # a numeric question (a mean, RIAGENDR) and a categorical one (agecat) in one banner
    num = CASES[f"nhanes-svyby-covmat-adl-{lp}"]
    cat = CASES[f"nhanes-svyby-factor-adl-{lp}"]
    d = make_design(cat)
    table = banner(d, ["RIAGENDR", "agecat"], ["race"], threshold=1, tests=False)
    cells = table.cells[table.cells["breakdown"] == "race"]  # not the whole-population column
    for case, q in ((num, "RIAGENDR"), (cat, "agecat")):
        got = cells[cells["question"] == q]
        want = expected(case)
        assert len(got) == len(want["se"])
        np.testing.assert_allclose(got["estimate"], want["estimate"], rtol=1e-6, atol=0)
        np.testing.assert_allclose(got["se"], want["se"], rtol=1e-6, atol=0)
