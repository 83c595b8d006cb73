"""Design-based tests of association in a two-way table (Rao–Scott and Wald).

Pure algebra on cell proportions / totals and their design covariance; the design method
``SurveyDesign.chisq`` builds those from the data.

Mirrors: survey::svychisq (statistic = "F", "Chisq", "Wald", "adjWald", "lincom").

References: Rao & Scott (1984), Ann. Statist. 12, 46-60; Thomas & Rao (1987), JASA 82,
630-636; Koch, Freeman & Freeman (1975), Int. Stat. Rev. 43, 59-78.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["ChisqResult", "pearson_x2", "rao_scott_delta", "wald_association"]

STATISTICS = ("F", "Chisq", "Wald", "adjWald", "lincom")


@dataclass(frozen=True)
class ChisqResult:
    """Result of :meth:`SurveyDesign.chisq`.

    ``statistic`` is the F statistic for "F", "Wald" and "adjWald", Pearson's X² for "Chisq"
    and "lincom"; ``df`` is ``(numerator df, denominator df)`` for F tests, a number for
    "Chisq" and ``None`` for "lincom".
    """

    statistic: float
    df: float | tuple[float, float] | None
    p_value: float
    method: str
    kind: str
    row: str
    col: str
    table: pd.DataFrame = field(repr=False)
    design_effects: np.ndarray = field(repr=False, default_factory=lambda: np.empty(0))

    def to_frame(self) -> pd.DataFrame:
        """One-row tidy frame: statistic, df (ndf, ddf), p_value, method."""
        ndf, ddf = (self.df if isinstance(self.df, tuple) else (self.df, np.nan))
        return pd.DataFrame(
            {
                "row": [self.row],
                "col": [self.col],
                "test": [self.kind],
                "statistic": [self.statistic],
                "ndf": [np.nan if ndf is None else ndf],
                "ddf": [ddf],
                "p_value": [self.p_value],
            }
        )

    def __repr__(self) -> str:
        name = "F" if self.kind in ("F", "Wald", "adjWald") else "X-squared"
        if isinstance(self.df, tuple):
            dfs = f"ndf = {self.df[0]:.5g}, ddf = {self.df[1]:.5g}"
        elif self.df is None:
            dfs = "df: weighted sum of chi-squares"
        else:
            dfs = f"df = {self.df:.5g}"
        return (
            f"{self.method}\n"
            f"data: {self.row} × {self.col}\n"
            f"{name} = {self.statistic:.6g}, {dfs}, p-value = {self.p_value:.4g}"
        )


def pearson_x2(table: np.ndarray) -> float:
    """Pearson's X² of a two-way table (R's ``chisq.test(correct=FALSE)``)."""
    t = np.asarray(table, dtype=float)
    e = np.outer(t.sum(axis=1), t.sum(axis=0)) / t.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.sum((t - e) ** 2 / e))


def _interaction_contrasts(nr: int, nc: int) -> np.ndarray:
    """Columns of the row×col interaction, residualised on the main effects (R's Cmat)."""
    rows = np.tile(np.arange(nr), nc)  # expand.grid: rows vary fastest
    cols = np.repeat(np.arange(nc), nr)
    x1 = np.column_stack(
        [np.ones(nr * nc)]
        + [(rows == i).astype(float) for i in range(1, nr)]
        + [(cols == j).astype(float) for j in range(1, nc)]
    )
    x12 = np.column_stack(
        [((rows == i) & (cols == j)).astype(float) for j in range(1, nc) for i in range(1, nr)]
    )
    beta, *_ = np.linalg.lstsq(x1, x12, rcond=None)
    return x12 - x1 @ beta


def rao_scott_delta(p: np.ndarray, v: np.ndarray, nr: int, nc: int, n: float) -> np.ndarray:
    """Generalised design-effect matrix Delta of the Rao–Scott correction.

    ``p`` (nr*nc,) are the estimated cell proportions, rows varying fastest, ``v`` their design
    covariance and ``n`` the number of observations. With C the interaction contrasts,
    ``Delta = (C' D⁻¹ C / n)⁻¹ (C' D⁻¹ V D⁻¹ C)`` where ``D = diag(p)``.
    """
    cmat = _interaction_contrasts(nr, nc)
    idiag = np.where(p == 0, 0.0, 1.0 / np.where(p == 0, 1.0, p))
    a = cmat * idiag[:, None]
    denom = cmat.T @ a / n
    numr = a.T @ v @ a
    return np.linalg.solve(denom, numr)


def rao_scott_test(
    x2: float, delta: np.ndarray, nu: float, kind: str
) -> tuple[float, float | tuple[float, float] | None, float]:
    """Statistic, df and p-value of the first- ("Chisq") or second-order ("F") correction."""
    tr = float(np.trace(delta))
    if kind == "F":
        d0 = tr**2 / float(np.trace(delta @ delta))
        stat = x2 / tr
        return stat, (d0, d0 * nu), float(stats.f.sf(stat, d0, d0 * nu))
    if kind == "Chisq":
        k = delta.shape[0]
        return x2, float(k), float(stats.chi2.sf(x2 / (tr / k), k))
    if kind == "lincom":
        d0 = tr**2 / float(np.trace(delta @ delta))
        lam = np.linalg.eigvals(delta).real
        return x2, None, _pfsum_upper(x2, lam, d0 * nu)
    raise ValueError(kind)


def _pfsum_upper(x: float, lam: np.ndarray, ddf: float) -> float:
    """P(sum_k lam_k Z_k² / (χ²_ddf / ddf) > x), exact, by Imhof's (1961) inversion.

    The event is ``Y = sum_k lam_k χ²_1 - (x / ddf) χ²_ddf > 0``; Imhof's formula
    ``P(Y > 0) = 1/2 + (1/π) ∫_0^∞ sin θ(u) / (u ρ(u)) du`` with
    ``θ(u) = ½ Σ h_j arctan(c_j u)``, ``ρ(u) = Π (1 + c_j² u²)^{h_j / 4}`` holds for
    non-integer ``h`` (here ``h = ddf``). ``ddf = inf`` gives the weighted chi-square.

    Mirrors: survey::pFsum (R evaluates it with CompQuadForm or a saddlepoint approximation).
    """
    from scipy import integrate

    lam = np.asarray(lam, dtype=float)
    lam = lam[np.abs(lam) > 1e-12 * np.max(np.abs(lam))]
    if np.isfinite(ddf):
        c = np.append(lam, -x / ddf)
        h = np.append(np.ones(lam.size), ddf)
        shift = 0.0
    else:
        c, h, shift = lam, np.ones(lam.size), x

    def integrand(u: float) -> float:
        theta = 0.5 * np.sum(h * np.arctan(c * u)) - 0.5 * shift * u
        logrho = 0.25 * np.sum(h * np.log1p((c * u) ** 2))
        return np.sin(theta) / (u * np.exp(logrho))

    scale = 1.0 / np.max(np.abs(c))
    total = 0.0
    edges = [0.0, *(scale * 2.0**j for j in range(-4, 40))]
    for lo, hi in itertools.pairwise(edges):
        part, _ = integrate.quad(integrand, lo, hi, limit=200)
        total += part
        if abs(part) < 1e-14 and hi > 64 * scale:
            break
    return float(np.clip(0.5 + total / np.pi, 0.0, 1.0))


def wald_association(
    totals: np.ndarray, v: np.ndarray, nr: int, nc: int, nu: float, adjusted: bool
) -> tuple[float, tuple[float, float], float]:
    """Wald test that cell totals equal row total × column total / N.

    ``totals`` stacks the nr*nc cell totals (rows fastest), nr row totals, nc column totals
    and N; ``v`` is their design covariance. "adjWald" rescales by (nu - df + 1)/(df nu).
    """
    k = nr * nc
    cell = totals[:k]
    rt = totals[k : k + nr]
    ct = totals[k + nr : k + nr + nc]
    big_n = totals[k + nr + nc]
    rows = np.tile(np.arange(nr), nc)
    cols = np.repeat(np.arange(nc), nr)
    jac = np.hstack(
        [
            np.eye(k),
            -(rows[:, None] == np.arange(nr)[None, :]).astype(float) * (ct[cols] / big_n)[:, None],
            -(cols[:, None] == np.arange(nc)[None, :]).astype(float) * (rt[rows] / big_n)[:, None],
            (rt[rows] * ct[cols] / big_n**2)[:, None],
        ]
    )
    y = cell - rt[rows] * ct[cols] / big_n
    vv = jac @ v @ jac.T
    use = (rows > 0) & (cols > 0)
    stat = float(y[use] @ np.linalg.solve(vv[np.ix_(use, use)], y[use]))
    numdf = float((nr - 1) * (nc - 1))
    if adjusted:
        denomdf = nu - numdf + 1
        stat = stat * denomdf / (numdf * nu)
    else:
        stat = stat / numdf
        denomdf = nu
    return stat, (numdf, float(denomdf)), float(stats.f.sf(stat, numdf, denomdf))
