"""Calibration numerics: generalised raking (grake), raking on collapsed cells, trimming.

Pure functions on numpy arrays; the design methods in ``_weighting.py`` call them.

Mirrors: survey::grake, survey::calibrate (calfun linear / raking / logit, bounds, epsilon,
maxit), survey::rake (iterative proportional fitting), survey::trimWeights.

References: Deville & Särndal (1992), JASA 87, 376-382; Deville, Särndal & Sautory (1993),
JASA 88, 1013-1020.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import CalibrationError

__all__ = [
    "CalibrationError",
    "calibration_g",
    "collapse_rows",
    "ipf_cells",
    "trim_weights",
]

_METHODS = ("linear", "raking", "logit")


# --------------------------------------------------------------------------------------------
# calibration functions F(u) - 1 and their derivatives (survey::cal.linear / cal.raking / cal.logit)
# --------------------------------------------------------------------------------------------
def _fm1(u: np.ndarray, method: str, lower: float, upper: float) -> np.ndarray:
    if method == "linear":
        return np.minimum(np.maximum(u + 1.0, lower), upper) - 1.0
    if method == "raking":
        with np.errstate(over="ignore"):
            return np.minimum(np.maximum(np.exp(u), lower), upper) - 1.0
    a = (upper - lower) / ((upper - 1.0) * (1.0 - lower))
    with np.errstate(over="ignore", invalid="ignore"):
        eau = np.exp(a * u)
        return (lower * (upper - 1.0) + upper * (1.0 - lower) * eau) / (
            upper - 1.0 + (1.0 - lower) * eau
        ) - 1.0


def _dfm1(u: np.ndarray, method: str, lower: float, upper: float) -> np.ndarray:
    inside = (u < upper - 1.0) & (u > lower - 1.0)
    if method == "linear":
        return inside.astype(float)
    if method == "raking":
        with np.errstate(over="ignore"):
            return np.where(inside, np.exp(u), 0.0)
    a = (upper - lower) / ((upper - 1.0) * (1.0 - lower))
    with np.errstate(over="ignore", invalid="ignore"):
        eau = np.exp(a * u)
        den = upper - 1.0 + (1.0 - lower) * eau
        return upper * (1.0 - lower) * eau * a / den - (
            (lower * (upper - 1.0) + upper * (1.0 - lower) * eau) * ((1.0 - lower) * eau * a)
        ) / den**2


def _check_bounds(method: str, bounds: tuple[float, float]) -> tuple[float, float]:
    if method not in _METHODS:
        raise CalibrationError(
            f"method={method!r} is not a calibration method. Possible values are: "
            f"{', '.join(_METHODS)}."
        )
    try:
        lower, upper = (float(b) for b in bounds)
    except (TypeError, ValueError):
        raise CalibrationError(
            f"bounds={bounds!r} must be a pair (lower, upper) of numbers, e.g. (0.5, 2.0)."
        ) from None
    if not lower < 1.0 < upper:
        raise CalibrationError(
            f"bounds=({lower:g}, {upper:g}) must satisfy lower < 1 < upper: the bounds apply to the "
            "ratio g = calibrated weight / input weight, and g = 1 must be allowed."
        )
    if method == "logit" and not (np.isfinite(lower) and np.isfinite(upper)):
        raise CalibrationError(
            "method='logit' requires finite bounds, e.g. bounds=(0.5, 2.0) (survey::cal.logit)."
        )
    return lower, upper


@dataclass(frozen=True)
class GrakeResult:
    """g-weights of a calibration and how they were reached."""

    g: np.ndarray
    eta: np.ndarray
    iterations: int
    misfit: np.ndarray  # population - calibrated totals, per column of the model matrix


def calibration_g(
    mm: np.ndarray,
    w: np.ndarray,
    population: np.ndarray,
    *,
    method: str = "linear",
    bounds: tuple[float, float] = (-np.inf, np.inf),
    epsilon: float = 1e-10,
    maxit: int = 50,
    names: list[str] | None = None,
) -> GrakeResult:
    """Solve sum_i w_i g_i x_i = T for g_i = F(x_i' eta) by Newton's method.

    ``|T_j - sum_i w_i g_i x_ij| / (1 + |T_j|) < epsilon`` for all columns j ends the iterations;
    the Newton step uses the Moore-Penrose inverse of ``X' diag(w F'(X eta)) X`` so aliased
    columns (e.g. two margins that both imply the total) are allowed.

    Mirrors: survey::grake (R survey 4.1), including step halving when g is not finite.
    Raises :class:`CalibrationError` when the iterations do not converge, naming the columns
    (margins) that are not reached and by how much.
    """
    lower, upper = _check_bounds(method, bounds)
    mm = np.asarray(mm, dtype=float)
    w = np.asarray(w, dtype=float)
    population = np.asarray(population, dtype=float)
    names = names if names is not None else [f"column {j}" for j in range(mm.shape[1])]
    sample_total = mm.T @ w
    eta = np.zeros(mm.shape[1])
    xeta = np.zeros(mm.shape[0])
    g = 1.0 + _fm1(xeta, method, lower, upper)
    deriv = _dfm1(xeta, method, lower, upper)
    tol = 256 * np.finfo(float).eps
    it = 1
    while True:
        tmat = (mm * (w * deriv)[:, None]).T @ mm
        misfit = population - sample_total - mm.T @ (w * (g - 1.0))
        deta = np.linalg.pinv(tmat, rcond=tol) @ misfit
        eta = eta + deta
        xeta = mm @ eta
        g = 1.0 + _fm1(xeta, method, lower, upper)
        deriv = _dfm1(xeta, method, lower, upper)
        while it < maxit and not (np.all(np.isfinite(g)) and np.all(np.isfinite(deriv))):
            it += 1
            deta = deta / 2.0
            eta = eta - deta
            xeta = mm @ eta
            g = 1.0 + _fm1(xeta, method, lower, upper)
            deriv = _dfm1(xeta, method, lower, upper)
        misfit = population - sample_total - mm.T @ (w * (g - 1.0))
        rel = np.abs(misfit) / (1.0 + np.abs(population))
        if np.all(rel < epsilon):
            return GrakeResult(g=g, eta=eta, iterations=it, misfit=misfit)
        it += 1
        if it > maxit or not np.all(np.isfinite(misfit)):
            bad = np.flatnonzero(~(rel < epsilon))
            detail = "; ".join(
                f"{names[j]}: target {population[j]:.6g}, reached {population[j] - misfit[j]:.6g} "
                f"(off by {misfit[j]:.4g}, relative {rel[j]:.2e})"
                for j in bad[:10]
            )
            hint = (
                " The bounds are probably too tight for these margins: widen bounds="
                f"({lower:g}, {upper:g}) or merge small categories."
                if np.isfinite(lower) or np.isfinite(upper)
                else " Check that the margins are consistent with each other and with the sample."
            )
            raise CalibrationError(
                f"{method} calibration did not converge in {maxit} iterations "
                f"(epsilon={epsilon:g}). Margins not reached: {detail}.{hint}"
            )


# --------------------------------------------------------------------------------------------
# collapsing rows that share the same categorical cell
# --------------------------------------------------------------------------------------------
def collapse_rows(codes: list[np.ndarray], sizes: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Joint cell index of several integer codings.

    Returns ``(cell, cell_codes)``: ``cell`` (n,) maps each row to a cell 0..m-1 and
    ``cell_codes`` (m, k) gives each cell's code in each coding. Uses a mixed-radix key when
    it fits in int64, else ``np.unique`` on rows.
    """
    n = codes[0].shape[0]
    radix = 1
    fits = True
    for s in sizes:
        radix *= max(int(s), 1)
        if radix > 2**62:
            fits = False
            break
    if fits:
        key = codes[0].astype(np.int64, copy=False)
        for c, s in zip(codes[1:], sizes[1:], strict=True):
            key = key * max(int(s), 1) + c
        if radix <= 4096:  # few cells: every combination is a cell (empty ones weigh 0)
            cell = key
            uniq = np.arange(radix, dtype=np.int64)
        elif radix <= 4 * n + 1024:
            present = np.zeros(radix, dtype=bool)
            present[key] = True
            uniq = np.flatnonzero(present)
            lookup = np.full(radix, -1, dtype=np.int64)
            lookup[uniq] = np.arange(uniq.size)
            cell = lookup[key]
        else:
            uniq, cell = np.unique(key, return_inverse=True)
        cell_codes = np.empty((uniq.size, len(codes)), dtype=np.int64)
        rest = uniq.copy()
        for j in range(len(codes) - 1, -1, -1):
            s = max(int(sizes[j]), 1)
            cell_codes[:, j] = rest % s
            rest //= s
        return cell, cell_codes
    stacked = np.stack([c.astype(np.int64) for c in codes], axis=1)
    cell_codes, cell = np.unique(stacked, axis=0, return_inverse=True)
    return cell.reshape(-1), cell_codes


