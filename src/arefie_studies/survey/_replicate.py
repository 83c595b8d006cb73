"""Replicate-weight designs: `ReplicateDesign`, replicate weights from a design, variance.

Mirrors: survey::svrepdesign, survey::as.svrepdesign (jk1weights, jknweights, bootweights,
brrweights) and survey::svrVar.

Variance (``svrVar``)::

    V = scale * sum_r rscales_r (theta_r - theta_bar)(theta_r - theta_bar)'

with ``theta_bar`` the mean of the replicates (over ``rscales > 0``), or ``theta`` itself when
``mse=True``.  Replicates built from a design are stored compressed (one factor per PSU and
replicate, weights = sampling weight x factor), so estimation costs one PSU-level matrix product.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._base import _BaseDesign
from ._cells import Cells
from ._models import ModelsMixin
from ._moments import MomentsMixin
from ._olr import OLRMixin
from ._weighting import WeightingMixin
from .errors import (
    DesignSpecError,
    LonelyPSUError,
    MissingVariableError,
    ReplicateWeightsError,
    show,
)

if TYPE_CHECKING:  # pragma: no cover
    from ._design import SurveyDesign

__all__ = ["REPLICATE_TYPES", "ReplicateDesign", "make_replicates", "replicate_vcov"]

REPLICATE_TYPES = ("JK1", "JKn", "bootstrap", "BRR", "Fay", "subbootstrap", "mrbbootstrap", "other")


def replicate_vcov(
    theta: np.ndarray,
    theta_reps: np.ndarray,
    scale: float,
    rscales: np.ndarray,
    mse: bool = False,
) -> np.ndarray:
    """Replicate variance-covariance ``(k, k)`` from estimates ``theta (k,)`` and replicate
    estimates ``theta_reps (R, k)``.  Replicates giving NaN are dropped (as R's ``na.omit``).

    Mirrors: survey::svrVar.
    """
    th = np.atleast_1d(np.asarray(theta, dtype=float))
    reps = np.asarray(theta_reps, dtype=float)
    if reps.ndim == 1:
        reps = reps[:, None]
    rs = np.asarray(rscales, dtype=float)
    ok = ~np.isnan(reps).any(axis=1)
    if not ok.all():
        reps, rs = reps[ok], rs[ok]
    if reps.shape[0] == 0:
        return np.full((th.size, th.size), np.nan)
    centre = th if mse else reps[rs > 0].mean(axis=0)
    dev = (reps - centre) * np.sqrt(rs)[:, None]
    return dev.T @ dev * scale


def _replicate_var_diag(theta, reps, scale, rscales, mse):
    """Diagonal of :func:`replicate_vcov` for many estimates at once (reps (k, R))."""
    rs = np.asarray(rscales, dtype=float)
    bad = np.isnan(reps)
    if bad.any():
        return np.diag(replicate_vcov(theta, reps.T, scale, rscales, mse)) if reps.shape[0] < 50 else \
            np.array([replicate_vcov(theta[j], reps[j][:, None], scale, rs, mse)[0, 0] for j in range(reps.shape[0])])
    centre = theta[:, None] if mse else reps[:, rs > 0].mean(axis=1, keepdims=True)
    return ((reps - centre) ** 2 * rs[None, :]).sum(axis=1) * scale


def _rank(m: np.ndarray) -> int:
    """Numerical rank via the eigenvalues of the smaller Gram matrix; singular values below
    1e-5 of the largest count as zero (R's ``qr(tol = 1e-5)`` in ``degf.svyrep.design``)."""
    if m.size == 0:
        return 0
    g = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
    ev = np.linalg.eigvalsh(g)
    return int((ev > ev.max() * 1e-10).sum()) if ev.max() > 0 else 0


# ---------------------------------------------------------------------------------------------
# replicate factors from a design (one row per stage-1 PSU)


def make_replicates(
    design: SurveyDesign,
    type: str,
    replicates: int | None = None,
    seed: int | np.random.Generator | None = None,
    fay_rho: float = 0.0,
    hadamard_matrix: np.ndarray | None = None,
) -> dict[str, Any]:
    """Replicate factors (P, R), scale and rscales for ``design`` as ``as.svrepdesign`` builds.

    BRR/Fay: half-samples from R's ``hadamard(n_strata)`` (see ``_hadamard``: Sylvester,
    doubling, Paley and R's precooked order-28/36 matrices, all equal to R's);
    ``hadamard_matrix=`` is R's ``hadamard.matrix=``: any two-valued Hadamard matrix with at
    least ``n_strata + 1`` rows, rows 2..H+1 used for the strata, one replicate per column, and
    the value of its first cell coded 0 (the first PSU of a stratum gets ``rho``), as R.

    JK1 and JKn include the first-stage fpc (``rscales`` / ``scale`` times ``1 - n/N``);
    BRR and Fay drop it (as R, which warns); bootstrap uses R's rescaled bootstrap counts
    (without fpc: ``n_h`` draws with replacement; with fpc: without replacement from the PSUs
    repeated to the population size) and ``scale = nbar / ((nbar - 1)(R - 1))``.
    """
    st = design._stages[0]
    has_strata = design.spec.get("strata") is not None
    n_units = st.n_units
    h_of_psu = st.psu_stratum
    n_h = st.n_psu
    fpc_corr = st.f if design.spec.get("fpc") is not None else None  # (N-n)/N per stratum
    if type == "JK1":
        if has_strata:
            raise DesignSpecError("JK1 replicates need an unstratified design; use type='JKn' for a stratified one.")
        n = n_units
        factors = np.full((n, n), n / (n - 1))
        np.fill_diagonal(factors, 0.0)
        f = 1.0 if fpc_corr is None else float(fpc_corr[0])
        return {"factors": factors, "scale": f * (n - 1) / n, "rscales": np.ones(n), "type": "JK1"}
    if type == "JKn":
        if not has_strata:
            raise DesignSpecError("JKn replicates need a stratified design; use type='JK1' or 'bootstrap'.")
        cols, rscales = [], []
        n_strata = st.n_strata
        lonely_skipped = 0
        for h in range(n_strata):
            members = np.flatnonzero(h_of_psu == h)
            nh = len(members)
            fh = 1.0 if fpc_corr is None else float(fpc_corr[h])
            if nh == 1 and fh != 0:
                rule = design.lonely_psu
                if rule == "fail":
                    raise LonelyPSUError(f"Stratum {st.stratum_labels[h]} has only one PSU: JKn cannot drop it.")
                if rule in ("remove", "certainty", "average"):
                    lonely_skipped += 1
                    continue
                col = np.where(h_of_psu == h, 0.0, n_strata / (n_strata - 1))
                cols.append(col)
                rscales.append((n_strata - 1) / n_strata)
                continue
            for j in members:
                col = np.ones(n_units)
                col[members] = nh / (nh - 1) if nh > 1 else np.inf
                col[j] = 0.0
                cols.append(col)
                rscales.append(fh * (nh - 1) / nh)
        if not cols:
            raise DesignSpecError("All strata were exhaustively sampled: you have the whole population.")
        scale = 1.0
        if lonely_skipped and design.lonely_psu == "average":
            scale = n_units / len(cols)
        return {"factors": np.column_stack(cols), "scale": scale, "rscales": np.asarray(rscales), "type": "JKn"}
    if type in ("BRR", "Fay"):
        if not has_strata:
            raise DesignSpecError(f"{type} replicates need a stratified design with 2 PSUs per stratum.")
        if (n_h != 2).any():
            bad = st.stratum_labels[int(np.flatnonzero(n_h != 2)[0])]
            raise DesignSpecError(
                f"{type} replicates need exactly 2 PSUs in every stratum; stratum {bad} has "
                f"{int(n_h[np.flatnonzero(n_h != 2)[0]])}. Use JKn or bootstrap instead."
            )
        rho = float(fay_rho) if type == "Fay" else 0.0
        if type == "Fay" and not 0 < rho < 1:
            raise DesignSpecError(f"Fay replicates need 0 < fay_rho < 1; got {fay_rho}.")
        n_strata = st.n_strata
        if hadamard_matrix is not None:
            had = _user_hadamard(hadamard_matrix, n_strata)
            size = had.shape[0]
        else:  # R's hadamard(n_strata) (0/1, 1 for +1): rows 2..H+1, one replicate per column
            from ._hadamard import r_hadamard

            signs = 2.0 * r_hadamard(n_strata) - 1.0
            had = signs[1 : n_strata + 1, :].T
            size = had.shape[0]
        # R's brrweights: strata in the order of their labels as text, and in each stratum the
        # PSU met first in the data is "first" (gets rho when the Hadamard entry is 0 / -1)
        n_rows = len(design._df)
        first_row = np.full(n_units, n_rows)
        np.minimum.at(first_row, st.psu, np.arange(n_rows))
        strata_col = design.spec["strata"][0]
        labels = design._df[strata_col].to_numpy()[first_row[st.stratum_starts]]
        rank = np.empty(n_strata, dtype=np.int64)
        rank[np.argsort(np.array([str(x) for x in labels]), kind="stable")] = np.arange(n_strata)
        had = had[:, rank]
        a, b = st.stratum_starts, st.stratum_starts + 1
        swap = first_row[b] < first_row[a]
        first, second = np.where(swap, b, a), np.where(swap, a, b)
        factors = np.empty((n_units, had.shape[0]))
        factors[first] = 1 + (1 - rho) * had.T
        factors[second] = 1 - (1 - rho) * had.T
        return {"factors": factors, "scale": 1 / (size * (1 - rho) ** 2), "rscales": np.ones(size),
                "type": "Fay" if rho else "BRR"}
    if type == "bootstrap":
        r = 50 if replicates is None else int(replicates)
        if r < 2:
            raise DesignSpecError("bootstrap needs at least 2 replicates.")
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        factors = np.empty((n_units, r))
        for h in range(st.n_strata):
            members = np.arange(st.stratum_starts[h], st.stratum_starts[h] + n_h[h])
            nh = len(members)
            if fpc_corr is None:
                counts = rng.multinomial(nh, np.full(nh, 1 / nh), size=r)
            else:
                big_n = round(float(nh / (1 - fpc_corr[h]))) if fpc_corr[h] < 1 else 10**9
                copies = np.full(nh, big_n // nh)
                extra = rng.permutation(nh)[: big_n % nh]
                copies[extra] += 1
                counts = rng.multivariate_hypergeometric(copies, nh, size=r)
            factors[members] = counts.T
        nbar = 1 / np.mean(1 / n_h)
        return {"factors": factors, "scale": nbar / ((nbar - 1) * (r - 1)), "rscales": np.ones(r),
                "type": "bootstrap"}
    if type == "subbootstrap":
        return _subbootstrap(st, replicates, seed)
    if type == "mrbbootstrap":
        return _mrbbootstrap(design, replicates, seed)
    raise DesignSpecError(
        f"type={type!r} is not a replicate type. Possible values are: JK1, JKn, bootstrap, BRR, "
        "Fay, subbootstrap, mrbbootstrap."
    )


def _user_hadamard(matrix, n_strata: int) -> np.ndarray:
    """(R, H) +/-1 half-sample signs from a user Hadamard matrix, as R's brrweights reads
    ``hadamard.matrix``: the first value (column-major) -> 0 -> sign -1 (first PSU gets rho)."""
    h = np.asarray(matrix)
    if h.ndim != 2 or h.shape[0] < n_strata + 1:
        raise DesignSpecError(
            f"hadamard_matrix must be a matrix with at least n_strata + 1 = {n_strata + 1} rows; "
            f"got shape {h.shape}.")
    values = pd.unique(h.ravel(order="F"))
    if len(values) != 2:
        raise DesignSpecError("hadamard_matrix must have exactly two distinct values (e.g. 0/1 or -1/1).")
    h01 = np.where(h == values[0], 0.0, 1.0)
    signs = 2 * h01 - 1
    gram = signs.T @ signs
    if not np.allclose(gram - np.diag(np.diag(gram)), 0):
        raise DesignSpecError("hadamard_matrix is not a Hadamard matrix (its columns are not orthogonal).")
    return signs[1 : n_strata + 1, :].T  # (replicates = columns, strata = rows 2..H+1)


def _rng(seed) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _subbootstrap(st, replicates, seed) -> dict[str, Any]:
    """R's subbootweights: in each stratum ``n_h - 1`` PSUs drawn with replacement among the
    ``n_h``, factor = count x ``n_h / (n_h - 1)`` (so the factors of a stratum sum to ``n_h``);
    ``scale = 1 / (R - 1)``, ``rscales = 1``.  The fpc is not used (R refuses it)."""
    r = 50 if replicates is None else int(replicates)
    if r < 2:
        raise DesignSpecError("subbootstrap needs at least 2 replicates.")
    if (st.n_psu < 2).any():
        bad = st.stratum_labels[int(np.flatnonzero(st.n_psu < 2)[0])]
        raise DesignSpecError(f"subbootstrap needs 2 PSUs or more per stratum; stratum {bad} has 1.")
    rng = _rng(seed)
    factors = np.empty((st.n_units, r))
    for h in range(st.n_strata):
        nh = int(st.n_psu[h])
        members = np.arange(st.stratum_starts[h], st.stratum_starts[h] + nh)
        counts = rng.multinomial(nh - 1, np.full(nh, 1 / nh), size=r)
        factors[members] = counts.T * nh / (nh - 1)
    return {"factors": factors, "scale": 1 / (r - 1), "rscales": np.ones(r), "type": "subbootstrap"}


def _mrbbootstrap(design, replicates, seed) -> dict[str, Any]:
    """R's mrbweights (Preston's multistage rescaled bootstrap).  In each stratum of each stage
    with ``n`` units, ``n* = floor(n/2)`` are kept; with ``f`` the sampling fraction and ``c``
    the product of the fractions of the earlier stages, ``lambda = sqrt(c n* (1 - f) / (n - n*))``
    and the stage term is ``-lambda + lambda (n / n*) [kept]``; later stages only count inside
    kept units, scaled by ``sqrt(n / n*)``.  Factor = 1 + sum of the stage terms;
    ``scale = 1``, ``rscales = 1 / (R - 1)``.  Without fpc only the first stage is used
    (f = 0), as R.  Row-level factors (they vary within PSUs after stage 1)."""
    r = 50 if replicates is None else int(replicates)
    if r < 2:
        raise DesignSpecError("mrbbootstrap needs at least 2 replicates.")
    rng = _rng(seed)
    stages = design._stages if design.spec.get("fpc") is not None else design._stages[:1]
    has_fpc = design.spec.get("fpc") is not None
    n = len(design._df)
    ns = len(stages)
    out = np.empty((n, r))
    for k in range(r):
        weights = np.ones((n, ns))
        kept = np.ones(n, dtype=bool)
        cumff = np.ones(n)
        for i, st in enumerate(stages):
            frac = (1 - st.f) if has_fpc else np.zeros(st.n_strata)
            for h in range(st.n_strata):
                rows = st.strata == h
                units = np.unique(st.psu[rows & kept])
                nu = units.size
                nstar = nu // 2
                f_h = float(frac[h])
                cf = float(cumff[rows][0])
                if nstar == 0:
                    weights[rows, i] = 0.0
                    keep = np.zeros(int(rows.sum()), dtype=bool)
                else:
                    lam = np.sqrt(cf * nstar * (1 - f_h) / (nu - nstar))
                    chosen = rng.choice(units, nstar, replace=False)
                    keep = np.isin(st.psu[rows], chosen)
                    weights[rows, i] = (-lam + lam * (nu / nstar) * keep) * weights[rows, i]
                    if i < ns - 1:
                        sub = rows & kept
                        weights[sub, i + 1:] *= (np.sqrt(nu / nstar) * np.isin(st.psu[sub], chosen))[:, None]
                kept[rows] &= keep
                cumff[rows] *= f_h
        out[:, k] = 1 + weights.sum(axis=1)
    return {"factors": out, "row_level": True, "scale": 1.0, "rscales": np.full(r, 1 / (r - 1)),
            "type": "mrbbootstrap"}


# ---------------------------------------------------------------------------------------------


class ReplicateDesign(WeightingMixin, ModelsMixin, MomentsMixin, OLRMixin, _BaseDesign):
    """A design whose variance comes from replicate weights.

    Parameters
    ----------
    df : DataFrame
    weights : str
        Column of the full-sample (analysis) weights.
    replicate_weights : list of str
        Columns of the replicate weights (combined weights, as ``svrepdesign`` default).
    type : {"bootstrap", "JK1", "JKn", "BRR", "Fay", "other"}
    scale, rscales, mse : as R's ``svrepdesign`` (defaults: bootstrap ``1/(R-1)``, JK1
        ``(R-1)/R``, BRR ``1/R``, Fay ``1/(R (1-rho)^2)``; JKn needs ``rscales``).
    fay_rho : float, for type="Fay".

    Estimators (mean, total, ratio, proportion, quantile, ``by``, ``subset``) evaluate the same
    point-estimate code with every replicate column in one matrix product; ``chisq`` and ``glm``
    use the replicate variance and df (``svychisq`` / ``svyglm`` on a ``svyrep.design``).
    ``poststratify``, ``rake``, ``calibrate`` and ``trim`` adjust the full-sample weights and each
    replicate column to the same population figures (``calibrate.svyrep.design``); the replicate
    variance then accounts for the weighting.  ``rake`` takes every replicate to full
    convergence (R stops its replicates when the full-sample weights converge: equal to R up
    to R's ``epsilon``).
    Mirrors: survey::svrepdesign, survey::svrVar.
    """

    def __init__(
        self,
        df: pd.DataFrame,
        weights: str,
        replicate_weights: Sequence[str],
        type: str = "bootstrap",
        scale: float | None = None,
        rscales: Sequence[float] | None = None,
        mse: bool = False,
        fay_rho: float | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> None:
        from ._design import check_weights

        if not isinstance(df, pd.DataFrame):
            raise DesignSpecError(f"ReplicateDesign expects a pandas DataFrame, got {df.__class__.__name__}.")
        if type not in REPLICATE_TYPES:
            raise DesignSpecError(
                f"type={type!r} is not a replicate type. Possible values are: {', '.join(REPLICATE_TYPES)}."
            )
        from ._design import check_columns

        check_columns(df)
        if weights not in df.columns:
            raise MissingVariableError(weights, "weights", df.columns)
        cols = list(replicate_weights)
        if not cols:
            raise ReplicateWeightsError("replicate_weights= is empty: give the replicate weight columns.")
        for c in cols:
            if c not in df.columns:
                raise MissingVariableError(c, "replicate_weights", df.columns)
        pw = check_weights(df[weights], weights, df.index)
        block = df[cols]
        non_num = [c for c in cols if not pd.api.types.is_numeric_dtype(block[c])]
        if non_num:
            raise ReplicateWeightsError(
                f"replicate weight column(s) {', '.join(map(repr, non_num[:5]))} are not numeric."
            )
        rw = block.to_numpy(dtype=float)
        nan_rows, nan_cols = np.nonzero(np.isnan(rw))
        if nan_rows.size:
            bad_cols = sorted({cols[j] for j in nan_cols}, key=cols.index)
            raise ReplicateWeightsError(
                f"replicate weights contain {nan_rows.size} missing value(s) in column(s) "
                f"{', '.join(map(repr, bad_cols[:5]))}{' ...' if len(bad_cols) > 5 else ''} "
                f"(first rows: {', '.join(show(df.index[i]) for i in np.unique(nan_rows)[:5])}). "
                "Replicate weights must be complete: use 0 for a row dropped by a replicate."
            )
        if (rw < 0).any():
            raise ReplicateWeightsError("replicate weights contain negative values.")
        n_rep = rw.shape[1]
        if type == "Fay" and fay_rho is None:
            raise DesignSpecError("type='Fay' needs fay_rho= (R's rho).")
        if type == "JKn" and rscales is None:
            raise DesignSpecError("type='JKn' needs rscales= ((n_h - 1)/n_h of each replicate's stratum).")
        if scale is None:
            scale = {
                "bootstrap": 1 / (n_rep - 1),
                "subbootstrap": 1 / (n_rep - 1),
                "JK1": (n_rep - 1) / n_rep,
                "BRR": 1 / n_rep,
                "Fay": 1 / (n_rep * (1 - (fay_rho or 0)) ** 2),
            }.get(type, 1.0)
        if rscales is None and type == "mrbbootstrap":  # R's mrbweights: scale 1, rscales 1/(R-1)
            rscales = np.full(n_rep, 1 / (n_rep - 1))
        rs = np.ones(n_rep) if rscales is None else np.asarray(rscales, dtype=float)
        if rs.shape != (n_rep,):
            raise ReplicateWeightsError(f"rscales has {rs.size} values for {n_rep} replicate columns.")
        labels_map = dict(df.attrs.get("variable_labels", {}) or {})
        if labels:
            labels_map.update(labels)
        self._set(
            _df=df, _w=pw, _domain=None, _domain_label=None, _labels=labels_map, _cache={},
            _rep_full=rw, _rep_index=None, _rep_factors=None, _calibrations=(),
            type=type, scale=float(scale),
            rscales=rs, mse=bool(mse), fay_rho=fay_rho,
        )

    @classmethod
    def _from_factors(cls, design: SurveyDesign, rep: dict[str, Any], mse: bool) -> ReplicateDesign:
        self = cls.__new__(cls)
        self._set(
            _df=design._df, _w=design._w.copy(), _domain=design._domain,
            _domain_label=getattr(design, "_domain_label", None), _labels=dict(design._labels),
            _cache={}, _rep_full=None, _calibrations=(),
            _rep_index=(np.arange(len(design._df)) if rep.get("row_level")
                        else design._stages[0].psu),
            _rep_factors=rep["factors"], type=rep["type"], scale=float(rep["scale"]),
            rscales=np.asarray(rep["rscales"], dtype=float), mse=bool(mse), fay_rho=rep.get("rho"),
        )
        return self

    # ---- frozen ----------------------------------------------------------------------------------
    def _set(self, **fields: Any) -> None:
        for k, v in fields.items():
            object.__setattr__(self, k, v)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(
            "ReplicateDesign is frozen; use .subset(...) or a weighting method to get a copy.")

    def _replace(self, **changes: Any) -> ReplicateDesign:
        new = copy.copy(self)
        for key, value in changes.items():
            if key == "domain":
                object.__setattr__(new, "_domain", None if value is None else np.asarray(value, dtype=bool))
            elif key == "domain_label":
                object.__setattr__(new, "_domain_label", value)
            elif key == "labels":
                object.__setattr__(new, "_labels", dict(value))
            elif key == "weights":
                from ._design import check_weights

                object.__setattr__(new, "_w", check_weights(np.asarray(value, dtype=float),
                                                            "weights", self._df.index))
            elif key == "repweights":
                rw = np.asarray(value, dtype=float)
                if rw.shape != (len(self._df), self.n_replicates):
                    raise ReplicateWeightsError(
                        f"new replicate weights have shape {rw.shape}, expected "
                        f"({len(self._df)}, {self.n_replicates}).")
                object.__setattr__(new, "_rep_full", rw)
                object.__setattr__(new, "_rep_index", None)
                object.__setattr__(new, "_rep_factors", None)
                # ranks of the replicate weights (df) change; column codes stay valid
                object.__setattr__(new, "_cache", {k: v for k, v in self._cache.items()
                                                   if not str(k[0]).startswith("rank")})
            elif key == "calibrations":
                object.__setattr__(new, "_calibrations", tuple(value))
            elif key == "columns":
                from ._columns import derived_frame

                object.__setattr__(new, "_df", derived_frame(self._df, value, ()))
                object.__setattr__(new, "_cache", {})
            else:
                raise TypeError(f"_replace() got an unexpected field {key!r}")
        return new

    def update(self, *, labels: Mapping[str, str] | None = None, **columns: Any
               ) -> ReplicateDesign:
        """A copy with more variable labels or new / replaced data columns (replicate weights
        unchanged), as R's ``update(repdesign, agegp = ...)``; see ``SurveyDesign.update``."""
        changes: dict[str, Any] = {}
        if columns:
            changes["columns"] = columns
        if labels is not None:
            changes["labels"] = {**self._labels, **labels}
        return self._replace(**changes)

    # ---- public views ---------------------------------------------------------------------------
    @property
    def repweights(self) -> np.ndarray:
        """Replicate analysis weights (n, R) (materialised from PSU factors if compressed)."""
        if self._rep_full is not None:
            return self._rep_full
        return self._w[:, None] * self._rep_factors[self._rep_index]

    def repweights_rows(self, rows: np.ndarray) -> np.ndarray:
        """Replicate weights of ``rows`` as a (R, len(rows)) array (replicates as rows), built
        from the PSU factors without materialising all of ``repweights``."""
        if self._rep_full is not None:
            return np.ascontiguousarray(self._rep_full[rows].T)
        return np.take(self._rep_factors.T, self._rep_index[rows], axis=1) * self._w[rows]

    @property
    def n_replicates(self) -> int:
        return int((self._rep_full if self._rep_full is not None else self._rep_factors).shape[1])

    def __repr__(self) -> str:
        dom = "" if self._domain is None else f", domain of {int(self._domain.sum())} rows"
        cal = f", {len(self._calibrations)} weighting step(s)" if self._calibrations else ""
        return (
            f"ReplicateDesign({len(self._df)} rows, type={self.type!r}, {self.n_replicates} replicates, "
            f"scale={self.scale:.6g}, mse={self.mse}{dom}{cal})"
        )

    # ---- engine hooks ---------------------------------------------------------------------------
    def _rep_sums(self, values: np.ndarray | None, codes: np.ndarray, n_codes: int) -> np.ndarray:
        """(n_codes, R): sum_i W_ir values_i [codes_i = c] for every replicate."""
        ok = codes >= 0
        if values is None:
            values = np.ones(len(codes))
        if self._rep_full is not None:
            import scipy.sparse as sp

            idx = np.flatnonzero(ok)
            m = sp.csr_matrix((values[idx], (codes[idx], idx)), shape=(n_codes, len(values)))
            return np.asarray(m @ self._rep_full)
        p = self._rep_factors.shape[0]
        g = np.bincount(
            self._rep_index[ok] * n_codes + codes[ok], weights=(self._w * values)[ok],
            minlength=p * n_codes,
        ).reshape(p, n_codes)
        return g.T @ self._rep_factors

    def _cell_stats(self, cells: Cells) -> dict[str, np.ndarray]:
        theta, den = cells.estimate(self._w)
        num_r = self._rep_sums(cells.a, cells.cn, cells.n_cells)
        if cells.total:
            reps = num_r
        else:
            den_r = self._rep_sums(cells.b, cells.cd, cells.n_domains)
            with np.errstate(invalid="ignore", divide="ignore"):
                reps = num_r / den_r[cells.dmap]
        var = _replicate_var_diag(theta, reps, self.scale, self.rscales, self.mse)
        ok = (cells.cd >= 0) & (self._w != 0)
        n = np.bincount(cells.cd[ok], minlength=cells.n_domains)[cells.dmap]
        return {"theta": theta, "var": var, "den": den, "n": n,
                "degf": self._degf_by(cells.cd, cells.n_domains), "reps": reps}

    def _replicate_var(self, theta: np.ndarray, reps: np.ndarray) -> np.ndarray:
        """svrVar of estimates ``theta`` (C,) with replicates ``reps`` (C, R)."""
        return _replicate_var_diag(np.asarray(theta, dtype=float), np.asarray(reps, dtype=float),
                                   self.scale, self.rscales, self.mse)

    def _rank(self, rows: np.ndarray) -> int:
        """Rank of the replicate weights of ``rows`` (cached per set of PSUs / rows)."""
        if self._rep_full is not None:
            key = ("rank_rows", rows.tobytes())
        else:
            psus = np.unique(self._rep_index[rows])
            key = ("rank_psus", psus.tobytes())
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        m = self._rep_full[rows] if self._rep_full is not None else self._rep_factors[psus]
        rank = _rank(m)
        self._cache[key] = rank
        return rank

    def _degf_by(self, codes: np.ndarray, n_cells: int) -> np.ndarray:
        """R's degf for replicate designs: rank of the domain's replicate weights minus 1."""
        out = np.empty(n_cells)
        ok = (codes >= 0) & (self._w != 0)
        for c in range(n_cells):
            rows = np.flatnonzero(ok & (codes == c))
            out[c] = self._rank(rows) - 1 if rows.size else np.nan
        return out

    def degf(self) -> int:
        """Degrees of freedom: rank of the replicate weights (in the domain) minus 1."""
        dom = self._active()
        return int(self._degf_by(np.where(dom, 0, -1), 1)[0])
