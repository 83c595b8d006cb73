"""Linear and nonlinear contrasts of estimates with their variance-covariance matrix.

Mirrors: survey::svycontrast (on svymean / svytotal / svyby(covmat=TRUE) results).

For estimates ``theta`` with covariance ``V`` (``frame.attrs["vcov"]`` of an estimator called
with ``covmat=True``):

* a linear contrast ``a' theta`` has variance ``a' V a``;
* a function ``f(theta)`` (R's ``quote(expression)``) is linearised: ``grad f' V grad f``, the
  gradient taken by complex-step differentiation (exact to rounding for functions built from
  numpy operations, as R's symbolic ``deriv``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._ci import t_interval
from .errors import ArgumentError

__all__ = ["contrast"]

_STEP = 1e-30


class _Named(dict):
    """Estimates by name (``e["api00"]``), also by position (``e[0]``)."""

    def __init__(self, names: list[str], values: np.ndarray) -> None:
        super().__init__(zip(names, values, strict=True))
        self._values = values

    def __getitem__(self, key: Any):
        if isinstance(key, int | np.integer):
            return self._values[key]
        if key not in self:
            raise ArgumentError(
                f"contrast(): no estimate named {key!r}; the estimates are {list(self)}."
            )
        return super().__getitem__(key)


def _coef_vector(spec: Any, names: list[str]) -> np.ndarray:
    if isinstance(spec, Mapping):
        unknown = [k for k in spec if k not in names]
        if unknown:
            raise ArgumentError(
                f"contrast(): coefficient(s) for {unknown}, which are not estimates; the "
                f"estimates are {names}."
            )
        return np.array([float(spec.get(n, 0.0)) for n in names])
    vec = np.asarray(spec, dtype=float).ravel()
    if vec.size != len(names):
        raise ArgumentError(
            f"contrast(): {vec.size} coefficient(s) for {len(names)} estimates ({names}); give "
            "one per estimate or a mapping {name: coefficient}."
        )
    return vec


def _gradient(fun: Callable, theta: np.ndarray, names: list[str]) -> tuple[float, np.ndarray]:
    value = complex(fun(_Named(names, theta.astype(complex)))).real
    grad = np.empty(theta.size)
    for j in range(theta.size):
        x = theta.astype(complex)
        x[j] += 1j * _STEP
        grad[j] = complex(fun(_Named(names, x))).imag / _STEP
    return value, grad


def contrast(
    result: pd.DataFrame,
    contrasts: Sequence[float] | Mapping[str, Any] | Callable,
    *,
    conf_level: float = 0.95,
    df: float | None = None,
) -> pd.DataFrame:
    """Contrasts of the estimates of ``result`` (an estimator's frame made with ``covmat=True``).

    ``contrasts``: one contrast given as a sequence of coefficients (one per estimate), a
    mapping ``{estimate name: coefficient}`` (others 0, R's named vector), or a function of the
    estimates ``f(e)`` with ``e["name"]`` (R's ``quote(expr)``; use numpy functions); or several,
    as a mapping ``{contrast name: one of those}``.  Estimate names are ``attrs["names"]``: the
    variable, or the group values (``"E"``, ``"E.Yes"``) for ``by=`` (``"E:api00"`` for several
    variables), as R names them.

    Returns columns ``contrast, estimate, se, ci_low, ci_high, df`` and ``attrs["vcov"]``.  The
    interval uses ``df`` (default: the df of ``result`` when it is one value, else normal).
    Mirrors: survey::svycontrast.
    """
    if "vcov" not in result.attrs or "names" not in result.attrs:
        raise ArgumentError(
            "contrast() needs the covariance of the estimates: call the estimator with "
            "covmat=True (e.g. design.mean('y', by='g', covmat=True))."
        )
    vcov = np.asarray(result.attrs["vcov"], dtype=float)
    names = list(result.attrs["names"])
    theta = result["estimate"].to_numpy(dtype=float)
    several = isinstance(contrasts, Mapping) and not all(
        not callable(v) and not isinstance(v, Mapping) and np.ndim(v) == 0
        for v in contrasts.values()
    )
    specs = dict(contrasts) if several else {"contrast": contrasts}
    labels, values, grads = [], [], []
    for label, spec in specs.items():
        if callable(spec):
            value, grad = _gradient(spec, theta, names)
        else:
            grad = _coef_vector(spec, names)
            value = float(grad @ theta)
        labels.append(label)
        values.append(value)
        grads.append(grad)
    a = np.vstack(grads)
    cov = a @ vcov @ a.T
    est = np.asarray(values)
    se = np.sqrt(np.maximum(np.diag(cov), 0.0))
    if df is None:
        dfs = result["df"].to_numpy(dtype=float) if "df" in result else np.array([np.inf])
        df = float(dfs[0]) if np.all(dfs == dfs[0]) else np.inf
    lo, hi = t_interval(est, se, np.full(est.size, float(df)), conf_level)
    out = pd.DataFrame({"contrast": labels, "estimate": est, "se": se, "ci_low": lo,
                        "ci_high": hi, "df": float(df)})
    out.attrs["vcov"] = cov
    return out