def _ipf_r_rule(cell_w, cur, margin_index, targets, r_control) -> tuple[np.ndarray, int]:
    """R's ``rake(control = list(epsilon, maxit))``: after each pass, stop when the largest
    change of a cell total of the joint table (``svytable`` of all margin variables) is below
    ``epsilon`` (times the sum of the weights when ``epsilon < 1``); at most ``maxit`` passes,
    then a :class:`CalibrationWarning` (R's "Raking did not converge") and the weights of the
    last pass."""
    import warnings

    from .errors import CalibrationWarning

    epsilon, maxit = r_control
    eps = epsilon * float(cell_w.sum()) if epsilon < 1 else epsilon
    old = cur.copy()
    passes = 0
    for _ in range(int(maxit)):
        passes += 1
        for idx, tgt in zip(margin_index, targets, strict=True):
            tot = np.bincount(idx, weights=cur, minlength=tgt.size)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(tot > 0, tgt / tot, 0.0)
            cur *= ratio[idx]
        if float(np.max(np.abs(old - cur))) < eps:
            break
        old = cur.copy()
    else:
        warnings.warn(CalibrationWarning(
            f"Raking did not converge after {int(maxit)} passes (R's rake control: epsilon="
            f"{epsilon:g}, maxit={int(maxit)}); the weights of the last pass are used. Raise "
            "maxit or leave control=None to rake to convergence."), stacklevel=4)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(cell_w > 0, cur / cell_w, 0.0), passes


