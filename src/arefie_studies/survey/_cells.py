"""The single internal shape of every linear estimator: ratios of weighted cell totals.

Every estimate of the engine (mean, total, ratio, proportion, count by level, and the
indicator means behind quantile intervals) is, for cell ``c``::

    theta_c = sum_i w_i a_i [cn_i = c]  /  sum_i w_i b_i [cd_i = dmap_c]      (ratio form)
    theta_c = sum_i w_i a_i [cn_i = c]                                          (total form)

with ``cd`` the domain code of each row (``-1`` outside every domain).  Its influence values are
``U_ic = w_i (a_i [cn_i = c] - theta_c b_i [cd_i = dmap_c]) / B_c`` (``w_i a_i [cn_i = c]`` for
totals), so that the linearised variance is ``linearized_vcov(U, design)``; for replicate
designs the same totals are evaluated with every replicate weight column in one matrix product.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

__all__ = ["Cells"]


@dataclass(frozen=True, eq=False)
class Cells:
    a: np.ndarray  # (n,) numerator values
    cn: np.ndarray  # (n,) numerator cell code, -1 = none
    n_cells: int
    b: np.ndarray  # (n,) denominator values (domain indicator for means)
    cd: np.ndarray  # (n,) domain code, -1 = outside
    n_domains: int
    dmap: np.ndarray  # (n_cells,) domain of each cell
    total: bool = False

    # ---- point estimates with one weight vector ------------------------------------------
    def sums(self, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        okn = self.cn >= 0
        okd = self.cd >= 0
        num = np.bincount(self.cn[okn], weights=(w * self.a)[okn], minlength=self.n_cells)
        den = np.bincount(self.cd[okd], weights=(w * self.b)[okd], minlength=self.n_domains)
        return num, den

    def estimate(self, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        num, den = self.sums(w)
        if self.total:
            return num, den
        with np.errstate(invalid="ignore", divide="ignore"):
            return num / den[self.dmap], den

    # ---- linearisation ----------------------------------------------------------------------
    def psu_totals(self, w: np.ndarray, theta: np.ndarray, den: np.ndarray, psu: np.ndarray, n_psu: int) -> np.ndarray:
        """PSU totals (P, C) of the influence values, by two bincounts (no (n, C) matrix)."""
        okn = self.cn >= 0
        ta = np.bincount(
            psu[okn] * self.n_cells + self.cn[okn], weights=(w * self.a)[okn],
            minlength=n_psu * self.n_cells,
        ).reshape(n_psu, self.n_cells)
        if self.total:
            return ta
        okd = self.cd >= 0
        tb = np.bincount(
            psu[okd] * self.n_domains + self.cd[okd], weights=(w * self.b)[okd],
            minlength=n_psu * self.n_domains,
        ).reshape(n_psu, self.n_domains)
        with np.errstate(invalid="ignore", divide="ignore"):
            return (ta - theta * tb[:, self.dmap]) / den[self.dmap]

    def influence(self, w: np.ndarray, theta: np.ndarray, den: np.ndarray) -> np.ndarray:
        """Dense influence values (n, C) (fallback for calibrated or multistage designs)."""
        n = len(w)
        u = np.zeros((n, self.n_cells))
        okn = np.flatnonzero(self.cn >= 0)
        u[okn, self.cn[okn]] = (w * self.a)[okn]
        if not self.total:
            member = self.cd[:, None] == self.dmap[None, :]
            u -= member * (w * self.b)[:, None] * theta[None, :]
            with np.errstate(invalid="ignore", divide="ignore"):
                u /= den[self.dmap][None, :]
        return u

    def domain_matrix(self) -> np.ndarray:
        """(n, C) bool: rows of each cell's domain."""
        return self.cd[:, None] == self.dmap[None, :]

    # ---- replicate weights -------------------------------------------------------------------
    def numerator_matrix(self) -> sp.csr_matrix:
        n = len(self.a)
        ok = np.flatnonzero(self.cn >= 0)
        return sp.csr_matrix((self.a[ok], (self.cn[ok], ok)), shape=(self.n_cells, n))

    def denominator_matrix(self) -> sp.csr_matrix:
        n = len(self.b)
        ok = np.flatnonzero(self.cd >= 0)
        return sp.csr_matrix((self.b[ok], (self.cd[ok], ok)), shape=(self.n_domains, n))

    # ---- counts ---------------------------------------------------------------------------------
    def n_obs(self, w: np.ndarray) -> np.ndarray:
        """Unweighted rows with nonzero weight in each cell's domain."""
        ok = (self.cd >= 0) & (w != 0)
        return np.bincount(self.cd[ok], minlength=self.n_domains)[self.dmap]

    def second_moment(self, w: np.ndarray) -> np.ndarray:
        """sum_i w_i a_i^2 [cn_i = c] (for the SRS variance of design effects)."""
        okn = self.cn >= 0
        return np.bincount(self.cn[okn], weights=(w * self.a**2)[okn], minlength=self.n_cells)
