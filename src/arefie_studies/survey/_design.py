"""`SurveyDesign`: a probability design normalised once to integer codes.

Mirrors: survey::svydesign (survey.design2) and survey::as.fpc.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._banner import banner_cells, mean_vs_rest, table_stats
from ._base import _as_list, _BaseDesign, design_effect
from ._cells import Cells
from ._ci import t_crit
from ._columns import derived_frame
from ._models import ModelsMixin
from ._moments import MomentsMixin
from ._olr import OLRMixin
from ._replicate import ReplicateDesign, make_replicates
from ._variance import OvertonDcheck, VarianceStage, linearized_vcov, psu_totals_vcov
from ._weighting import WeightingMixin
from .errors import (
    DesignSpecError,
    FpcError,
    LonelyPSUError,
    MissingVariableError,
    NestingError,
    WeightsError,
    _rows,
    bad_rows_message,
    show,
)

__all__ = ["LONELY_PSU_OPTIONS", "SurveyDesign"]

LONELY_PSU_OPTIONS = ("fail", "adjust", "certainty", "remove", "average")


def _factorize(values: np.ndarray | pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Sorted dense codes and labels of a column (hashing once; integer columns with a small
    range take a lookup table instead)."""
    arr = values.to_numpy() if isinstance(values, pd.Series) else np.asarray(values)
    if arr.dtype.kind in "iub" and arr.size:
        lo = int(arr.min())
        span = int(arr.max()) - lo + 1
        if span <= max(4 * arr.size, 1 << 16):
            codes, present = _dense_codes(arr.astype(np.int64, copy=False) - lo, span)
            return codes, (present + lo).astype(arr.dtype)
    codes, uniques = pd.factorize(values, sort=True)
    return codes.astype(np.int64, copy=False), np.asarray(uniques)


def _dense_codes(key: np.ndarray, upper: int) -> tuple[np.ndarray, np.ndarray]:
    """Dense codes (order-preserving) of non-negative integer keys below ``upper`` and the
    sorted distinct keys: a presence table when ``upper`` is small (O(n), no sort), else one
    hash pass (``pd.factorize``) with only the distinct keys sorted."""
    if upper <= max(4 * key.size, 1 << 16):
        present = np.zeros(upper, dtype=bool)
        present[key] = True
        lut = np.cumsum(present, dtype=np.int64) - 1
        return lut[key], np.flatnonzero(present)
    codes, uniq = pd.factorize(key, sort=True)
    return codes.astype(np.int64, copy=False), np.asarray(uniq, dtype=np.int64)


