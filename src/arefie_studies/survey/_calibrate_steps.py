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
    convergence these equal the final weights, which are used here. With ``r = x / w`` a pass
    is ``r <- r - mean(r | margin level)`` (unweighted means, R's ``ave``), so the passes run
    on the cell sums of ``r`` (``cell``: the joint cell of the margins' levels) and only the
    accumulated shift per cell is applied to the rows: O(rows) once, not per pass.
    """

    cell: np.ndarray = field(repr=False)
    cell_codes: np.ndarray = field(repr=False)
    passes: int = 10

    def residualize(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        psw = self.weights
        live = psw != 0
        inv = np.where(live, 1.0 / np.where(live, psw, 1.0), 0.0)
        m = self.cell_codes.shape[0]
        cnt_cell = np.bincount(self.cell[live], minlength=m).astype(float)
        r = x * inv[:, None]
        sums = _group_sum(r * live[:, None], self.cell, m)  # (m, k) cell sums of r
        shift = np.zeros_like(sums)  # per-cell amount subtracted from r
        levels = [self.cell_codes[:, j] for j in range(self.cell_codes.shape[1])]
        sizes = [len(mg.levels) for mg in self.margins]
        for _ in range(self.passes):
            for idx, size in zip(levels, sizes, strict=True):
                cur = sums - cnt_cell[:, None] * shift
                lvl_sum = np.stack([np.bincount(idx, weights=cur[:, j], minlength=size)
                                    for j in range(cur.shape[1])], axis=1)
                lvl_cnt = np.bincount(idx, weights=cnt_cell, minlength=size)
                means = _safe_div(lvl_sum, lvl_cnt[:, None])
                shift = shift + means[idx]
        return (r - shift[self.cell]) * psw[:, None]


@dataclass(frozen=True, eq=False, kw_only=True)
class GregStep(WeightingStep):
    """Mirrors the "greg_calibration" branch of survey::svyrecvar (stage 0).

    ``qr.resid(qr(A), z)`` with ``A = X sqrt(w0)`` is computed by corrected semi-normal
    equations on the column-equilibrated Gram matrix (pseudo-inverse for aliased columns),
    which avoids forming Q for millions of rows.
    """

    model_matrix: np.ndarray = field(repr=False)
    g: np.ndarray = field(repr=False)

    def _gram(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        cached = self.__dict__.get("_gram_cache")
        if cached is None:
            whalf = np.sqrt(self.input_weights)
            a = self.model_matrix * whalf[:, None]
            norms = np.sqrt(np.einsum("ij,ij->j", a, a))
            scale = np.where(norms > 0, 1.0 / np.where(norms > 0, norms, 1.0), 0.0)
            a *= scale[None, :]
            gram = a.T @ a
            vals, vecs = np.linalg.eigh(gram)
            keep = vals > 1e-12 * max(float(vals.max(initial=0.0)), 1e-300)
            ginv = (vecs[:, keep] / vals[keep]) @ vecs[:, keep].T
            cached = (whalf, scale, ginv)
            object.__setattr__(self, "_gram_cache", cached)
        return cached

    def residualize(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        whalf, scale, ginv = self._gram()
        wcal = self.g * whalf
        z = _safe_div(x, wcal[:, None])
        a = self.model_matrix * (whalf[:, None] * scale[None, :])
        for _ in range(2):  # one step of iterative refinement
            z = z - a @ (ginv @ (a.T @ z))
        return z * wcal[:, None]
