"""Estimators shared by :class:`SurveyDesign` and :class:`ReplicateDesign`.

Results are tidy DataFrames with columns ``variable`` (+ ``label`` when the variable has one),
the ``by`` columns, ``level`` for categoricals, then ``estimate, se, ci_low, ci_high, df, deff, n``
(``n``: unweighted rows of the domain with a non-missing value).

Missing values follow R's ``na.rm=TRUE``: a row missing the variable leaves the domain of that
estimate (it is not deleted: the PSU structure is kept).  Each variable of a list is handled on
its own domain of non-missing values.

Empty domains: an estimate on a domain without any observation (``subset`` with no row, or a
variable missing everywhere in the domain) raises :class:`EmptyDomainError` naming the variable
and the domain.  ``by=`` covers the groups observed among the rows of the domain where the
variable is not missing (as ``svyby(..., na.rm.all=TRUE)``); a level of a categorical absent from
a group gets estimate 0 and SE 0, as R gives.

Confidence intervals use the t distribution with the design degrees of freedom of each domain
(``df=None``); pass ``df=numpy.inf`` for R's default ``confint()`` normal intervals.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._cells import Cells
from ._ci import CI_METHODS, likelihood_ci, proportion_ci, t_crit, t_interval
from ._quantile_estimator import QuantileMixin
from .errors import (
    ArgumentError,
    EmptyDomainError,
    EmptyGroupWarning,
    MissingVariableError,
    VariableTypeError,
    WeightsError,
    show,
)

__all__ = ["_BaseDesign"]

RESULT_COLUMNS = ["estimate", "se", "ci_low", "ci_high", "df", "deff", "n"]
def _as_list(x) -> list:
    if x is None:
        return []
    if isinstance(x, str | int) or not isinstance(x, Sequence):
        return [x]
    return list(x)


def design_effect(kind: str, var, num, s2, big_n, n, replace: bool = False) -> np.ndarray:
    """R's ``deff=TRUE``: variance over the SRS-without-replacement variance
    ``svyvar(x) (N - n) / (N n)`` (times ``N^2`` for totals), with ``svyvar`` the weighted
    variance with the ``n/(n-1)`` factor; ``replace=True`` is R's ``deff="replace"``: over the
    with-replacement variance ``svyvar(x) / n``.  As R: ``Inf`` when the SRS variance is zero
    (e.g. every weight 1, so N = n) and NaN when N < n (weights not scaled to the population).
    Mirrors: survey::svymean / svytotal (deff)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        svyvar = (s2 - num**2 / big_n) / big_n * n / (n - 1)
        vsrs = svyvar / n if replace else svyvar * (big_n - n) / (big_n * n)
        if kind == "total":
            vsrs = vsrs * big_n**2
        out = np.asarray(var / vsrs, dtype=float)
        if not replace:
            out = np.where(big_n < n, np.nan, out)
        return out


#: Distinct values above which a numeric column is taken for a measure by ``proportion``.
MAX_NUMERIC_LEVELS = 20


def _small_integer_codes(ser: pd.Series) -> tuple[np.ndarray, list] | None:
    """Sorted level codes of an integer-valued numeric column with a small range (Likert
    codes): a lookup table instead of hashing.  None when not applicable."""
    if not (pd.api.types.is_numeric_dtype(ser) and not pd.api.types.is_bool_dtype(ser)):
        return None
    v = ser.to_numpy(dtype=float, na_value=np.nan)
    finite = ~np.isnan(v)
    if not finite.any():
        return None
    vf = v[finite]
    lo, hi = vf.min(), vf.max()
    if hi - lo > 10_000 or not np.all(vf == np.round(vf)):
        return None
    offs = (vf - lo).astype(np.int64)
    present = np.bincount(offs) > 0
    lut = np.cumsum(present) - 1
    codes = np.full(len(v), -1, dtype=np.int64)
    codes[finite] = lut[offs]
    vals = np.flatnonzero(present) + lo
    levels = [ser.dtype.type(x) for x in vals] if pd.api.types.is_integer_dtype(ser) else list(vals)
    return codes, levels


