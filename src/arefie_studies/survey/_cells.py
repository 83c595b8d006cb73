"""The single internal shape of every linear estimator: ratios of weighted cell totals.

Every estimate of the engine (mean, total, ratio, proportion, count by level, and the
indicator means behind quantile intervals) is, for cell ``c``::

    theta_c = sum_i w_i a_i [cn_i = c]  /  sum_i w_i b_i [cd_i = dmap_c]      (ratio form)
    theta_c = sum_i w_i a_i [cn_i = c]                                          (total form)

with ``cd`` the domain code of each row (``-1`` outside every domain).  Its influence values are
``U_ic = w_i (a_i [cn_i = c] - theta_c b_i [cd_i = dmap_c]) / B_c`` (``w_i a_i [cn_i = c]`` for
totals), so that the linearised variance is ``linearized_vcov(U, design)``.  Their PSU totals are
two weighted bincounts (no (n, C) matrix); for replicate designs the same totals are evaluated
with every replicate weight column in one matrix product.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Cells"]


@dataclass(frozen=True, eq=False)
class Cells:
    a: np.ndarray | None  # (n,) numerator values (None: all 1)
    cn: np.ndarray  # (n,) numerator cell code, -1 = none
    n_cells: int
    b: np.ndarray | None  # (n,) denominator values (None: all 1, i.e. a domain indicator)
    cd: np.ndarray  # (n,) domain code, -1 = outside
    n_domains: int
    dmap: np.ndarray  # (n_cells,) domain of each cell
    total: bool = False
    binary: bool = False  # a is 0/1 (so sum w a^2 = sum w a)
    _memo: dict = field(default_factory=dict, repr=False)

    # codes where "outside" is an extra trailing cell: bincounts need no boolean masking
    @property
    def cn_t(self) -> np.ndarray:
        if "cn_t" not in self._memo:
            self._memo["cn_t"] = np.where(self.cn >= 0, self.cn, self.n_cells)
        return self._memo["cn_t"]

    @property
    def cd_t(self) -> np.ndarray:
        if "cd_t" not in self._memo:
            self._memo["cd_t"] = np.where(self.cd >= 0, self.cd, self.n_domains)
        return self._memo["cd_t"]

    def wa(self, w: np.ndarray) -> np.ndarray:
        return w if self.a is None else w * self.a

    def wb(self, w: np.ndarray) -> np.ndarray:
        return w if self.b is None else w * self.b

    def grouped(self, w: np.ndarray, unit: np.ndarray, n_units: int, positive: bool = False) -> dict[str, np.ndarray]:
        """Per-unit sums: ``ta`` (U, C) of w a, ``tb`` (U, D) of w b, ``cnt`` (U, D) of rows
        with nonzero weight (``unit`` = PSU codes)."""
        c1, d1 = self.n_cells + 1, self.n_domains + 1
        ta = np.bincount(unit * c1 + self.cn_t, weights=self.wa(w), minlength=n_units * c1)
        idx_d = unit * d1 + self.cd_t
        tb = np.bincount(idx_d, weights=self.wb(w), minlength=n_units * d1)
        cnt = np.bincount(idx_d, weights=None if positive else (w != 0), minlength=n_units * d1)
        return {
            "ta": ta.reshape(n_units, c1)[:, : self.n_cells],
            "tb": tb.reshape(n_units, d1)[:, : self.n_domains],
            "cnt": cnt.reshape(n_units, d1)[:, : self.n_domains],
        }

    def theta_from(self, num: np.ndarray, den: np.ndarray) -> np.ndarray:
        if self.total:
            return num
        with np.errstate(invalid="ignore", divide="ignore"):
            return num / den[self.dmap]

    def influence_totals(self, ta: np.ndarray, tb: np.ndarray, theta: np.ndarray, den: np.ndarray) -> np.ndarray:
        """Unit totals of the influence values from the grouped sums."""
        if self.total:
            return ta
        with np.errstate(invalid="ignore", divide="ignore"):
            return (ta - theta * tb[:, self.dmap]) / den[self.dmap]

    def estimate(self, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        num = np.bincount(self.cn_t, weights=self.wa(w), minlength=self.n_cells + 1)[: self.n_cells]
        den = np.bincount(self.cd_t, weights=self.wb(w), minlength=self.n_domains + 1)[: self.n_domains]
        return self.theta_from(num, den), den

    def influence(self, w: np.ndarray, theta: np.ndarray, den: np.ndarray) -> np.ndarray:
        """Dense influence values (n, C) (fallback for calibrated or multistage designs)."""
        n = len(w)
        u = np.zeros((n, self.n_cells))
        okn = np.flatnonzero(self.cn >= 0)
        u[okn, self.cn[okn]] = self.wa(w)[okn]
        if not self.total:
            member = self.cd[:, None] == self.dmap[None, :]
            u -= member * self.wb(w)[:, None] * theta[None, :]
            with np.errstate(invalid="ignore", divide="ignore"):
                u /= den[self.dmap][None, :]
        return u

    def domain_matrix(self) -> np.ndarray:
        """(n, C) bool: rows of each cell's domain."""
        return self.cd[:, None] == self.dmap[None, :]

    def second_moment(self, w: np.ndarray) -> np.ndarray:
        """sum_i w_i a_i^2 [cn_i = c] (for the SRS variance of design effects)."""
        a2 = w if self.a is None else w * self.a**2
        return np.bincount(self.cn_t, weights=a2, minlength=self.n_cells + 1)[: self.n_cells]
