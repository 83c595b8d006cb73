"""The direct model matrix of olr() equals formulaic's on the formulas it accepts."""

import numpy as np
import pandas as pd
import pytest
from formulaic import model_matrix

from arefie_studies.survey._olr import simple_model_matrix


@pytest.fixture
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 200
    return pd.DataFrame({
        "x": rng.normal(size=n), "k": rng.integers(0, 5, n),
        "s": rng.choice(["b", "a", "c"], n),
        "f": pd.Categorical(rng.choice(["lo", "mid", "hi"], n), categories=["mid", "lo", "hi"]),
    })


@pytest.mark.parametrize("rhs", ["x", "x + C(s)", "s + x + k", "C(f) + x", "f + C(s)"])
def test_direct_matrix_equals_formulaic(frame, rhs):
    fast = simple_model_matrix(rhs, frame)
    ref = model_matrix("~ " + rhs, frame, na_action="ignore")
    ref = pd.DataFrame(ref).drop(columns="Intercept")
    assert list(fast.columns) == list(ref.columns)
    np.testing.assert_array_equal(fast.to_numpy(), ref.to_numpy(dtype=float))


@pytest.mark.parametrize("rhs", ["x:k", "np.log(x)", "C(k)", "x + nothere", "x * s"])
def test_other_formulas_go_through_formulaic(frame, rhs):
    assert simple_model_matrix(rhs, frame) is None


def test_subsample_start_reaches_the_same_optimum():
    """On more than 20 000 rows Newton starts from a subsample fit; the optimum is the one
    reached from the marginal cut points."""
    from arefie_studies.survey._olr import _Problem

    rng = np.random.default_rng(5)
    n = 30_000
    x = np.column_stack([rng.normal(size=n), rng.random(n) < 0.4]).astype(float)
    lat = x @ np.array([0.8, -0.5]) + rng.logistic(size=n)
    code = np.digitize(lat, [-1.0, 0.3, 1.5])
    prob = _Problem(x, code, rng.uniform(1, 3, n), 3)
    zeta = prob.start_zeta()
    plain = prob.newton(start=np.concatenate([[0.0, 0.0, zeta[0]], np.log(np.diff(zeta))]))
    np.testing.assert_allclose(prob.newton(), plain, rtol=1e-10, atol=1e-12)
    assert np.max(np.abs(prob.gmin(plain))) < 1e-6 * n


def test_compiled_likelihood_kernels_equal_the_numpy_forms():
    # olr_nll_grad_hess / olr_gradient (one pass, exp(eta) exp(-zeta) form) against the numpy
    # row-buffer forms they replace, away from and at the optimum
    from arefie_studies.survey._olr import _Problem

    rng = np.random.default_rng(5)
    for n, pc, q in ((500, 2, 3), (2_000, 3, 2), (300, 1, 4)):
        x = rng.normal(size=(n, pc))
        code = np.clip((x @ rng.normal(size=pc) + rng.logistic(size=n)).round().astype(int) + 2,
                       0, q)
        w = rng.uniform(0.5, 3, n)
        prob = _Problem(x, code, w, q)
        for par in (np.concatenate([np.zeros(pc), [-1.0], np.zeros(q - 1)]), prob.newton()):
            beta, zeta = par[:pc], prob._zeta(par[pc:])
            got, want = prob._nll_grad_hess(beta, zeta), prob._nll_grad_hess_numpy(beta, zeta)
            np.testing.assert_allclose(got[0], want[0], rtol=1e-12)
            np.testing.assert_allclose(got[1], want[1], rtol=1e-9, atol=1e-9 * n)
            np.testing.assert_allclose(got[2], want[2], rtol=1e-10, atol=1e-10 * n)
            g_numpy = prob._grad_zeta(*prob._row_grad(beta, zeta))
            g_numpy = np.concatenate([g_numpy[:pc], g_numpy[pc:] @ prob.jacobian(par[pc:])])
            np.testing.assert_allclose(prob.gmin(par), g_numpy, rtol=1e-9, atol=1e-9 * n)


def test_cached_dummies_give_the_same_matrix(frame):
    cache: dict = {}
    first = simple_model_matrix("x + C(s) + f", frame, cache)
    again = simple_model_matrix("x + C(s) + f", frame, cache)
    pd.testing.assert_frame_equal(first, simple_model_matrix("x + C(s) + f", frame))
    pd.testing.assert_frame_equal(again, first)
    assert ("olr_dummies", "s", "C(s)") in cache


def test_compiled_influence_equals_scores_times_vm():
    from arefie_studies.survey._olr import _Problem
    from arefie_studies.survey._olr_kernels import olr_influence

    rng = np.random.default_rng(8)
    n, pc, q = 800, 2, 3
    x = rng.normal(size=(n, pc))
    code = np.clip((x @ [0.7, -0.4] + rng.logistic(size=n)).round().astype(int) + 2, 0, q)
    prob = _Problem(x, code, rng.uniform(0.5, 3, n), q)
    par = prob.newton()
    vm = rng.normal(size=(pc + q, pc + q))
    dest = rng.permutation(n + 10)[:n]
    out = np.zeros((n + 10, pc + q))
    olr_influence(prob._exp_eta(par[:pc]), prob.x, prob.code, prob.w,
                  prob._exp_cuts(prob._zeta(par[pc:])), vm, dest, out)
    want = np.zeros_like(out)
    want[dest] = prob.gmini(par) @ vm
    np.testing.assert_allclose(out, want, rtol=1e-10, atol=1e-12)