def _estimate_names(frame: pd.DataFrame, by, variable: str, several: bool) -> list[str]:
    """R's names of svyby / svymean estimates: the group values joined by ".", prefixed by
    ``variable:`` when several variables are estimated (the variable alone without ``by``)."""
    by_cols = _as_list(by)
    if not by_cols:
        return [variable] * len(frame)
    keys = [".".join(str(frame[b].iloc[i]) for b in by_cols) for i in range(len(frame))]
    return [f"{k}:{variable}" for k in keys] if several else keys


def _n_groups(groups: dict) -> int:
    return len(next(iter(groups.values()))) if groups else 1


class _BaseDesign(QuantileMixin, ABC):
    """Estimator methods; subclasses provide the variance (linearised or replicate)."""

    _df: pd.DataFrame
    _w: np.ndarray
    _domain: np.ndarray | None
    _labels: dict
    _cache: dict

    # ------------------------------------------------------------------------------------------
    # hooks
    @abstractmethod
    def _cell_stats(self, cells: Cells) -> dict[str, np.ndarray]:
        """theta (C,), var (C,), den (D,), n (C,) and degf (D,) of the cells."""

    @abstractmethod
    def _degf_by(self, codes: np.ndarray, n_cells: int) -> np.ndarray:
        """Design degrees of freedom of each of ``n_cells`` domains given by ``codes``."""

    def _fast_table(self, var: str, by, kind: str, conf_level: float, df: float | None):
        """Optional fast path for categorical tables: (res, groups, levels) or None."""
        return None

    # ------------------------------------------------------------------------------------------
    # data access (cached: the data frame of a design never changes)
    @property
    def data(self) -> pd.DataFrame:
        """The data frame of the design (all rows, domain or not)."""
        return self._df

    @property
    def labels(self) -> dict[str, str]:
        """Variable labels the design knows (from the data's ``attrs["variable_labels"]``, e.g.
        an SPSS file read by ``io.read_data``, then ``labels=`` / ``update(labels=...)``): a copy."""
        return dict(self._labels)

    @property
    def weights(self) -> np.ndarray:
        """The (full-sample) analysis weights: a read-only array in the row order of the data."""
        w = self._w.view()
        w.flags.writeable = False
        return w

    @property
    def domain(self) -> np.ndarray:
        """Read-only bool mask (n,) of the rows in the domain (all True unless :meth:`subset`)."""
        m = self._active().view()
        m.flags.writeable = False
        return m

    def level_codes(self, var: str) -> tuple[np.ndarray, list]:
        """Integer codes (n,) (-1 = missing) and the sorted levels of ``var``, as every
        estimator codes it (a pandas categorical keeps its categories' order).  The codes are a
        read-only array."""
        codes, levels = self._categorical(var)
        c = codes.view()
        c.flags.writeable = False
        return c, list(levels)

    def _col(self, name: str, argument: str) -> pd.Series:
        if name not in self._df.columns:
            raise MissingVariableError(name, argument, self._df.columns)
        return self._df[name]

    def _numeric(self, name: str, argument: str = "var") -> tuple[np.ndarray, np.ndarray]:
        key = ("num", name)
        hit = self._cache.get(key)
        if hit is None:
            ser = self._col(name, argument)
            if isinstance(ser.dtype, pd.CategoricalDtype) or not (
                pd.api.types.is_numeric_dtype(ser) or pd.api.types.is_bool_dtype(ser)
            ):
                raise VariableTypeError(
                    f"Variable {name!r} ({argument}=) is not numeric (dtype {ser.dtype}); a mean, "
                    "total or ratio needs numbers. For a categorical variable use "
                    f".proportion({name!r}) or .total({name!r}) for counts by level."
                )
            vals = ser.to_numpy(dtype=float, na_value=np.nan)
            valid = ~np.isnan(vals)
            hit = (np.where(valid, vals, 0.0), valid)
            self._cache[key] = hit
        return hit

    def _categorical(self, name: str, argument: str = "var") -> tuple[np.ndarray, list]:
        key = ("cat", name)
        hit = self._cache.get(key)
        if hit is None:
            ser = self._col(name, argument)
            if isinstance(ser.dtype, pd.CategoricalDtype):
                codes = ser.cat.codes.to_numpy().astype(np.int64)
                levels = list(ser.cat.categories)
            elif (small := _small_integer_codes(ser)) is not None:
                codes, levels = small
            else:
                codes, uniq = pd.factorize(ser, sort=True)
                codes = codes.astype(np.int64)
                levels = list(uniq)
            hit = (codes, levels)
            self._cache[key] = hit
        return hit

    def _check_not_continuous(self, name: str, levels: list, method: str) -> None:
        """A numeric column with many distinct values is almost surely a measure (an age, an
        income), not a set of categories: one proportion per distinct value is never what is
        meant, so it is an error with the hint (a categorical or bool column is always fine)."""
        ser = self._col(name, "var")
        if (isinstance(ser.dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(ser)
                or not pd.api.types.is_numeric_dtype(ser) or len(levels) <= MAX_NUMERIC_LEVELS):
            return
        raise ArgumentError(
            f"{method}({name!r}): {name!r} is numeric with {len(levels)} distinct values, so "
            f"{method} would give one row per value. Hint: use mean({name!r}) or quantile({name!r}) "
            f"for a measure, or make classes first (e.g. df[{name!r}] = pd.cut(df[{name!r}], "
            f"[15, 18, 22, 26])) or declare it categorical (df[{name!r}].astype('category')).")

    def _is_categorical(self, name: str, argument: str = "var") -> bool:
        ser = self._col(name, argument)
        return isinstance(ser.dtype, pd.CategoricalDtype) or not (
            pd.api.types.is_numeric_dtype(ser) or pd.api.types.is_bool_dtype(ser)
        )

    def _active(self) -> np.ndarray:
        if self._domain is None:
            return np.ones(len(self._df), dtype=bool)
        return self._domain

    def _domain_text(self) -> str:
        if self._domain is None:
            return "the whole sample"
        label = getattr(self, "_domain_label", None)
        return f"domain {label!r}" if label else f"the subset domain ({int(self._domain.sum())} rows)"

    def _by_codes(self, by_cols: list) -> tuple[np.ndarray, dict[str, np.ndarray], int]:
        """Codes (n,) of the observed combinations of the ``by`` columns over all rows (-1 where
        one is missing), the table of those combinations (sorted), and their number (cached)."""
        key = ("by", tuple(by_cols))
        hit = self._cache.get(key)
        if hit is None:
            codes_list, levels_list = [], []
            ok = np.ones(len(self._df), dtype=bool)
            for b in by_cols:
                c, lev = self._categorical(b, "by")
                codes_list.append(c)
                levels_list.append(lev)
                ok &= c >= 0
            combo = np.zeros(len(ok), dtype=np.int64)
            for c, lev in zip(codes_list, levels_list, strict=True):
                combo = combo * (len(lev) + 1) + np.where(c >= 0, c, 0)
            uniq, inv = np.unique(combo[ok], return_inverse=True)
            gcode = np.full(len(ok), -1, dtype=np.int64)
            gcode[ok] = inv
            rem = uniq.copy()
            parts = []
            for lev in reversed(levels_list):
                parts.append(rem % (len(lev) + 1))
                rem = rem // (len(lev) + 1)
            parts.reverse()
            table = {
                b: np.asarray([lev[i] for i in part], dtype=object)
                for b, lev, part in zip(by_cols, levels_list, parts, strict=True)
            }
            hit = (gcode, table, len(uniq))
            self._cache[key] = hit
        return hit

    def _groups(self, by, valid: np.ndarray, what: str,
                keep: bool = False) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Group codes (n,) (-1 outside) over the rows of the domain with valid values, and the
        table of the groups observed there (sorted): ``{by column: values}``.

        Groups of the domain without any valid value are reported by an
        :class:`EmptyGroupWarning` unless ``keep`` (the caller's ``keep_empty_groups=True``: the
        user asked for them, and they appear in the table with ``n = 0`` and NaN estimates, as
        R's ``svyby(..., drop.empty.groups=FALSE)`` lists them without a warning)."""
        self._cache.pop("_lost_groups", None)  # set again below when groups are lost
        ok = valid if self._domain is None else (self._domain & valid)
        by_cols = _as_list(by)
        if not by_cols:
            if not ok.any():
                raise EmptyDomainError(
                    f"No observation of {what} in {self._domain_text()}: every row is outside the "
                    "domain or missing. Check the subset and the variable's missing values."
                )
            if not (self._w[ok] != 0).any():
                raise WeightsError(
                    f"Every weight of the {int(ok.sum())} row(s) with {what} in "
                    f"{self._domain_text()} is 0: the estimate would be 0/0. Check the weights "
                    "(a calibration or a subset may have set them to 0)."
                )
            return np.where(ok, 0, -1), {}
        gall, table, n_all = self._by_codes(by_cols)
        ok = ok & (gall >= 0)
        present = np.bincount(gall[ok], minlength=n_all) > 0
        in_domain = np.bincount(gall[self._active() & (gall >= 0)], minlength=n_all) > 0
        lost = in_domain & ~present
        if lost.any():
            self._cache["_lost_groups"] = {k: v[lost] for k, v in table.items()}
            if not keep:
                self._warn_empty_groups(what, by_cols, self._cache["_lost_groups"])
        if not present.any():
            raise EmptyDomainError(
                f"No observation of {what} with a non-missing {', '.join(map(repr, by_cols))} in "
                f"{self._domain_text()}."
            )
        if present.all():
            return np.where(ok, gall, -1), table
        remap = np.cumsum(present) - 1
        return np.where(ok, remap[np.maximum(gall, 0)], -1), {k: v[present] for k, v in table.items()}

    def _warn_empty_groups(self, what: str, by_cols: list, lost: dict[str, np.ndarray]) -> None:
        """Report ``by=`` groups of the domain where the variable is missing on every row (R's
        ``svyby`` drops them too): an :class:`EmptyGroupWarning`; ``keep_empty_groups=True`` lists
        them instead (no warning then)."""
        import warnings

        n = len(next(iter(lost.values())))
        names = [" / ".join(show(lost[b][i]) for b in by_cols) for i in range(n)]
        warnings.warn(
            EmptyGroupWarning(
                f"{n} group(s) of {', '.join(map(repr, by_cols))} in {self._domain_text()} have no "
                f"non-missing value of {what} and are left out of the table: {', '.join(names[:10])}"
                f"{' ...' if n > 10 else ''}. Pass keep_empty_groups=True to list them (estimate "
                "NaN, n = 0)."
            ),
            stacklevel=4,
        )

    def _keep_empty(self, frame: pd.DataFrame, by, keep: bool) -> pd.DataFrame:
        """Append the groups reported by :meth:`_warn_empty_groups` as rows with NaN estimates
        and ``n = 0`` (``keep_empty_groups=True``)."""
        lost = self._cache.pop("_lost_groups", None)
        if not keep or lost is None or frame.empty:
            return frame
        by_cols = _as_list(by)
        template = frame.drop_duplicates(subset=[c for c in frame.columns
                                                 if c not in by_cols + RESULT_COLUMNS])
        rows = []
        for i in range(len(next(iter(lost.values())))):
            extra = template.copy()
            for b in by_cols:
                extra[b] = lost[b][i]
            for col in RESULT_COLUMNS:
                extra[col] = 0 if col == "n" else np.nan
            rows.append(extra)
        return pd.concat([frame, *rows], ignore_index=True)

    def _design_codes(self, by, valid: np.ndarray) -> np.ndarray:
        """Group code (n,) of every row of the domain, rows missing the variable included (-1
        outside), numbered as the table of groups observed with a non-missing value."""
        dom = self._active()
        by_cols = _as_list(by)
        if not by_cols:
            return np.where(dom, 0, -1)
        gall, _, n_all = self._by_codes(by_cols)
        present = np.bincount(gall[dom & valid & (gall >= 0)], minlength=n_all) > 0
        remap = np.where(present, np.cumsum(present) - 1, -1)
        return np.where(dom & (gall >= 0), remap[np.maximum(gall, 0)], -1)

    def _design_df(self, by, valid: np.ndarray, n_groups: int) -> np.ndarray | None:
        """R's ``degf(design)`` of each group's domain *with* the rows missing the variable
        (``svyciprop(..., na.rm=TRUE)`` and ``confint(svymean(...), df=degf(design))`` take the
        df of the design before ``na.rm`` drops rows).  None when no row of the domain is missing
        (then the cells' own df is the same)."""
        if not (self._active() & ~valid).any():
            return None
        return self._degf_by(self._design_codes(by, valid), n_groups)

    def _design_rows(self, by, valid: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
        """R's ``nrow(design)`` and ``mean(weights(design))`` of each group's domain, rows
        missing the variable included (``svyciprop`` beta uses the first, the likelihood
        interval's svyglm rescales the weights by the second): the rows of the domain for an
        uncalibrated design (R's ``[.survey.design2`` drops the other rows), every row of the
        data (zero weight outside the domain) once calibrated."""
        codes = self._design_codes(by, valid)
        ok = codes >= 0
        sw = np.bincount(codes[ok], weights=self._w[ok], minlength=n_groups)
        if getattr(self, "_calibrations", ()) and self._domain is not None:
            rows = np.full(n_groups, float(len(self._df)))
        else:
            rows = np.bincount(codes[ok], minlength=n_groups).astype(float)
        return rows, sw / rows

    # ------------------------------------------------------------------------------------------
    def _finish(
        self,
        cells: Cells,
        kind: str,
        conf_level: float,
        df: float | None,
        design_df: np.ndarray | None = None,
        deff: bool | str = True,
    ) -> dict[str, np.ndarray]:
        st = self._cell_stats(cells)
        theta, var, den, n = st["theta"], st["var"], st["den"], st["n"]
        se = np.sqrt(np.maximum(var, 0.0))
        if df is not None:
            dfs = np.full(cells.n_cells, float(df))
        elif design_df is not None:
            dfs = np.asarray(design_df, dtype=float)[cells.dmap]
        else:
            dfs = st["degf"][cells.dmap]
        lo, hi = t_interval(theta, se, dfs, conf_level)
        out = {"estimate": theta, "se": se, "ci_low": lo, "ci_high": hi, "df": dfs, "n": n}
        if kind in ("mean", "total"):
            big_n = den[cells.dmap]
            num = theta * big_n if kind == "mean" else theta
            s2 = num if cells.binary else cells.second_moment(self._w)
            out["deff"] = design_effect(kind, var, num, s2, big_n, n, replace=deff == "replace")
        else:
            out["deff"] = np.full(cells.n_cells, np.nan)
        if "reps" in st:
            out["_reps"] = st["reps"]
        return out

    def _frame(self, variable: str, groups: dict[str, np.ndarray], res: dict,
               levels: list | None = None) -> pd.DataFrame:
        reps = len(levels) if levels else 1
        n_groups = len(next(iter(groups.values()))) if groups else 1
        data: dict[str, Any] = {"variable": np.full(n_groups * reps, variable, dtype=object)}
        label = self._labels.get(variable)
        if label is not None:
            data["label"] = np.full(n_groups * reps, label, dtype=object)
        for col, vals in groups.items():
            data[col] = np.repeat(vals, reps) if reps > 1 else vals
        if levels:
            data["level"] = np.tile(np.asarray(levels, dtype=object), n_groups)
        for col in RESULT_COLUMNS:
            data[col] = res[col]
        return pd.DataFrame(data, copy=False)

    # ------------------------------------------------------------------------------------------
    # estimators
    def _with_design_df(self, res: dict, by, valid: np.ndarray, n_groups: int, reps: int,
                        conf_level: float, df: float | None) -> dict:
        """Replace the df of ``res`` by R's ``degf(design)`` of each domain (rows missing the
        variable included, see :meth:`_design_df`) and recompute the t interval."""
        if df is not None:
            return res
        ddf = self._design_df(by, valid, n_groups)
        if ddf is not None:
            res["df"] = np.repeat(ddf, reps)
            res["ci_low"], res["ci_high"] = t_interval(res["estimate"], res["se"], res["df"], conf_level)
        return res

    def mean(self, var: str | Sequence[str], by: str | Sequence[str] | None = None, *,
             conf_level: float = 0.95, df: float | None = None, deff: bool | str = True,
             keep_empty_groups: bool = False, covmat: bool = False) -> pd.DataFrame:
        """Weighted mean ``sum w y / sum w`` with linearised (or replicate) SE and ``deff``.

        A categorical variable gives the proportion of each level (as R's svymean on a factor).
        ``deff="replace"``: design effect against sampling with replacement (R's option).
        ``df`` (default): R's ``degf(design)`` of the domain, counting the rows where the
        variable is missing (as ``confint(svymean(~y, d, na.rm=TRUE), df=degf(d))``).
        ``covmat=True`` (numeric variables): the variance-covariance matrix of all the estimates
        (variables x groups) in ``frame.attrs["vcov"]``, their names in ``attrs["names"]``, for
        :func:`contrast` (R's ``svyby(..., covmat=TRUE)``; each variable keeps its own
        non-missing rows).
        Mirrors: survey::svymean(deff=TRUE, na.rm=TRUE), survey::svyby.
        """
        return self._linear("mean", var, by, conf_level, df, deff, keep_empty_groups, covmat)

    def _linear(self, kind: str, var, by, conf_level, df, deff, keep_empty_groups,
                covmat) -> pd.DataFrame:
        """mean / total of numeric variables (categoricals go to proportion / counts)."""
        frames, parts = [], []
        variables = _as_list(var)
        for v in variables:
            if self._is_categorical(v):
                if covmat:
                    raise ArgumentError(
                        f"covmat=True is for numeric variables; {v!r} is categorical. Use "
                        f".proportion({v!r}, by=..., covmat=True) for its levels."
                    )
                if kind == "mean":
                    frames.append(self.proportion(v, by=by, ci_method="mean",
                                                  conf_level=conf_level, df=df, deff=deff,
                                                  keep_empty_groups=keep_empty_groups))
                else:
                    frames.append(self._level_totals(v, by, conf_level, df, deff, keep_empty_groups))
                continue
            y, valid = self._numeric(v)
            g, groups = self._groups(by, valid, repr(v), keep_empty_groups)
            ng = _n_groups(groups)
            cells = Cells(a=y, cn=g, n_cells=ng, b=None, cd=g, n_domains=ng,
                          dmap=np.arange(ng), total=kind == "total")
            res = self._finish(cells, kind, conf_level, df, deff=deff)
            res = self._with_design_df(res, by, valid, ng, 1, conf_level, df)
            frame = self._frame(v, groups, res)
            if covmat:
                parts.append((cells, res))
                frame = frame.assign(_name=_estimate_names(frame, by, v, len(variables) > 1))
            frames.append(self._keep_empty(frame, by, keep_empty_groups))
        out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        if covmat:
            out.attrs["vcov"] = self._joint_vcov(parts)
            out.attrs["names"] = out.pop("_name").tolist()
        return out

    def _joint_vcov(self, parts: list) -> np.ndarray:
        """Variance-covariance matrix of the cells of several estimates: one influence matrix
        through ``linearized_vcov``, or the replicates through ``svrVar``."""
        if getattr(self, "_is_replicate", lambda: False)():
            theta = np.concatenate([res["estimate"] for _, res in parts])
            reps = np.vstack([res["_reps"] for _, res in parts])
            return self._replicate_vcov(theta, reps.T)
        fast = getattr(self, "_joint_vcov_fast", None)
        if fast is not None and (v := fast(parts)) is not None:
            return v
        u = np.hstack([cells.influence(self._w, *cells.estimate(self._w)) for cells, _ in parts])
        return self._vcov_matrix(u, None)

    def total(self, var: str | Sequence[str], by: str | Sequence[str] | None = None, *,
              conf_level: float = 0.95, df: float | None = None, deff: bool | str = True,
              keep_empty_groups: bool = False, covmat: bool = False) -> pd.DataFrame:
        """Weighted total ``sum w y``; for a categorical, the estimated count of each level.

        ``deff``, ``df`` and ``covmat`` as :meth:`mean`.
        Mirrors: survey::svytotal(deff=TRUE, na.rm=TRUE), survey::svyby.
        """
        return self._linear("total", var, by, conf_level, df, deff, keep_empty_groups, covmat)

    def _level_totals(self, v: str, by, conf_level, df, deff, keep_empty_groups) -> pd.DataFrame:
        codes, _ = self._categorical(v)
        valid = codes >= 0
        fast = self._fast_table(v, by, "total", conf_level, df) if deff is True else None
        if fast is not None:
            res, groups, levels = fast
            self._groups(by, valid, repr(v), keep_empty_groups)  # groups without any value
        else:
            cells, groups, levels = self._level_cells(v, by, total=True, keep=keep_empty_groups)
            res = self._finish(cells, "total", conf_level, df, deff=deff)
        res = self._with_design_df(res, by, valid, _n_groups(groups), len(levels), conf_level, df)
        return self._keep_empty(self._frame(v, groups, res, levels), by, keep_empty_groups)

    def _level_cells(self, v: str, by, total: bool = False,
                     keep: bool = False) -> tuple[Cells, pd.DataFrame, list]:
        codes, levels = self._categorical(v)
        valid = codes >= 0
        g, groups = self._groups(by, valid, repr(v), keep)
        nl = len(levels)
        ng = _n_groups(groups)
        cn = np.where(g >= 0, g * nl + codes, -1)
        cells = Cells(a=None, cn=cn, n_cells=ng * nl, b=None, cd=g, n_domains=ng,
                      dmap=np.repeat(np.arange(ng), nl), total=total, binary=True)
        return cells, groups, levels

    def proportion(self, var: str | Sequence[str], by: str | Sequence[str] | None = None, *,
                   ci_method: str = "logit", conf_level: float = 0.95,
                   df: float | None = None, deff: bool | str = True,
                   keep_empty_groups: bool = False, covmat: bool = False) -> pd.DataFrame:
        """Proportion of each level of a categorical variable, one row per (group, level).

        ``covmat=True``: the covariance of all the proportions in ``attrs["vcov"]`` with R's
        names in ``attrs["names"]`` (``"sch_wideYes"``, by group ``"E:sch_wideYes"``), for
        :func:`contrast` (R's ``svyby(~factor, ~g, design, svymean, covmat=TRUE)``).

        ``ci_method``: logit (default, as svyciprop), likelihood, beta (Korn-Graubard), asin,
        mean, xlogit, wilson; all with the design degrees of freedom of the domain.

        Missing values follow ``svyciprop(..., na.rm=TRUE)`` (and ``svyby(..., svyciprop)``):
        the estimate and its variance use the rows where the variable is present, but the
        interval's df is ``degf(design)`` of the domain *with* the rows missing the variable,
        and the beta method's ``nrow(design)`` counts those rows too.  On a replicate design the
        logit interval uses the replicate variance of the refitted logit (R's svyglm), not the
        delta method on the proportion's variance.
        Mirrors: survey::svymean on a factor + survey::svyciprop, survey::svyby.
        """
        if ci_method not in CI_METHODS:
            raise ArgumentError(
                f"ci_method={ci_method!r} is not available. Possible values are: {', '.join(CI_METHODS)}."
            )
        frames = []
        for v in _as_list(var):
            codes, levels = self._categorical(v)
            self._check_not_continuous(v, levels, "proportion")
            valid = codes >= 0
            fast = None
            if ci_method not in ("likelihood",) and deff is True and not covmat:
                fast = self._fast_table(v, by, "mean", conf_level, df)
            cells = None
            if fast is not None:
                res, groups, levels = fast
                self._groups(by, valid, repr(v), keep_empty_groups)  # groups without any value
            else:
                cells, groups, levels = self._level_cells(v, by, keep=keep_empty_groups)
                res = self._finish(cells, "mean", conf_level, df, deff=deff)
            ng, nl = _n_groups(groups), len(levels)
            res = self._with_design_df(res, by, valid, ng, nl, conf_level, df)
            n_rows, w_mean = (np.repeat(x, nl) for x in self._design_rows(by, valid, ng))
            self._proportion_ci(res, cells, ci_method, conf_level, n_rows, w_mean)
            frame = self._keep_empty(self._frame(v, groups, res, levels), by, keep_empty_groups)
            if covmat:
                frame.attrs["vcov"] = self._joint_vcov([(cells, res)])
                by_cols = _as_list(by)
                frame.attrs["names"] = [
                    (".".join(str(frame[b].iloc[i]) for b in by_cols) + ":" if by_cols else "")
                    + f"{v}{frame['level'].iloc[i]}" for i in range(len(frame))]
            frames.append(frame)
        if covmat and len(frames) > 1:
            raise ArgumentError("covmat=True takes one categorical variable at a time.")
        return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]

    def _proportion_ci(self, res: dict, cells: Cells | None, method: str, conf_level: float,
                       n_rows: np.ndarray, w_mean: np.ndarray) -> None:
        if method == "likelihood":
            lo = np.empty(cells.n_cells)
            hi = np.empty(cells.n_cells)
            for c in range(cells.n_cells):
                rows = cells.cd == cells.dmap[c]
                y = (cells.cn[rows] == c).astype(float)
                lo[c], hi[c] = likelihood_ci(y, self._w[rows], res["se"][c] ** 2, res["df"][c],
                                             conf_level, w_mean=w_mean[c])
        elif method == "logit" and res.get("_reps") is not None:
            p = res["estimate"]
            with np.errstate(divide="ignore", invalid="ignore"):
                eta_r = np.log(res["_reps"] / (1 - res["_reps"]))
                eta = np.log(p / (1 - p))
            se_eta = np.sqrt(self._replicate_var(eta, eta_r))
            q = t_crit(conf_level, res["df"])
            with np.errstate(over="ignore", invalid="ignore"):
                lo = 1 / (1 + np.exp(-(eta - q * se_eta)))
                hi = 1 / (1 + np.exp(-(eta + q * se_eta)))
            degenerate = (p <= 0) | (p >= 1)
            lo, hi = np.where(degenerate, p, lo), np.where(degenerate, p, hi)
        else:
            lo, hi = proportion_ci(method, res["estimate"], res["se"], res["df"], n_rows, conf_level)
        res["ci_low"], res["ci_high"] = lo, hi

    def _replicate_var(self, theta: np.ndarray, reps: np.ndarray) -> np.ndarray:
        """Replicate variance of estimates ``theta`` (C,) from replicates ``reps`` (C, R)
        (replicate designs only)."""
        raise NotImplementedError  # pragma: no cover - only reached with replicate estimates

    def ratio(self, numerator: str, denominator: str, by: str | Sequence[str] | None = None, *,
              conf_level: float = 0.95, df: float | None = None,
              keep_empty_groups: bool = False) -> pd.DataFrame:
        """Ratio of weighted totals ``sum w y / sum w x`` (rows missing either are left out).

        Mirrors: survey::svyratio(na.rm=TRUE).
        """
        y, vy = self._numeric(numerator, "numerator")
        x, vx = self._numeric(denominator, "denominator")
        valid = vy & vx
        g, groups = self._groups(by, valid, f"{numerator!r}/{denominator!r}", keep_empty_groups)
        ng = _n_groups(groups)
        cells = Cells(a=y, cn=g, n_cells=ng, b=x, cd=g, n_domains=ng, dmap=np.arange(ng))
        res = self._finish(cells, "ratio", conf_level, df)
        res = self._with_design_df(res, by, valid, ng, 1, conf_level, df)
        frame = self._keep_empty(self._frame(f"{numerator}/{denominator}", groups, res), by,
                                 keep_empty_groups)
        frame.insert(1, "denominator", denominator)
        frame.insert(1, "numerator", numerator)
        return frame

    # ------------------------------------------------------------------------------------------
    def subset(self, mask: Any, label: str | None = None):
        """A domain design: rows outside ``mask`` stay (PSU structure kept) but leave every
        estimate.  ``mask``: boolean array/Series (aligned on the index), or a callable
        ``df -> mask``.  Missing values in the mask count as False (R's ``subset``).

        Mirrors: survey::subset.survey.design / ``[.survey.design2``.
        """
        if callable(mask):
            mask = mask(self._df)
        if isinstance(mask, pd.Series) and not mask.index.equals(self._df.index):
            mask = mask.reindex(self._df.index)
        arr = mask.to_numpy() if isinstance(mask, pd.Series) else np.asarray(mask)
        if arr.shape != (len(self._df),):
            raise ArgumentError(
                f"subset() mask has {arr.size} values; the data has {len(self._df)} rows."
            )
        if arr.dtype == bool:  # the common case: no per-row check needed
            m = arr
        else:
            ser = pd.Series(arr, dtype=object)
            present = ser.notna().to_numpy()
            is_bool = np.fromiter((isinstance(v, bool | np.bool_) for v in arr[present]),
                                  dtype=bool, count=int(present.sum()))
            if not is_bool.all():
                raise ArgumentError(
                    f"subset() expects a boolean mask (True = in the domain); got values such "
                    f"as {show(arr[present][~is_bool][0])}."
                )
            m = np.zeros(len(arr), dtype=bool)
            m[present] = arr[present].astype(bool)
        changes = {"domain": self._active() & m}
        if label is not None:
            changes["domain_label"] = label
        return self._replace(**changes)
