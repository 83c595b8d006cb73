"""Weighting steps recorded on a design: they residualise influence values for the variance.

Each step is appended to ``design._calibrations``; ``linearized_vcov`` calls
``step.residualize(x)`` before summing to PSU totals, which is R's handling of the
``postStrata`` list in ``svyrecvar``:

* :class:`GregStep` — ``calibrate()``: ``qr.resid(qr(X * sqrt(w0)), x / (g sqrt(w0))) * g sqrt(w0)``;
* :class:`RakingStep` — ``rake()``: ten passes of ``x <- x - w * ave(x / w, margin)`` per margin;
* :class:`PostStratStep` — ``poststratify()``: ``x <- x - w * mean_{w0}(x / w | post-stratum)``;
* :class:`TrimStep` — ``trim()``: no variance adjustment (``trimWeights``), kept for diagnostics.

The steps also keep the input weights and targets used by ``weighting_diagnostics()``.

``residual_psu_totals(rows, col, vals, k, stage)`` gives the PSU totals of ``residualize(x)``
for a sparse ``x`` with one value per listed row (``x[rows, col] = vals``) without forming the
dense (n, k) block: every step's residual is ``x`` minus a fixed (n, q) matrix times a small
(q, k) coefficient matrix computed from ``x``'s group sums (used by the banner's general path).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from ._calibrate_margins import Margin


def _sparse_psu_totals(rows, col, vals, k, stage) -> np.ndarray:
    p = stage.n_units
    return np.bincount(stage.psu[rows] * k + col, weights=vals, minlength=p * k).reshape(p, k)


def _sparse_group_sum(rows, col, vals, k, codes, m) -> np.ndarray:
    return np.bincount(codes[rows] * k + col, weights=vals, minlength=m * k).reshape(m, k)


def _psu_by_code(stage, codes: np.ndarray, weights: np.ndarray, m: int) -> np.ndarray:
    """(P, m) PSU totals of ``weights`` split by ``codes``."""
    p = stage.n_units
    return np.bincount(stage.psu * m + codes, weights=weights, minlength=p * m).reshape(p, m)


__all__ = ["GregStep", "PostStratStep", "RakingStep", "TrimStep", "WeightingStep"]


def _safe_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b with 0 where b == 0 (rows outside the domain carry zero influence)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b != 0, a / np.where(b != 0, b, 1.0), 0.0)


def _group_sum(x: np.ndarray, codes: np.ndarray, m: int) -> np.ndarray:
    """(m, k) sums of the rows of ``x`` (n, k) by ``codes``: one bincount for one column, a
    sparse product (one pass over ``x``) for many."""
    if x.shape[1] == 1:
        return np.bincount(codes, weights=x[:, 0], minlength=m)[:, None]
    n = codes.shape[0]
    ind = sp.csr_matrix((np.ones(n), (codes, np.arange(n))), shape=(m, n))
    return np.asarray(ind @ x)


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

    def residual_psu_totals(self, rows, col, vals, k, stage) -> np.ndarray:
        return _sparse_psu_totals(rows, col, vals, k, stage)


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

    def residual_psu_totals(self, rows, col, vals, k, stage) -> np.ndarray:
        ratio = _safe_div(self.input_weights, self.weights)
        num = _sparse_group_sum(rows, col, vals * ratio[rows], k, self.codes, self.n_levels)
        den = np.bincount(self.codes, weights=self.input_weights, minlength=self.n_levels)
        means = _safe_div(num, den[:, None])
        wpc = _psu_by_code(stage, self.codes, self.weights, self.n_levels)
        return _sparse_psu_totals(rows, col, vals, k, stage) - wpc @ means


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

    def _memo(self) -> dict:
        memo = self.__dict__.get("_memo_cache")
        if memo is None:
            memo = {}
            object.__setattr__(self, "_memo_cache", memo)
        return memo

    def _inv(self) -> tuple[np.ndarray, np.ndarray]:
        memo = self._memo()
        if "inv" not in memo:
            psw = self.weights
            live = psw != 0
            memo["inv"] = (live, np.where(live, 1.0 / np.where(live, psw, 1.0), 0.0))
        return memo["inv"]

    def _passes_setup(self, live: np.ndarray):
        """Cell counts and, per margin, the (levels, cells) one-hot matrix and 1 / level count."""
        memo = self._memo()
        if "setup" not in memo:
            m = self.cell_codes.shape[0]
            cnt_cell = np.bincount(self.cell[live], minlength=m).astype(float)
            per_margin = []
            for j, mg in enumerate(self.margins):
                idx = self.cell_codes[:, j]
                onehot = np.zeros((len(mg.levels), m))
                onehot[idx, np.arange(m)] = 1.0
                lvl_cnt = onehot @ cnt_cell
                inv_cnt = np.where(lvl_cnt != 0, 1.0 / np.where(lvl_cnt != 0, lvl_cnt, 1.0), 0.0)
                per_margin.append((idx, onehot, inv_cnt))
            memo["setup"] = (cnt_cell, per_margin)
        return memo["setup"]

    def _shift(self, sums: np.ndarray, live: np.ndarray) -> np.ndarray:
        """Per-cell amount subtracted from r = x / w after the IPF passes on cell sums."""
        cnt_cell, per_margin = self._passes_setup(live)
        shift = np.zeros_like(sums)
        for _ in range(self.passes):
            for idx, onehot, inv_cnt in per_margin:
                cur = sums - cnt_cell[:, None] * shift
                means = (onehot @ cur) * inv_cnt[:, None]
                shift = shift + means[idx]
        return shift

    def residualize(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        live, inv = self._inv()
        r = x * inv[:, None]  # zero on dead rows (inv = 0 there)
        shift = self._shift(_group_sum(r, self.cell, self.cell_codes.shape[0]), live)
        r -= shift[self.cell]
        r *= self.weights[:, None]
        return r

    def residual_psu_totals(self, rows, col, vals, k, stage) -> np.ndarray:
        live, inv = self._inv()
        m = self.cell_codes.shape[0]
        r = vals * inv[rows]
        shift = self._shift(_sparse_group_sum(rows, col, r, k, self.cell, m), live)
        memo = self._memo()
        key = ("wpc", id(stage))
        if key not in memo:
            memo[key] = (stage, _psu_by_code(stage, self.cell, self.weights, m))
        wpc = memo[key][1]
        return _sparse_psu_totals(rows, col, vals * live[rows], k, stage) - wpc @ shift


@dataclass(frozen=True, eq=False, kw_only=True)
class GregStep(WeightingStep):
    """Mirrors the "greg_calibration" branch of survey::svyrecvar (stage 0).

    ``qr.resid(qr(A), z)`` with ``A = X sqrt(w0)`` is computed by corrected semi-normal
    equations on the column-equilibrated Gram matrix (pseudo-inverse for aliased columns),
    which avoids forming Q for millions of rows.
    """

    model_matrix: np.ndarray = field(repr=False)
    g: np.ndarray = field(repr=False)
    qr_weights: np.ndarray | None = field(default=None, repr=False)  # aggregate_stage: ave(w)

    def _gram(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        cached = self.__dict__.get("_gram_cache")
        if cached is None:
            whalf = np.sqrt(self.input_weights if self.qr_weights is None else self.qr_weights)
            a = self.model_matrix * whalf[:, None]
            norms = np.sqrt(np.einsum("ij,ij->j", a, a))
            scale = np.where(norms > 0, 1.0 / np.where(norms > 0, norms, 1.0), 0.0)
            a *= scale[None, :]
            gram = a.T @ a
            vals, vecs = np.linalg.eigh(gram)
            keep = vals > 1e-12 * max(float(vals.max(initial=0.0)), 1e-300)
            ginv = (vecs[:, keep] / vals[keep]) @ vecs[:, keep].T
            cached = (whalf, scale, ginv, a)
            object.__setattr__(self, "_gram_cache", cached)
        return cached

    def residualize(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        _whalf, _scale, ginv, a = self._gram()
        wcal = self.g * _whalf
        z = _safe_div(x, wcal[:, None])
        for _ in range(2):  # one step of iterative refinement
            z = z - a @ (ginv @ (a.T @ z))
        return z * wcal[:, None]

    def residual_psu_totals(self, rows, col, vals, k, stage) -> np.ndarray:
        # z - a G a'z, refined once: z - a (2G - G a'a G) a'z (the same two projections)
        _whalf, _scale, ginv, a = self._gram()
        wcal = self.g * _whalf
        live = wcal != 0
        z = np.where(live[rows], vals / np.where(live[rows], wcal[rows], 1.0), 0.0)
        atz = np.stack([np.bincount(col, weights=a[rows, j] * z, minlength=k)
                        for j in range(a.shape[1])])  # (q, k) = a' z
        gram = a.T @ a
        coef = (2 * ginv - ginv @ gram @ ginv) @ atz
        pa = np.stack([np.bincount(stage.psu, weights=a[:, j] * wcal, minlength=stage.n_units)
                       for j in range(a.shape[1])], axis=1)  # (P, q) PSU totals of wcal a
        return _sparse_psu_totals(rows, col, vals * live[rows], k, stage) - pa @ coef