def ipf_cells(
    cell_w: np.ndarray,
    margin_index: list[np.ndarray],
    targets: list[np.ndarray],
    *,
    epsilon: float = 1e-10,
    maxit: int = 10000,
    names: list[str] | None = None,
    r_control: tuple[float, int] | None = None,
) -> tuple[np.ndarray, int]:
    """Iterative proportional fitting on cell totals.

    ``r_control=(epsilon, maxit)``: R's stopping rule instead (see :func:`_ipf_r_rule`).

    ``cell_w`` (m,) are the input weighted counts of the m cells; ``margin_index[k]`` (m,)
    gives the level of margin k for each cell and ``targets[k]`` the margin's totals. Returns
    the multiplicative factor per cell and the number of passes. Stops when every margin level
    is within ``epsilon * (1 + target)`` of its target.

    Mirrors: survey::rake (successive post-stratification on each margin), evaluated on the
    collapsed table so one pass costs O(cells) instead of O(rows).
    """
    names = names if names is not None else [f"margin {k}" for k in range(len(targets))]
    cur = cell_w.astype(float).copy()
    if r_control is not None:
        return _ipf_r_rule(cell_w, cur, margin_index, targets, r_control)
    for it in range(1, maxit + 1):
        for idx, tgt in zip(margin_index, targets, strict=True):
            tot = np.bincount(idx, weights=cur, minlength=tgt.size)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(tot > 0, tgt / tot, 0.0)
            cur *= ratio[idx]
        worst = 0.0
        for idx, tgt in zip(margin_index, targets, strict=True):
            tot = np.bincount(idx, weights=cur, minlength=tgt.size)
            worst = max(worst, float(np.max(np.abs(tot - tgt) / (1.0 + np.abs(tgt)))))
        if worst < epsilon:
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.where(cell_w > 0, cur / cell_w, 0.0), it
    details = []
    for name, idx, tgt in zip(names, margin_index, targets, strict=True):
        tot = np.bincount(idx, weights=cur, minlength=tgt.size)
        off = np.max(np.abs(tot - tgt))
        details.append(f"{name}: largest gap {off:.4g}")
    raise CalibrationError(
        f"raking did not converge in {maxit} passes (epsilon={epsilon:g}); "
        + "; ".join(details)
        + ". The margins cannot all be met by this sample: some combination of levels has no "
        "respondent, or the margins contradict each other. Merge sparse categories."
    )


# --------------------------------------------------------------------------------------------
# trimming
# --------------------------------------------------------------------------------------------
def trim_weights(
    w: np.ndarray,
    lower: float = -np.inf,
    upper: float = np.inf,
    *,
    strict: bool = False,
    maxit: int = 1000,
) -> tuple[np.ndarray, int]:
    """Cap/floor weights and share the trimmed amount equally among the untrimmed units.

    Each pass: ``w_new = clip(w, lower, upper)`` and ``sum(w - w_new) / #inside`` is added to
    every unit that was inside the bounds, so the total is unchanged. With ``strict=True`` the
    pass is repeated until no weight is outside the bounds. Rows with zero weight (outside a
    domain) are left at zero. Returns the new weights and the number of passes.

    Mirrors: survey::trimWeights (strict=FALSE / TRUE).
    """
    w = np.asarray(w, dtype=float).copy()
    lower, upper = float(lower), float(upper)
    if not lower < upper:
        raise CalibrationError(f"trim: lower={lower:g} must be smaller than upper={upper:g}.")
    active = w != 0
    n_active = int(active.sum())
    total = float(w[active].sum())
    if n_active and not (n_active * lower <= total + 1e-9 * abs(total) and
                         total <= n_active * upper + 1e-9 * abs(total)):
        raise CalibrationError(
            f"trim: the bounds [{lower:g}, {upper:g}] cannot hold the weight total {total:.6g} "
            f"over {n_active} units (mean weight {total / n_active:.6g} must lie between the "
            "bounds). Widen the bounds."
        )
    passes = 0
    for _ in range(maxit):
        outside = active & ((w < lower) | (w > upper))
        if not outside.any():
            return w, passes
        passes += 1
        new = np.where(outside, np.clip(w, lower, upper), w)
        trimmings = float(np.sum(w - new))
        inside = active & ~outside
        if not inside.any():
            raise CalibrationError(
                "trim: every weight is outside the bounds; nothing is left to receive the "
                "trimmed amount. Widen the bounds."
            )
        new[inside] += trimmings / inside.sum()
        w = new
        if not strict:
            return w, passes
    raise CalibrationError(
        f"trim(strict=True) did not settle in {maxit} passes; widen the bounds."
    )