def _order_by(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row order sorted by ``a`` then ``b`` when ``b`` is distinct on every row (e.g. one PSU
    per row): a stable radix sort of ``a`` alone when ``b`` is already increasing."""
    if b.size and b[0] == 0 and bool((np.diff(b) == 1).all()):  # b = 0..n-1
        small = a.astype(np.int16) if int(a.max()) < 2**15 else a
        return np.argsort(small, kind="stable")
    return np.lexsort((b, a))


def _all_distinct(c: np.ndarray) -> bool:
    return int(c.max()) + 1 == c.size  # dense codes: max + 1 distinct values


def _combine(*codes: np.ndarray) -> np.ndarray:
    """Codes of the interaction of several dense code vectors (sorted, dense)."""
    out = codes[0].astype(np.int64)
    for c in codes[1:]:
        if _all_distinct(c):  # every row its own combination: rank in (out, c) order
            order = _order_by(out, c)
            out = np.empty(c.size, dtype=np.int64)
            out[order] = np.arange(c.size, dtype=np.int64)
            continue
        size = int(c.max()) + 1
        out, _ = _dense_codes(out * size + c, (int(out.max()) + 1) * size)
    return out


def _distinct_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (a, b) pairs of two dense code vectors, sorted by a then b."""
    if _all_distinct(b):
        order = _order_by(a, b)
        return a[order], b[order]
    nb = int(b.max()) + 1
    _, keys = _dense_codes(a * nb + b, (int(a.max()) + 1) * nb)
    return keys // nb, keys % nb


def _check_pps(pps, variance: str, n: int, fpc, psu) -> tuple[bool, np.ndarray | None]:
    """(brewer?, joint probability matrix or None) of the ``pps=`` argument."""
    if variance not in ("HT", "YG"):
        raise DesignSpecError(f"variance={variance!r} is not available: 'HT' or 'YG'.")
    if pps is None or pps is False:
        if variance != "HT":
            raise DesignSpecError("variance='YG' needs pps= joint inclusion probabilities.")
        return False, None
    if isinstance(pps, str):
        if pps not in ("brewer", "overton"):
            raise DesignSpecError(f"pps={pps!r} is not available: 'brewer', 'overton' or a "
                                  "matrix of joint inclusion probabilities (R's ppsmat).")
        if not fpc:
            raise DesignSpecError(f"pps={pps!r} needs fpc= with the inclusion probabilities.")
        if len(_as_list(psu)) > 1:
            raise DesignSpecError(f"pps={pps!r} is supported for one-stage designs only (as R).")
        if pps == "overton":
            return False, None
        if variance != "HT":
            raise DesignSpecError("pps='brewer' supports variance='HT' only (as R).")
        return True, None
    mat = np.asarray(pps.to_numpy() if isinstance(pps, pd.DataFrame) else pps, dtype=float)
    if mat.shape != (n, n):
        raise DesignSpecError(
            f"pps= joint inclusion probabilities must be a ({n}, {n}) matrix (one row and column "
            f"per row of the data); got shape {mat.shape}.")
    if psu is not None:
        raise DesignSpecError("pps= with a joint probability matrix needs psu=None (each row a unit).")
    if not np.allclose(mat, mat.T) or (mat <= 0).any() or (mat > 1).any():
        raise DesignSpecError("pps= joint inclusion probabilities must be symmetric and in (0, 1].")
    return False, mat


def _pps_dcheck(joint: np.ndarray) -> np.ndarray:
    """``1 - pi_i pi_j / pi_ij`` with ``pi_i`` the diagonal (R's ppsmat ``Dcheck``)."""
    pi = np.diag(joint)
    return 1.0 - np.outer(pi, pi) / joint


def _overton(stage: VarianceStage, prob_rows: np.ndarray) -> OvertonDcheck:
    """R's ``pps = "overton"``: each PSU's inclusion probability is its first row's (R's
    ``allprob[!duplicated(cluster), ]``)."""
    _, first = np.unique(stage.psu, return_index=True)  # PSU codes are 0..P-1
    return OvertonDcheck(psu=stage.psu, psu_stratum=stage.psu_stratum, pi=prob_rows[first])


def check_columns(df: pd.DataFrame) -> None:
    """Column names must be unique (``df[name]`` must be one column)."""
    dup = df.columns[df.columns.duplicated()]
    if len(dup):
        raise DesignSpecError(
            f"The data frame has duplicated column names: {', '.join(show(c) for c in dict.fromkeys(dup))}. "
            "Rename them (e.g. df.columns = [...]) so that each variable is one column."
        )


def _text_weights_message(ser: pd.Series, column: str, index: pd.Index, argument: str) -> str:
    """Why a text column cannot be weights, counted right, with the conversion that works."""
    text = ser.astype("string").str.strip()
    comma = text.str.fullmatch(r"[-+]?\d+(?:[ \u202f\u00a0.]\d{3})*,\d+").fillna(False).to_numpy(bool)
    num = pd.to_numeric(text, errors="coerce")
    bad = (num.isna() & text.notna()).to_numpy(bool) & ~comma
    head = f"{argument} column {column!r} holds text (dtype {ser.dtype}), not numbers"
    if comma.any() and not bad.any():
        return (f"{head}: {int(comma.sum())} value(s) are written with a decimal comma (first rows: "
                f"{_rows(list(index[comma]))}). Hint: read the file with decimal=',' "
                f"(pd.read_csv(..., sep=';', decimal=',')) or convert: df[{column!r}] = "
                f"pd.to_numeric(df[{column!r}].str.replace(',', '.'))")
    if bad.any():
        return (f"{head}: {int(bad.sum())} value(s) are not numbers (first rows: "
                f"{_rows(list(index[bad]))}, e.g. {text[bad].iloc[0]!r}). Hint: fix or remove them, "
                f"then df[{column!r}] = pd.to_numeric(df[{column!r}]).")
    return (f"{head}, although every value reads as a number. Hint: convert it first: "
            f"df[{column!r}] = pd.to_numeric(df[{column!r}]).")


def check_weights(values: Any, column: str, index: pd.Index, argument: str = "weights") -> np.ndarray:
    """Validate analysis weights: numeric, finite, non-negative, no missing value."""
    ser = pd.Series(values, index=index) if not isinstance(values, pd.Series) else values
    if not (pd.api.types.is_numeric_dtype(ser) or pd.api.types.is_bool_dtype(ser)):
        raise WeightsError(_text_weights_message(ser, column, index, argument))
    arr = np.asarray(ser, dtype=float)
    miss = np.isnan(arr)
    if miss.any():
        raise WeightsError(
            bad_rows_message(column, "missing", list(index[miss]), argument)
            + " Every respondent needs a weight: impute, drop those rows, or use 0 to exclude."
        )
    inf = np.isinf(arr)
    if inf.any():
        raise WeightsError(bad_rows_message(column, "infinite", list(index[inf]), argument))
    neg = arr < 0
    if neg.any():
        raise WeightsError(
            bad_rows_message(column, "negative", list(index[neg]), argument)
            + " Sampling weights must be >= 0."
        )
    return arr


class SurveyDesign(WeightingMixin, ModelsMixin, MomentsMixin, OLRMixin, _BaseDesign):
    """A (stratified, multistage) probability sample design.

    Parameters
    ----------
    df : pandas.DataFrame
        The respondents, one row each.
    weights : str, optional
        Column of sampling weights.  When absent they are derived from ``fpc`` as R does
        (product over stages of population size / sample size), else all 1.
    strata : str or list of str, optional
        Stratum column (one per stage for multistage designs; the last one is reused).
    psu : str or list of str, optional
        Cluster column(s), one per stage.  ``None``: each row is its own PSU.
    fpc : str or list of str, optional
        Finite population correction per stage, given as population size (all values >= 1)
        or sampling fraction (all values <= 1), as R infers.
    nest : bool
        PSU ids are only unique within strata (R's ``nest=TRUE``).
    lonely_psu : {"fail", "adjust", "certainty", "remove", "average"}
        R's ``options(survey.lonely.psu=)``, as a design argument.
    labels : mapping, optional
        Variable labels; defaults to ``df.attrs["variable_labels"]``.
    adjust_domain_lonely : bool
        R's ``options(survey.adjust.domain.lonely=TRUE)``: in a domain estimate, a stratum
        with several PSUs of which only one has rows of the domain is treated by ``lonely_psu``
        (``adjust``: its total is not centred; ``average``: left out and averaged).  Applies to
        the SEs of every estimate on a domain or ``by=`` group (mean, total, proportion, ratio,
        quantile, glm, olr, banner cells), not on calibrated designs and not to the vcov of
        ``covmat=True`` (both as R); R's default is False.
    pps : "brewer", "overton" or array (n, n), optional
        Sampling without replacement with unequal probabilities (R's ``svydesign(pps=)``), with
        ``fpc`` the inclusion probabilities (one stage).  ``"brewer"``: Brewer's approximation,
        each PSU gets its own finite population correction ``1 - pi_i`` (fpc may then vary
        within strata, not within PSUs).  ``"overton"``: Overton's approximation of the PSUs'
        joint probabilities (strata and one-stage clusters; a PSU's probability is its first
        row's), with ``variance="HT"`` or ``"YG"``.  An (n, n) matrix of joint inclusion
        probabilities (R's ``ppsmat``; each row its own unit): the Horvitz-Thompson variance,
        or with ``variance="YG"`` the Sen-Yates-Grundy one.

    The design is frozen: :meth:`update` returns a modified copy; :meth:`subset` returns a
    domain design that keeps every row (out-of-domain rows get zero weight in the estimating
    equations, PSU structure kept — R's ``svyrecvar`` padding).

    Mirrors: survey::svydesign (``survey.design2``), survey::as.fpc, survey::degf.
    """

    _FIELDS = (
        "_df", "_w", "_domain", "_labels", "_stages", "_psu1", "_strata1", "_calibrations",
        "lonely_psu", "nest", "spec", "_cache", "adjust_domain_lonely", "_pps_D", "_pps_variance",
        "_cluster_ids",
    )

    def __init__(
        self,
        df: pd.DataFrame,
        weights: str | None = None,
        strata: str | Sequence[str] | None = None,
        psu: str | Sequence[str] | None = None,
        fpc: str | Sequence[str] | None = None,
        nest: bool = False,
        lonely_psu: str = "fail",
        labels: Mapping[str, str] | None = None,
        adjust_domain_lonely: bool = False,
        pps: str | np.ndarray | None = None,
        variance: str = "HT",
    ) -> None:
        if not isinstance(df, pd.DataFrame):
            raise DesignSpecError(
                f"SurveyDesign expects a pandas DataFrame, got {type(df).__name__}."
            )
        if lonely_psu not in LONELY_PSU_OPTIONS:
            raise DesignSpecError(
                f"lonely_psu={lonely_psu!r} is not an option. Possible values are: "
                f"{', '.join(LONELY_PSU_OPTIONS)} (R's survey.lonely.psu)."
            )
        check_columns(df)
        n = len(df)
        if n == 0:
            raise DesignSpecError("The data frame has no rows: nothing to estimate from.")
        brewer, pps_matrix = _check_pps(pps, variance, n, fpc, psu)
        overton = isinstance(pps, str) and pps == "overton"
        psu_cols, strata_cols, fpc_cols = _as_list(psu), _as_list(strata), _as_list(fpc)
        for arg, cols in (("weights", _as_list(weights)), ("strata", strata_cols),
                          ("psu", psu_cols), ("fpc", fpc_cols)):
            for c in cols:
                if c not in df.columns:
                    raise MissingVariableError(c, arg, df.columns)
        n_stages = max(len(psu_cols), 1)
        if fpc_cols and len(fpc_cols) != n_stages:
            raise FpcError(
                f"fpc= gives {len(fpc_cols)} column(s) ({', '.join(fpc_cols)}) for a design with "
                f"{n_stages} stage(s) (psu={psu_cols}); give one fpc column per stage."
            )
        index = df.index

        # --- cluster ids per stage (nested in previous stages, and in strata if nest) -------
        ids: list[np.ndarray] = []
        id_labels: list[np.ndarray] = []
        for c in psu_cols:
            ser = df[c]
            if ser.isna().any():
                raise DesignSpecError(
                    bad_rows_message(c, "missing", list(index[ser.isna().to_numpy()]), "psu")
                    + " Every row needs a cluster id."
                )
            codes, uniq = _factorize(ser.to_numpy())
            ids.append(codes)
            id_labels.append(uniq)
        if not ids:
            ids = [np.arange(n, dtype=np.int64)]
            id_labels = [np.asarray(index)]
        has_strata = bool(strata_cols)
        st_codes: list[np.ndarray] = []
        st_labels: list[np.ndarray] = []
        for c in strata_cols:
            ser = df[c]
            if ser.isna().any():
                raise DesignSpecError(
                    bad_rows_message(c, "missing", list(index[ser.isna().to_numpy()]), "strata")
                    + " Every row needs a stratum."
                )
            codes, uniq = _factorize(ser.to_numpy())
            st_codes.append(codes)
            st_labels.append(uniq)
        if not st_codes:
            st_codes = [np.zeros(n, dtype=np.int64)]
            st_labels = [np.asarray(["(all)"], dtype=object)]

        if int(ids[0].max()) == 0 and not (nest and has_strata):
            raise DesignSpecError(
                f"The design has only one primary sampling unit (psu={psu_cols[0]!r}); "
                "variances cannot be estimated. Check the psu column, or give strata with nest=True."
            )
        raw_first = ids[0]
        for s in range(1, len(ids)):
            ids[s] = _combine(ids[s - 1], ids[s])
        if nest and has_strata:
            for s in range(len(ids)):
                ids[s] = _combine(st_codes[min(s, len(st_codes) - 1)], ids[s])
        elif has_strata and psu_cols:
            pairs = _distinct_pairs(raw_first, st_codes[0])
            counts = np.bincount(pairs[0], minlength=len(id_labels[0]))
            if (counts > 1).any():
                bad = np.flatnonzero(counts > 1)
                ex = id_labels[0][bad[0]]
                in_strata = st_labels[0][pairs[1][pairs[0] == bad[0]]]
                raise NestingError(
                    f"PSU ids repeat across strata in column {psu_cols[0]!r}: {len(bad)} PSU id(s) "
                    f"appear in more than one stratum of {strata_cols[0]!r} (e.g. {show(ex)} in strata "
                    f"{', '.join(show(x) for x in in_strata[:5])}). If PSU ids are only unique "
                    "within strata, use nest=True."
                )
        # strata per stage: stage s >= 2 is the interaction of strata and the stage s-1 cluster
        strata_st: list[np.ndarray] = [st_codes[0]]
        for s in range(1, len(ids)):
            strata_st.append(_combine(st_codes[min(s, len(st_codes) - 1)], ids[s - 1]))

        # --- sample sizes (distinct units per stratum, full sample) and fpc ----------------
        sampsize_rows = []
        for s in range(len(ids)):
            pairs = _distinct_pairs(strata_st[s], ids[s])
            per_stratum = np.bincount(pairs[0], minlength=int(strata_st[s].max()) + 1)
            sampsize_rows.append(per_stratum[strata_st[s]].astype(float))
        popsize_rows: list[np.ndarray] | None = None
        if fpc_cols:
            vals = []
            for c in fpc_cols:
                ser = df[c]
                num = pd.to_numeric(ser, errors="coerce")
                if num.isna().any():
                    raise FpcError(
                        bad_rows_message(c, "missing or non-numeric", list(index[num.isna().to_numpy()]), "fpc")
                    )
                vals.append(num.to_numpy(dtype=float))
            allv = np.concatenate(vals)
            if (allv <= 0).any():
                raise FpcError(f"fpc columns {fpc_cols} contain values <= 0; give population sizes or sampling fractions.")
            is_popsize = bool((allv > 1).any())
            if is_popsize and (allv < 1).any():
                raise FpcError(
                    f"fpc columns {fpc_cols} mix values below and above 1: give all as population "
                    "sizes (>= 1) or all as sampling fractions (<= 1)."
                )
            popsize_rows = []
            for s, (c, v) in enumerate(zip(fpc_cols, vals, strict=True)):
                pop = v if is_popsize else sampsize_rows[s] / v
                # constant within strata
                h = strata_st[s]
                lo = np.full(int(h.max()) + 1, np.inf)
                hi = np.full(int(h.max()) + 1, -np.inf)
                np.minimum.at(lo, h, pop)
                np.maximum.at(hi, h, pop)
                varies = hi - lo > 1e-9 * np.maximum(np.abs(hi), 1)
                if brewer or overton or pps_matrix is not None:  # PPS: per-unit probabilities
                    if is_popsize:
                        raise FpcError("pps= needs fpc= as inclusion probabilities (<= 1).")
                    varies[:] = False
                if varies.any():
                    j = int(np.flatnonzero(varies)[0])
                    raise FpcError(
                        f"fpc column {c!r} varies within stratum {self._stratum_label(s, j, strata_st, st_labels, ids, id_labels)} "
                        f"at stage {s + 1} (from {lo[j]:g} to {hi[j]:g}); it must be constant within strata."
                    )
                too_small = pop < sampsize_rows[s] * (1 - 1e-12)
                if too_small.any():
                    i = int(np.flatnonzero(too_small)[0])
                    j = int(h[i])
                    raise FpcError(
                        f"fpc column {c!r} implies a population size ({pop[i]:g}) smaller than the "
                        f"number of sampled units ({int(sampsize_rows[s][i])}) in stratum "
                        f"{self._stratum_label(s, j, strata_st, st_labels, ids, id_labels)} at stage {s + 1} "
                        f"(first row {show(index[i])}). Give population sizes, or sampling fractions <= 1."
                    )
                popsize_rows.append(pop)

        # --- weights -------------------------------------------------------------------------
        if weights is not None:
            w = check_weights(df[weights], weights, index)
            if not (w != 0).any():
                raise WeightsError(
                    f"weights column {weights!r} is 0 on every row: no respondent counts, every "
                    "estimate would be 0/0. Check the column."
                )
        elif popsize_rows is not None:
            w = np.prod(np.stack([p / s for p, s in zip(popsize_rows, sampsize_rows, strict=True)]), axis=0)
        else:
            w = np.ones(n)

        # --- variance stages ---------------------------------------------------------------------
        n_var_stages = len(ids) if popsize_rows is not None else 1
        stages: list[VarianceStage] = []
        mult_rows = np.ones(n)
        parent_rows = np.zeros(n, dtype=np.int64)
        for s in range(n_var_stages):
            h = strata_st[s]
            # renumber PSUs so that they are sorted by stratum
            key = _combine(h, ids[s])
            first = np.zeros(int(key.max()) + 1, dtype=np.int64)
            first[key] = np.arange(n)
            psu_stratum = h[first]
            n_h = int(h.max()) + 1
            n_psu = np.bincount(psu_stratum, minlength=n_h)
            starts = np.concatenate([[0], np.cumsum(n_psu)[:-1]])
            strat_first = np.zeros(n_h, dtype=np.int64)
            strat_first[h] = np.arange(n)
            if popsize_rows is not None:
                pop_h = popsize_rows[s][strat_first]
                f = np.where(np.isinf(pop_h), 1.0, (pop_h - n_psu) / pop_h)
            else:
                f = np.ones(n_h)
            psu_f = None
            if brewer and s == 0:
                pop_p = popsize_rows[0][first]
                psu_f = (pop_p - n_psu[psu_stratum]) / pop_p
                f = np.zeros(n_h)
                np.maximum.at(f, psu_stratum, psu_f)
            parent = parent_rows[strat_first]
            parent_codes = np.unique(parent, return_inverse=True)[1].astype(np.int64)
            stage = VarianceStage(
                stage=s + 1, psu=key, strata=h, psu_stratum=psu_stratum,
                stratum_starts=starts, n_psu=n_psu, f=f, mult=mult_rows[strat_first],
                parent=parent_codes,
                n_parent=int(parent_codes.max()) + 1,
                stratum_labels=tuple(
                    self._stratum_label(s, j, strata_st, st_labels, ids, id_labels) for j in range(n_h)
                ),
                psu_f=psu_f,
            )
            if lonely_psu == "fail" and stage.lonely.any():
                bad = [stage.stratum_labels[j] for j in np.flatnonzero(stage.lonely)]
                raise LonelyPSUError(
                    f"Stratum {bad[0]} has only one PSU at stage {s + 1}"
                    + (f" ({len(bad)} such strata: {', '.join(map(str, bad[:5]))})" if len(bad) > 1 else "")
                    + ". Its variance cannot be estimated; choose lonely_psu='adjust', 'average', "
                    "'certainty' or 'remove', or merge it with a neighbouring stratum."
                )
            stages.append(stage)
            if popsize_rows is not None:
                mult_rows = mult_rows * sampsize_rows[s] / popsize_rows[s]
            parent_rows = ids[s]

        labels_map = dict(df.attrs.get("variable_labels", {}) or {})
        if labels:
            labels_map.update(labels)
        self._init_fields(
            _df=df, _w=w, _domain=None, _labels=labels_map, _stages=tuple(stages),
            _psu1=ids[0], _strata1=st_codes[0], _calibrations=(), lonely_psu=lonely_psu,
            _cluster_ids=tuple(ids),  # units of every stage (nested, as R's design$cluster)
            _domain_label=None, _positive=bool((w != 0).all()),
            nest=nest, _cache={}, adjust_domain_lonely=bool(adjust_domain_lonely),
            _pps_D=(_pps_dcheck(pps_matrix) if pps_matrix is not None
                    else _overton(stages[0], sampsize_rows[0] / popsize_rows[0]) if overton
                    else None),
            _pps_variance=variance,
            spec={"weights": weights, "strata": strata_cols or None, "psu": psu_cols or None,
                  "fpc": fpc_cols or None, "nest": nest, "lonely_psu": lonely_psu,
                  "adjust_domain_lonely": bool(adjust_domain_lonely)},
        )

    @staticmethod
    def _stratum_label(s, j, strata_st, st_labels, ids, id_labels) -> str:
        if s == 0:
            return show(st_labels[0][j]) if len(st_labels[0]) > j else show(j)
        return f"#{j} (within a stage-{s} cluster)"

    # ---- frozen object -------------------------------------------------------------------
    def _init_fields(self, **fields: Any) -> None:
        for k, v in fields.items():
            object.__setattr__(self, k, v)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(
            "SurveyDesign is frozen; use .update(...) (or .subset(...)) to get a modified copy."
        )

    def _replace(self, **changes: Any) -> SurveyDesign:
        """Copy with fields changed.  Keys: weights (ndarray (n,)), calibrations (tuple),
        domain ((n,) bool or None), labels (mapping), lonely_psu (str)."""
        new = copy.copy(self)
        for key, value in changes.items():
            if key == "weights":
                w = check_weights(np.asarray(value, dtype=float), "weights", self._df.index)
                if w.shape != (len(self._df),):
                    raise WeightsError(f"new weights have shape {w.shape}, expected ({len(self._df)},).")
                object.__setattr__(new, "_w", w)
                object.__setattr__(new, "_positive", bool((w != 0).all()))
            elif key == "calibrations":
                object.__setattr__(new, "_calibrations", tuple(value))
            elif key == "domain":
                object.__setattr__(new, "_domain", None if value is None else np.asarray(value, dtype=bool))
            elif key == "domain_label":
                object.__setattr__(new, "_domain_label", value)
            elif key == "labels":
                object.__setattr__(new, "_labels", dict(value))
            elif key == "columns":
                protected = [c for k in ("weights", "strata", "psu", "fpc")
                             for c in _as_list(self.spec.get(k))]
                object.__setattr__(new, "_df", derived_frame(self._df, value, protected))
                object.__setattr__(new, "_cache", {})  # codes of replaced columns change
            elif key == "lonely_psu":
                if value not in LONELY_PSU_OPTIONS:
                    raise DesignSpecError(f"lonely_psu={value!r} is not one of {LONELY_PSU_OPTIONS}.")
                if value == "fail" and any(st.lonely.any() for st in self._stages):
                    raise LonelyPSUError("The design has a stratum with one PSU; 'fail' is not possible.")
                object.__setattr__(new, "lonely_psu", value)
                object.__setattr__(new, "spec", {**self.spec, "lonely_psu": value})
            elif key == "adjust_domain_lonely":
                object.__setattr__(new, "adjust_domain_lonely", bool(value))
                object.__setattr__(new, "spec", {**self.spec, "adjust_domain_lonely": bool(value)})
            else:
                raise TypeError(f"_replace() got an unexpected field {key!r}")
        return new

    def update(self, *, lonely_psu: str | None = None, labels: Mapping[str, str] | None = None,
               adjust_domain_lonely: bool | None = None, **columns: Any) -> SurveyDesign:
        """A copy with another lonely-PSU rule, R's ``survey.adjust.domain.lonely`` option,
        more variable labels, or new / replaced data columns.

        ``columns``: ``name=values`` (one value per row, a Series aligned on the design's
        index, a scalar, or a callable ``data -> values``), as R's ``update(design, agegp =
        cut(age, ...))`` (``update.survey.design``); weights, strata, PSUs and fpc stay those
        of the design (their columns cannot be replaced)::

            d2 = d.update(dep_sexe=survey.cross(d.data, ["departement", "sexe"]))
        """
        changes: dict[str, Any] = {}
        if columns:
            changes["columns"] = columns
        if adjust_domain_lonely is not None:
            changes["adjust_domain_lonely"] = adjust_domain_lonely
        if lonely_psu is not None:
            changes["lonely_psu"] = lonely_psu
        if labels is not None:
            changes["labels"] = {**self._labels, **labels}
        return self._replace(**changes)

    # ---- public read-only views ------------------------------------------------------------------
    @property
    def n_psu(self) -> int:
        return self._stages[0].n_units

    @property
    def n_strata(self) -> int:
        return self._stages[0].n_strata

    def __repr__(self) -> str:
        dom = "" if self._domain is None else f", domain of {int(self._domain.sum())} rows"
        cal = f", {len(self._calibrations)} calibration(s)" if self._calibrations else ""
        return (
            f"SurveyDesign({len(self._df)} rows, {self.n_strata} strata, {self.n_psu} PSUs, "
            f"{len(self._stages)} variance stage(s), lonely_psu={self.lonely_psu!r}{dom}{cal})"
        )

    # ---- hooks used by _BaseDesign -------------------------------------------------------------
    def _fast_totals_ok(self) -> bool:
        return not self._calibrations and len(self._stages) == 1 and self._pps_D is None

    def _vcov(self, u: np.ndarray, domain: np.ndarray | None = None, diag_only: bool = True) -> np.ndarray:
        """``linearized_vcov(u, self, domain, diag_only)`` (hook used by the models mixin)."""
        return linearized_vcov(u, self, domain=domain, diag_only=diag_only)

    def _cell_stats(self, cells: Cells) -> dict[str, np.ndarray]:
        """Estimates, linearised variances, denominators, n and design df of the cells.

        One pass: weighted bincounts of the numerator/denominator by (PSU, cell) give the
        estimates, the PSU totals of the influence values and the domain counts at once.
        """
        st = self._stages[0]
        g = cells.grouped(self._w, st.psu, st.n_units, positive=self._positive)
        num = g["ta"].sum(axis=0)
        den = g["tb"].sum(axis=0)
        theta = cells.theta_from(num, den)
        present = g["cnt"] > 0
        strat_present = np.add.reduceat(present, st.stratum_starts, axis=0) > 0
        degf = (present.sum(axis=0) - strat_present.sum(axis=0)).astype(float)
        n = g["cnt"].sum(axis=0)[cells.dmap]
        if self._fast_totals_ok():
            totals = cells.influence_totals(g["ta"], g["tb"], theta, den)
            pres = strat_present[:, cells.dmap] if self.lonely_psu == "average" else None
            dpsu = present[:, cells.dmap] if self._adl_domain(cells) else None
            var = psu_totals_vcov(totals, st, self.lonely_psu, pres, diag_only=True,
                                  domain_psus=dpsu)
        else:
            u = cells.influence(self._w, theta, den)
            need = self.lonely_psu == "average" or self._adl_domain(cells)
            dom = cells.domain_matrix() if need else None
            var = linearized_vcov(u, self, domain=dom, diag_only=True)
        return {"theta": theta, "var": var, "den": den, "n": n, "degf": degf}

    def _adl_domain(self, cells: Cells) -> bool:
        """R's survey.adjust.domain.lonely applies: an estimate on a proper domain (rows left
        out, or several ``by=`` groups: R's svyby estimates each on ``design[group, ]``) of an
        uncalibrated design (R keeps a calibrated design's rows with zero weight, so its
        domains always hold every PSU)."""
        return (self.adjust_domain_lonely and self.lonely_psu in ("adjust", "average")
                and not self._calibrations
                and bool(cells.n_domains > 1 or (cells.cd < 0).any()))

    def _joint_vcov_fast(self, parts: list) -> np.ndarray | None:
        """Covariance of several cells' estimates from their PSU totals (one-stage,
        uncalibrated designs): no (n, C) influence matrix.  None when not applicable."""
        if not self._fast_totals_ok() or self.lonely_psu == "average":
            return None
        st = self._stages[0]
        totals = []
        for cells, _ in parts:
            g = cells.grouped(self._w, st.psu, st.n_units, positive=self._positive)
            num, den = g["ta"].sum(axis=0), g["tb"].sum(axis=0)
            theta = cells.theta_from(num, den)
            totals.append(cells.influence_totals(g["ta"], g["tb"], theta, den))
        return psu_totals_vcov(np.hstack(totals), st, self.lonely_psu, None, diag_only=False)

    def _fast_table(self, var: str, by, kind: str, conf_level: float, df: float | None):
        """Categorical table in one bincount pass (one-stage, uncalibrated designs)."""
        if not self._fast_totals_ok():
            return None
        r = table_stats(self, var, _as_list(by), total=(kind == "total"), keep_totals=False)
        theta, var_, den, n_g = r["theta"], r["var"], r["den"], r["n"]
        n_lev = theta.shape[1]
        est = theta.ravel()
        v = var_.ravel()
        se = np.sqrt(np.maximum(v, 0))
        n = np.repeat(n_g, n_lev)
        dfs = np.repeat(r["degf"], n_lev) if df is None else np.full(est.size, float(df))
        q = t_crit(conf_level, dfs)
        big_n = np.repeat(den, n_lev)
        num = r["num"].ravel()
        res = {"estimate": est, "se": se, "ci_low": est - q * se, "ci_high": est + q * se,
               "df": dfs, "n": n, "deff": design_effect(kind, v, num, num, big_n, n)}
        return res, r["groups"], r["levels"]

    def banner_cells(
        self,
        questions: Sequence[str],
        breakdowns: Sequence[str],
        *,
        conf_level: float = 0.95,
        ci_method: str = "logit",
    ) -> pd.DataFrame:
        """All cells of a banner (questions x breakdowns) in one tidy DataFrame, with the
        difference of each group versus the rest and its design-based t test.

        Columns: question, level, breakdown, group, estimate, se, ci_low, ci_high, df, n
        (unweighted), N (weighted), diff, se_diff, t, p_value.  Works on every design:
        one-stage uncalibrated ones in one bincount pass per table; calibrated (poststratify,
        rake, calibrate), multistage designs and subsets through the residualised influence
        values in memory-bounded blocks.  See ``_banner.banner_cells``.
        """
        for q in list(questions) + list(breakdowns):
            self._col(q, "questions" if q in questions else "breakdowns")
        return banner_cells(self, questions, breakdowns, conf_level=conf_level, ci_method=ci_method)

    def mean_vs_rest(self, var: str, by: str, *, df_rule: str = "svyttest") -> pd.DataFrame:
        """Each group's mean of ``var`` minus the mean of the other groups of ``by``, with its
        linearised SE and design-based t test, on every linearised design (calibrated,
        multistage, subsets).  Columns: ``by``, estimate, diff, se_diff, t, df, p_value.
        ``df_rule="svyttest"`` (default): df ``degf - 1`` as R's ``svyttest``; ``"degf"``: the
        design df (as :meth:`banner_cells`).  See ``_banner.mean_vs_rest``.
        """
        self._col(var, "var")
        self._col(by, "by")
        return mean_vs_rest(self, var, by, df_rule=df_rule)

    def _degf_by(self, codes: np.ndarray, n_cells: int) -> np.ndarray:
        """Design df per domain code (R's degf on the domain): PSUs minus strata with rows there."""
        ok = (codes >= 0) & (self._w != 0)
        c = codes[ok]
        p = self._psu1[ok]
        npsu = int(self._psu1.max()) + 1
        nst = int(self._strata1.max()) + 1
        if n_cells * npsu <= max(4 * len(codes), 1 << 16):  # presence tables: O(n), no sort
            psu_stratum = np.zeros(npsu, dtype=np.int64)
            psu_stratum[self._psu1] = self._strata1  # PSUs are nested in strata
            pres = np.bincount(c * npsu + p, minlength=n_cells * npsu).reshape(n_cells, npsu) > 0
            cell, psu = np.nonzero(pres)
            strat = np.bincount(cell * nst + psu_stratum[psu], minlength=n_cells * nst)
            n_strat = (strat.reshape(n_cells, nst) > 0).sum(axis=1)
            return (pres.sum(axis=1) - n_strat).astype(float)
        s = self._strata1[ok]
        psus = np.bincount(np.unique(c * npsu + p) // npsu, minlength=n_cells)
        strat = np.bincount(np.unique(c * nst + s) // nst, minlength=n_cells)
        return (psus - strat).astype(float)

    def replicate(
        self,
        type: str,
        replicates: int | None = None,
        seed: int | np.random.Generator | None = None,
        fay_rho: float = 0.0,
        mse: bool = False,
        hadamard_matrix: np.ndarray | None = None,
    ) -> ReplicateDesign:
        """Replicate-weight version of this design ("JK1", "JKn", "bootstrap", "BRR", "Fay",
        "subbootstrap", "mrbbootstrap"; the bootstraps are seeded with ``seed=`` and cannot
        reproduce R's random draws, only R's rescaling formulas).

        JK1/JKn include the first-stage fpc as R does; bootstrap is seeded (``seed=``) with
        ``replicates`` (default 50) resamples.  Mirrors: survey::as.svrepdesign.
        """
        if self._calibrations:
            raise DesignSpecError(
                "replicate() on a calibrated design is not supported (R's as.svrepdesign "
                "neither): build the replicate design first, then weight it — "
                "d.replicate(...).rake(...) / .calibrate(...) / .poststratify(...) adjusts "
                "every replicate column."
            )
        rep = make_replicates(self, type, replicates=replicates, seed=seed, fay_rho=fay_rho,
                              hadamard_matrix=hadamard_matrix)
        return ReplicateDesign._from_factors(self, rep, mse)

    def degf(self) -> int:
        """Design degrees of freedom: PSUs minus strata with nonzero weight (in the domain)."""
        dom = np.ones(len(self._df), dtype=bool) if self._domain is None else self._domain
        return int(self._degf_by(np.where(dom, 0, -1), 1)[0])
