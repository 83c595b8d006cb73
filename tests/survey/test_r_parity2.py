"""R `survey` parity, second round: every case of tests/reference/survey_r_parity2.json (computed
by tests/reference/r/parity2.R on R's own data sets) at rtol 1e-6."""

from __future__ import annotations

import numpy as np
import pytest
from _parity2 import expected, load_parity2, run_case

CASES = load_parity2()


def test_the_reference_file_is_complete():
    assert len(CASES) >= 90
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids))
    assert all(c.get("r_function") for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_r_parity2(case):
    want = expected(case)
    got = run_case(case)
    assert set(got) == set(want), case["id"]
    for key, val in want.items():
        np.testing.assert_allclose(got[key], val, rtol=1e-6, atol=0, err_msg=f"{case['id']}: {key}")
