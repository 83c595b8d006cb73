"""Every estimation and replicate case of the R survey 4.1.1 reference at rtol 1e-6."""

import numpy as np
import pytest
from _reference import ESTIMATION_KINDS, build_design, expected_values, load_cases, run_estimate

RTOL = 1e-6

ESTIMATION = load_cases(ESTIMATION_KINDS)
REPLICATE = load_cases(("replicate",))


def _check(got: dict, case: dict) -> None:
    exp = expected_values(case)
    assert exp, case["id"]
    for key, want in exp.items():
        have = np.asarray(got[key], dtype=float)
        assert have.shape == want.shape, (case["id"], key)
        zero = want == 0  # R's exact zeros (SE of a stratum share): no relative scale there
        np.testing.assert_allclose(have[~zero], want[~zero], rtol=RTOL, atol=0,
                                   err_msg=f"{case['id']} {key}")
        np.testing.assert_allclose(have[zero], 0.0, atol=1e-12, err_msg=f"{case['id']} {key}")


@pytest.mark.parametrize("case", ESTIMATION, ids=[c["id"] for c in ESTIMATION])
def test_estimation_matches_r(case):
    _check(run_estimate(build_design(case), case["op"]), case)


@pytest.mark.parametrize("case", REPLICATE, ids=[c["id"] for c in REPLICATE])
def test_replicate_matches_r(case):
    design = build_design(case).replicate(case["op"]["type"])
    _check(run_estimate(design, case["op"]["then"]), case)


def test_reference_counts():
    # 5 designs x 14 estimation cases + 4 lonely + 2 two-stage + bootstrap-given; 3 replicate
    assert len(ESTIMATION) == 77
    assert len(REPLICATE) == 3
