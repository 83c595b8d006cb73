"""Linearised (Taylor) variance of estimators from their influence values.

Mirrors: survey::svyrecvar / multistage / onestage / onestrat (R survey 4.1.1).

For influence values ``U`` (one row per respondent, one column per estimate) the variance is
built stage by stage.  At stage ``s`` the rows are summed to PSU totals ``T_{hi}``; within stratum
``h`` with ``n_h`` PSUs (counted in the *full* sample, so domains are padded with zero totals as R
does) and population size ``N_h``::

    V_s = sum_h  m_h * f_h * n_h / (n_h - 1) * sum_i (T_hi - Tbar_h)(T_hi - Tbar_h)'

with ``f_h = 1 - n_h / N_h`` (1 without fpc) and ``m_h`` the product of the sampling fractions
``n/N`` of the ancestors (1 at stage 1).  Later stages only enter when an fpc is given (R's rule:
otherwise the ultimate-cluster approximation).  Strata with one PSU follow ``lonely_psu``:

* ``fail``: error naming the stratum (raised when the design is built);
* ``certainty`` / ``remove``: contribute zero;
* ``adjust``: the single PSU total is centred at zero (the population mean) instead of its own;
* ``average``: contribute zero and the stage variance is multiplied by
  ``n_strata / n_strata_with_2+_PSU`` (counted among the strata present in the domain).

Calibration contract (used by the weighting module): before any aggregation,
``for cal in design._calibrations: x = cal.residualize(x)``.  ``design._calibrations`` is a tuple
(empty by default) of objects with a method ``residualize(x: ndarray (n, k)) -> ndarray (n, k)``
— R's ``postStrata`` list in ``svyrecvar``.  A calibrated design is made with
``design._replace(weights=new_w, calibrations=design._calibrations + (obj,))``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

if TYPE_CHECKING:  # pragma: no cover
    from ._design import SurveyDesign

__all__ = ["OvertonDcheck", "VarianceStage", "domain_lonely_applies", "joint_prob_vcov",
           "linearized_vcov", "psu_totals_vcov"]

_SELF_REPRESENTING = 1e-7


@dataclass(frozen=True, eq=False)
class VarianceStage:
    """One sampling stage, normalised to integer codes (built once by :class:`SurveyDesign`).

    ``psu`` (n,) codes 0..P-1 numbered so that PSUs are sorted by stratum; ``psu_stratum`` (P,)
    the stratum of each PSU; ``n_psu``, ``f``, ``mult``, ``parent`` are per stratum (H,).
    """

    stage: int
    psu: np.ndarray
    strata: np.ndarray
    psu_stratum: np.ndarray
    stratum_starts: np.ndarray
    n_psu: np.ndarray
    f: np.ndarray
    mult: np.ndarray
    parent: np.ndarray
    n_parent: int
    stratum_labels: tuple
    psu_f: np.ndarray | None = None  # (P,) per-PSU 1 - n/N (pps="brewer": 1 - pi_i)

    @property
    def n_units(self) -> int:
        return int(self.psu_stratum.shape[0])

    @property
    def n_strata(self) -> int:
        return int(self.n_psu.shape[0])

    @property
    def lonely(self) -> np.ndarray:
        """Strata with a single PSU that are not self-representing."""
        return (self.n_psu == 1) & ~(self.f < _SELF_REPRESENTING)

    def indicator(self) -> sp.csr_matrix:
        """Sparse (P, n) matrix summing rows to PSU totals (cached on first use)."""
        cached = self.__dict__.get("_indicator")
        if cached is None:
            n = self.psu.shape[0]
            cached = sp.csr_matrix(
                (np.ones(n), (self.psu, np.arange(n))), shape=(self.n_units, n)
            )
            object.__setattr__(self, "_indicator", cached)
        return cached

    def psu_totals(self, x: np.ndarray) -> np.ndarray:
        """Sum the rows of ``x`` (n, k) within PSUs: (P, k)."""
        if x.shape[1] == 1:
            return np.bincount(self.psu, weights=x[:, 0], minlength=self.n_units)[:, None]
        return np.asarray(self.indicator() @ x)


def _presence(stage: VarianceStage, domain: np.ndarray | None, k: int) -> np.ndarray | None:
    """(H, k) bool: stratum has at least one row of the domain (only needed for 'average')."""
    if domain is None:
        return None
    dom = np.asarray(domain, dtype=bool)
    if dom.ndim == 1:
        pres = np.bincount(stage.strata[dom], minlength=stage.n_strata) > 0
        return np.repeat(pres[:, None], k, axis=1)
    out = np.empty((stage.n_strata, dom.shape[1]), dtype=bool)
    for j in range(dom.shape[1]):
        out[:, j] = np.bincount(stage.strata[dom[:, j]], minlength=stage.n_strata) > 0
    return out


def psu_totals_vcov(
    totals: np.ndarray,
    stage: VarianceStage,
    lonely_psu: str,
    presence: np.ndarray | None = None,
    diag_only: bool = False,
    domain_psus: np.ndarray | None = None,
) -> np.ndarray:
    """Variance contribution of one stage from PSU totals ``totals`` (P, k).

    ``domain_psus`` (P, k) bool, given for R's ``options(survey.adjust.domain.lonely=TRUE)``:
    the PSUs with rows in each column's domain.  A stratum with several PSUs but only one in the
    domain is then treated as lonely: under ``adjust`` its total is not centred, under
    ``average`` it contributes nothing and is left out of the strata count.
    Mirrors: survey::onestage + onestrat (vectorised over strata: no loop over strata or PSUs).
    Returns (k, k), or (k,) when ``diag_only``.
    """
    t = np.asarray(totals, dtype=float)
    h = stage.psu_stratum
    n_psu = stage.n_psu.astype(float)
    f = stage.f
    selfrep = f < _SELF_REPRESENTING
    lonely = stage.lonely
    scale = np.where(n_psu > 1, f * n_psu / np.maximum(n_psu - 1.0, 1.0), f)
    scale = np.where(selfrep, 0.0, scale) * stage.mult
    sums = np.add.reduceat(t, stage.stratum_starts, axis=0)
    means = sums / n_psu[:, None]
    if lonely_psu == "adjust":
        means[lonely] = 0.0  # centred at the population mean (zero), as R's 'adjust'
    elif lonely_psu in ("certainty", "remove", "average"):
        scale = np.where(lonely, 0.0, scale)
    elif lonely_psu == "fail" and lonely.any():  # pragma: no cover - caught at construction
        from .errors import LonelyPSUError

        bad = stage.stratum_labels[int(np.flatnonzero(lonely)[0])]
        raise LonelyPSUError(f"Stratum {bad!r} has only one PSU at stage {stage.stage}.")
    dl = None
    if domain_psus is not None and lonely_psu in ("adjust", "average"):
        nsub = np.add.reduceat(np.asarray(domain_psus, dtype=np.int64), stage.stratum_starts, axis=0)
        dl = (nsub == 1) & (n_psu > 1)[:, None]
        if not dl.any():
            dl = None
    if dl is not None and lonely_psu == "adjust":
        means = np.where(dl, 0.0, means)
    scale_p = scale[h]
    if stage.psu_f is not None:  # Brewer's approximation: each PSU its own 1 - pi_i
        nh = n_psu[h]
        scale_p = np.where(nh > 1, stage.psu_f * nh / np.maximum(nh - 1.0, 1.0), stage.psu_f)
        scale_p = np.where(scale[h] == 0, 0.0, scale_p * stage.mult[h])
    z = (t - means[h]) * np.sqrt(scale_p)[:, None]
    if dl is not None and lonely_psu == "average":
        z = z * ~dl[h]
    if lonely_psu == "average" and (lonely.any() or dl is not None):
        k = t.shape[1]
        pres = presence if presence is not None else np.ones((stage.n_strata, k), dtype=bool)
        ok = pres & ~lonely[:, None]
        if dl is not None:
            ok = ok & ~dl
        nstrat = np.zeros((stage.n_parent, k))
        nok = np.zeros((stage.n_parent, k))
        np.add.at(nstrat, stage.parent, pres.astype(float))
        np.add.at(nok, stage.parent, ok.astype(float))
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(nstrat > 0, nstrat / nok, 1.0)
        z = z * np.sqrt(factor[stage.parent[h]])
    if diag_only:
        return np.einsum("ij,ij->j", z, z)
    return z.T @ z


def domain_lonely_applies(design) -> bool:
    """R's ``options(survey.adjust.domain.lonely=TRUE)`` can change a domain's variance: the
    design option is on, ``lonely_psu`` is "adjust" or "average", and the design is not
    calibrated (R's subset of a calibrated design keeps every row with weight 0, so each
    stratum keeps all its PSUs)."""
    return (bool(getattr(design, "adjust_domain_lonely", False))
            and design.lonely_psu in ("adjust", "average")
            and not getattr(design, "_calibrations", ()))


def linearized_vcov(
    x: np.ndarray,
    design: SurveyDesign,
    domain: np.ndarray | None = None,
    diag_only: bool = False,
) -> np.ndarray:
    """Variance-covariance matrix (k, k) of estimates with influence values ``x`` (n, k).

    ``domain`` (optional, (n,) or (n, k) bool) marks the rows of the domain; it only matters for
    ``lonely_psu='average'`` (which strata count as present) and for designs with
    ``adjust_domain_lonely=True`` (which PSUs the domain has in each stratum).  Rows outside a domain must carry
    zero influence: the PSU structure of the full design is kept (R's svyrecvar padding).

    Mirrors: survey::svyrecvar (``postStrata`` -> ``design._calibrations``).
    """
    arr = np.asarray(x, dtype=float)
    if arr.ndim == 1:
        arr = arr[:, None]
    for cal in design._calibrations:
        arr = np.asarray(cal.residualize(arr), dtype=float)
        if arr.ndim == 1:
            arr = arr[:, None]
    pps_d = getattr(design, "_pps_D", None)
    if pps_d is not None:
        v = (pps_d.vcov(arr, design._pps_variance) if isinstance(pps_d, OvertonDcheck)
             else joint_prob_vcov(arr, pps_d, design._pps_variance))
        return np.diag(v).copy() if diag_only else v
    k = arr.shape[1]
    out = np.zeros(k) if diag_only else np.zeros((k, k))
    adl = domain_lonely_applies(design) and domain is not None
    for stage in design._stages:
        pres = _presence(stage, domain, k) if design.lonely_psu == "average" else None
        dpsu = None
        if adl:
            dom = np.asarray(domain, dtype=float)
            dom = np.repeat(dom[:, None], k, axis=1) if dom.ndim == 1 else dom
            dpsu = stage.psu_totals(dom) > 0
        out = out + psu_totals_vcov(
            stage.psu_totals(arr), stage, design.lonely_psu, pres, diag_only=diag_only,
            domain_psus=dpsu,
        )
    return out


def joint_prob_vcov(x: np.ndarray, dcheck: np.ndarray, variance: str = "HT") -> np.ndarray:
    """Horvitz-Thompson (or Sen-Yates-Grundy) variance of the totals of ``x`` (n, k) (influence
    values, already weighted by 1/pi) with ``dcheck[i, j] = 1 - pi_i pi_j / pi_ij``::

        HT:  x' D x            YG:  x' D x - sum_i (sum_j D_ij) x_i x_i'

    Mirrors: survey:::htvar.matrix and survey:::ygvar.matrix (``svydesign(pps = ppsmat(),
    variance = "HT" / "YG")``).
    """
    v = x.T @ (dcheck @ x)
    if variance == "YG":
        c = dcheck.sum(axis=0)
        v = v - x.T @ (c[:, None] * x)
    return v


@dataclass(frozen=True, eq=False)
class OvertonDcheck:
    """R's ``pps = "overton"`` (``overton2Dcheck``): Overton's approximation of the joint
    inclusion probabilities of the PSUs of a one-stage design, as ``Dcheck`` (within a stratum
    of ``n`` PSUs with probabilities ``pi``)::

        D_ii = 1 - pi_i,   D_ij = ((pi_i + pi_j) / 2 - 1) / (n - 1)  (i != j, same stratum)

    and 0 across strata.  ``psu`` (n rows,) the PSU of each row, ``psu_stratum`` (P,),
    ``pi`` (P,).  :meth:`vcov` sums the quadratic form by strata (no P x P matrix).
    """

    psu: np.ndarray
    psu_stratum: np.ndarray
    pi: np.ndarray

    def vcov(self, x: np.ndarray, variance: str = "HT") -> np.ndarray:
        """``t' D t`` (HT) or ``t' D t - sum_i (sum_j D_ij) t_i t_i'`` (YG) of the PSU totals
        ``t`` of ``x`` (n, k).  Mirrors: survey:::htvar.matrix / ygvar.matrix on
        ``rowsum(x, cluster)`` with ``overton2Dcheck``."""
        pi, h = self.pi, self.psu_stratum
        n_psu, n_h = pi.size, int(h.max()) + 1
        k = x.shape[1]
        t = np.zeros((n_psu, k))
        for j in range(k):
            t[:, j] = np.bincount(self.psu, weights=x[:, j], minlength=n_psu)
        nh = np.bincount(h, minlength=n_h).astype(float)
        c = np.where(nh > 1, 1.0 / np.maximum(nh - 1.0, 1.0), 0.0)  # 1 / (n - 1) by stratum
        tot = np.zeros((n_h, k))
        pit = np.zeros((n_h, k))
        for j in range(k):
            tot[:, j] = np.bincount(h, weights=t[:, j], minlength=n_h)
            pit[:, j] = np.bincount(h, weights=pi * t[:, j], minlength=n_h)
        ci = c[h]
        # sum_{i != j} ((pi_i + pi_j) / 2 - 1) t_i t_j' / (n - 1), stratum by stratum
        off = (0.5 * ((c[:, None] * pit).T @ tot + (c[:, None] * tot).T @ pit)
               - (t * (ci * pi)[:, None]).T @ t
               - (c[:, None] * tot).T @ tot + (t * ci[:, None]).T @ t)
        v = (t * (1.0 - pi)[:, None]).T @ t + off
        if variance == "YG":
            pi_h = np.bincount(h, weights=pi, minlength=n_h)
            rows = (1.0 - pi) + ci * ((nh[h] - 1.0) * pi / 2 + (pi_h[h] - pi) / 2 - (nh[h] - 1.0))
            v = v - (t * rows[:, None]).T @ t
        return v

