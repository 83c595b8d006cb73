"""Weighting steps recorded on a design: they residualise influence values for the variance.

Each step is appended to ``design._calibrations``; ``linearized_vcov`` calls
``step.residualize(x)`` before summing to PSU totals, which is R's handling of the
``postStrata`` list in ``svyrecvar``:

* :class:`GregStep` — ``calibrate()``: ``qr.resid(qr(X * sqrt(w0)), x / (g sqrt(w0))) * g sqrt(w0)``;
* :class:`RakingStep` — ``rake()``: ten passes of ``x <- x - w * ave(x / w, margin)`` per margin;
* :class:`PostStratStep` — ``poststratify()``: ``x <- x - w * mean_{w0}(x / w | post-stratum)``;
* :class:`TrimStep` — ``trim()``: no variance adjustment (``trimWeights``), kept for diagnostics.

The steps also keep the input weights and targets used by ``weighting_diagnostics()``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._calibrate_margins import Margin

__all__ = ["GregStep", "PostStratStep", "RakingStep", "TrimStep", "WeightingStep"]


def _safe_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b with 0 where b == 0 (rows outside the domain carry zero influence)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b != 0, a / np.where(b != 0, b, 1.0), 0.0)


def _group_sum(x: np.ndarray, codes: np.ndarray, m: int) -> np.ndarray:
    return np.column_stack([np.bincount(codes, weights=x[:, j], minlength=m)
                            for j in range(x.shape[1])])


@dataclass(frozen=True, eq=False, kw_only=True)
class WeightingStep:
    """Base step: what was asked and the weights before/after."""

    kind: str
    input_weights: np.ndarray = field(repr=False)
    weights: np.ndarray = field(repr=False)
    margins: tuple[Margin, ...] = ()
    numeric: tuple[tuple[str, np.ndarray, float], ...] = field(default=(), repr=False)
    detail: str = ""

    def residualize(self, x: np.ndarray) -> np.ndarray:
        return x


@dataclass(frozen=True, eq=False, kw_only=True)
class TrimStep(WeightingStep):
    """survey::trimWeights keeps the design's variance formula: identity."""


@dataclass(frozen=True, eq=False, kw_only=True)
class PostStratStep(WeightingStep):
    """Mirrors the ordinary post-stratification branch of survey::svyrecvar."""

    codes: np.ndarray = field(repr=False)
    n_levels: int = 0

    def residualize(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        oldw, psw = self.input_weights, self.weights
        ratio = _safe_div(oldw, psw)
        num = _group_sum(x * ratio[:, None], self.codes, self.n_levels)
        den = np.bincount(self.codes, weights=oldw, minlength=self.n_levels)
        means = _safe_div(num, den[:, None])
        return x - means[self.codes] * psw[:, None]


@dataclass(frozen=True, eq=False, kw_only=True)
class RakingStep(WeightingStep):
    """Mirrors the "raking" branch of survey::svyrecvar (10 passes of IPF on residuals).

    R uses the weights after each margin's post-stratification in the last raking pass; at
    convergence these equal the final weights, which are used here.
    """

    passes: int = 10

    def residualize(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float).copy()
        psw = self.weights
        live = psw != 0
        counts = [np.bincount(m.codes[live], minlength=len(m.levels)) for m in self.margins]
        for _ in range(self.passes):
            for m, cnt in zip(self.margins, counts, strict=True):
                r = _safe_div(x, psw[:, None])
                means = _safe_div(_group_sum(r, m.codes, len(m.levels)), cnt[:, None])
                x = x - psw[:, None] * means[m.codes]
        return x


@dataclass(frozen=True, eq=False, kw_only=True)
class GregStep(WeightingStep):
    """Mirrors the "greg_calibration" branch of survey::svyrecvar (stage 0)."""

    model_matrix: np.ndarray = field(repr=False)
    g: np.ndarray = field(repr=False)

    def _basis(self) -> np.ndarray:
        cached = self.__dict__.get("_q")
        if cached is None:
            whalf = np.sqrt(self.input_weights)
            a = self.model_matrix * whalf[:, None]
            q, r = np.linalg.qr(a)
            d = np.abs(np.diag(r))
            keep = d > 1e-7 * max(float(d.max(initial=0.0)), 1e-300)
            if not keep.all():  # rank deficient: orthonormal basis of the column space
                u, s, _ = np.linalg.svd(a, full_matrices=False)
                q = u[:, s > 1e-7 * s[0]]
            cached = q
            object.__setattr__(self, "_q", cached)
        return cached

    def residualize(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        wcal = self.g * np.sqrt(self.input_weights)
        z = _safe_div(x, wcal[:, None])
        q = self._basis()
        z = z - q @ (q.T @ z)
        return z * wcal[:, None]
