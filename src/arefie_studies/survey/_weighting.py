"""Post-stratification, raking, calibration and trimming of a design, with diagnostics.

Each method returns a new design whose weights reach the margins and whose variance accounts
for the adjustment (a step appended to ``design._calibrations``, residualising influence values
as R's ``svyrecvar`` does with ``postStrata``).  On a :class:`ReplicateDesign` every replicate
column is adjusted the same way to the same population figures (R's ``calibrate.svyrep.design``,
``postStratify.svyrep.design``, ``rake`` on a ``svyrep.design``, ``trimWeights.svyrep.design``),
so the replicate variance accounts for the weighting. Numerics live in ``_calibrate.py``; margin
parsing in ``_calibrate_margins.py``; the recorded steps in ``_calibrate_steps.py``.

Mirrors: survey::postStratify, survey::rake, survey::calibrate, survey::trimWeights.

References: Deville & Särndal (1992), JASA 87, 376-382; Deville, Särndal & Sautory (1993),
JASA 88, 1013-1020; Kalton & Flores-Cervantes (2003), J. Off. Stat. 19, 81-97;
Kish (1965), Survey Sampling (effective sample size).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._calibrate import CalibrationError, calibration_g, collapse_rows, ipf_cells, trim_weights
from ._calibrate_margins import Margin, MarginError, parse_margins
from ._calibrate_steps import (
    GregStep,
    PostStratStep,
    RakingStep,
    TrimStep,
    WeightingStep,
)

if TYPE_CHECKING:  # pragma: no cover
    from typing import Self

__all__ = ["CalibrationError", "MarginError", "WeightingDiagnostics", "WeightingMixin"]


@dataclass(frozen=True)
class WeightingDiagnostics:
    """Result of :meth:`SurveyDesign.weighting_diagnostics`.

    ``summary``: one row — n, n_positive, total, min, median, max, max/min, the ratio of the
    weights to the input (base) weights (min, median, max), Kish's effective sample size
    ``(Σw)² / Σw²`` and weighting design effect ``n Σw² / (Σw)²``.
    ``margins``: one row per margin level of every weighting step — step, margin, level,
    target, reached, diff (reached - target), rel_diff.
    """

    summary: pd.DataFrame
    margins: pd.DataFrame

    def __repr__(self) -> str:
        s = self.summary.T.rename(columns={0: "value"})
        return (
            "Weighting diagnostics\n"
            f"{s.to_string(float_format=lambda v: f'{v:.6g}')}\n\n"
            f"{self.margins.to_string(index=False, float_format=lambda v: f'{v:.6g}')}"
        )


def _bounds(bounds: tuple[float, float] | None) -> tuple[float, float]:
    if bounds is None:
        return (-np.inf, np.inf)
    if not isinstance(bounds, tuple | list) or len(bounds) != 2:
        raise CalibrationError(
            f"bounds={bounds!r} must be a pair (lower, upper) on the ratio g = new weight / "
            "input weight, e.g. (0.5, 2.0)."
        )
    lo = -np.inf if bounds[0] is None else float(bounds[0])
    hi = np.inf if bounds[1] is None else float(bounds[1])
    return (lo, hi)


class WeightingMixin:
    """Weighting methods of :class:`SurveyDesign` (poststratify, rake, calibrate, trim)."""

    # ---- helpers on the design's internals (fields set by SurveyDesign) --------------------
    def _active_weights(self) -> np.ndarray:
        """Weights inside the domain, zero outside."""
        w = np.asarray(self._w, dtype=float)
        dom = getattr(self, "_domain", None)
        return w if dom is None else np.where(dom, w, 0.0)

    def _codes_of(self, argument: str):
        """Cached integer codes of a column (the design's ``_categorical``), if available."""
        cat = getattr(self, "_categorical", None)
        return None if cat is None else (lambda var: cat(var, argument))

    def _with_weights(self, new_active: np.ndarray, step: WeightingStep, adjust=None) -> Self:
        """New design: domain rows take ``new_active``, other rows keep their weights.

        ``adjust(w) -> w'`` redoes the weighting from input weights ``w`` (zero outside the
        domain); replicate designs apply it to every replicate column.  ``adjust=None``
        (trimming) scales each replicate weight by the row's ratio new / input weight.
        """
        dom = getattr(self, "_domain", None)
        new_w = new_active if dom is None else np.where(dom, new_active, self._w)
        _check_nonnegative(new_w, step.kind, self._df.index)
        changes: dict[str, Any] = {"weights": new_w, "calibrations": (*self._calibrations, step)}
        if hasattr(self, "n_replicates"):
            rw = np.asarray(self.repweights, dtype=float)
            new_rw = rw.copy()
            if adjust is None:
                w_in = self._active_weights()
                ratio = np.where(w_in > 0, new_w / np.where(w_in > 0, w_in, 1.0), 1.0)
                adjust_cols = rw * ratio[:, None]
                new_rw = adjust_cols if dom is None else np.where(dom[:, None], adjust_cols, rw)
            for r in range(rw.shape[1] if adjust is not None else 0):
                active = rw[:, r] if dom is None else np.where(dom, rw[:, r], 0.0)
                try:
                    adj = adjust(active)
                except CalibrationError as e:
                    raise type(e)(f"replicate {r + 1} of {rw.shape[1]}: {e}") from None
                new_rw[:, r] = adj if dom is None else np.where(dom, adj, rw[:, r])
            # replicate weights may turn negative under linear calibration: they only carry
            # the variance (R keeps them too); the analysis weights above must stay >= 0
            changes["repweights"] = new_rw
        return self._replace(**changes)

    # ---- public methods ------------------------------------------------------------------------
    def poststratify(self, var: str | tuple[str, ...], population: Any) -> Self:
        """Post-stratify to known population counts (or shares) of ``var``'s levels.

        ``var`` may be a tuple of variables for cells (e.g. ``("sex", "age")``); ``population``
        is a dict ``{level: count}`` (tuple keys for cells), a Series or a DataFrame. Each
        post-stratum's weights are multiplied by ``N_h / Σ_{i∈h} w_i``.

        Mirrors: survey::postStratify (variance: post-stratum means of the influence values
        removed, as ``svyrecvar``).
        """
        w0 = self._active_weights()
        (m,) = parse_margins(self._df, {var: population}, w0, argument="population",
                             codes_of=self._codes_of("population"))

        def adjust(w: np.ndarray) -> np.ndarray:
            reached = m.reached(w)
            factor = np.where(reached > 0, m.targets / np.where(reached > 0, reached, 1.0), 0.0)
            return w * factor[m.codes]

        w1 = adjust(w0)
        step = PostStratStep(
            kind="poststratify", input_weights=w0, weights=w1, margins=(m,), codes=m.codes,
            n_levels=len(m.levels), detail=m.name,
        )
        return self._with_weights(w1, step, adjust)

    def rake(
        self,
        margins: Mapping[str | tuple[str, ...], Any],
        *,
        epsilon: float = 1e-10,
        maxit: int = 10000,
        control: Mapping[str, float] | None = None,
    ) -> Self:
        """Rake (iterative proportional fitting) to several margins.

        ``control``: R's ``rake(control = list(epsilon =, maxit =))`` stopping rule instead of
        full convergence: stop after the first pass that changes no cell total of the joint
        table by ``epsilon`` or more (``epsilon < 1``: times the sum of the weights); at most
        ``maxit`` passes, then a :class:`CalibrationWarning`.  ``control={}`` is R's default
        (``epsilon=1, maxit=10``) and reproduces R's weights at its default stopping point;
        ``control=None`` (default here) rakes to convergence (``epsilon``/``maxit`` above).

        ``margins`` maps a variable (or a tuple of variables, for cells such as sex × age) to
        its population counts or shares. Iterates until every margin level is within
        ``epsilon * (1 + target)`` of its target (R's ``rake`` default is far looser; R was
        run to convergence for the reference values). Rows are collapsed to the cells of the
        margins' variables first, so a pass costs O(cells), not O(rows).

        Raises :class:`MarginError` (unknown level, level without respondent, margin totals
        that disagree) or :class:`CalibrationError` (no convergence: margins that cannot be
        met together), naming the margin and the gap.

        Mirrors: survey::rake (variance: 10 IPF passes on the influence values, as
        ``svyrecvar`` does for "raking").
        """
        w0 = self._active_weights()
        ms = parse_margins(self._df, margins, w0, argument="margins",
                           codes_of=self._codes_of("margins"))
        cell, cell_codes = collapse_rows([m.codes for m in ms], [len(m.levels) for m in ms])
        r_control = None
        if control is not None:
            unknown = set(control) - {"epsilon", "maxit"}
            if unknown:
                raise CalibrationError(
                    f"rake(control=): unknown setting(s) {sorted(unknown)}; R's are epsilon and maxit.")
            r_control = (float(control.get("epsilon", 1.0)), int(control.get("maxit", 10)))

        def ipf(w: np.ndarray) -> tuple[np.ndarray, int]:
            cell_w = np.bincount(cell, weights=w, minlength=cell_codes.shape[0])
            factor, passes = ipf_cells(
                cell_w,
                [cell_codes[:, k] for k in range(len(ms))],
                [m.targets for m in ms],
                epsilon=epsilon,
                maxit=maxit,
                names=[m.name for m in ms],
                r_control=r_control,
            )
            return w * factor[cell], passes

        w1, passes = ipf(w0)
        step = RakingStep(
            kind="rake", input_weights=w0, weights=w1, margins=tuple(ms), cell=cell,
            cell_codes=cell_codes,
            detail=f"{passes} passes over {cell_codes.shape[0]} cells",
        )
        return self._with_weights(w1, step, lambda w: ipf(w)[0])

    def calibrate(
        self,
        categorical: Mapping[str | tuple[str, ...], Any] | None = None,
        numeric: Mapping[str, float] | None = None,
        *,
        method: str = "linear",
        bounds: tuple[float, float] | None = None,
        total: float | None = None,
        epsilon: float = 1e-10,
        maxit: int = 50,
        trim: tuple[float, float] | None = None,
        aggregate_stage: int | None = None,
    ) -> Self:
        """Calibrate to categorical margins and numeric totals (generalised raking).

        ``trim=(lo, hi)``: R's ``calibrate(trim=)``: the ratios g outside ``[lo, hi]`` are
        set to the bound and the trimmed weight is spread over the other rows in proportion to
        their input weight (the margins then hold only approximately).
        ``aggregate_stage=k``: R's ``aggregate.stage = k``: the model matrix and the weights are
        averaged within the stage-k clusters first (1: PSUs; 2: the second-stage units, nested
        in their PSU as R's ``design$cluster``), so every row of a cluster gets the same g
        (cluster-level weights, e.g. households); the variance uses the averaged regression,
        as R.

        The model matrix is an intercept, the indicators of the categorical margins' levels
        (first level dropped) and the ``numeric`` columns; the population vector holds the
        margins' total, level counts and the numeric totals. ``method`` is the distance:
        "linear" (GREG; one step when unbounded), "raking" (multiplicative) or "logit"
        (bounded, needs ``bounds``). ``bounds=(L, U)`` bound the ratio g = new / input weight.
        Without categorical margin the intercept total is ``total`` (default: the current
        weighted total, which is then kept).

        Raises :class:`CalibrationError` when the problem is infeasible or does not converge
        (naming the margins not reached and by how much) or when linear calibration makes
        negative weights.

        Mirrors: survey::calibrate (calfun "linear" / "raking" / "logit", bounds, epsilon,
        maxit) with survey::grake's Newton iterations; variance by the residuals of the
        calibration regression (``greg_calibration`` in ``svyrecvar``).
        """
        w0 = self._active_weights()
        categorical = dict(categorical or {})
        numeric = dict(numeric or {})
        if not categorical and not numeric:
            raise CalibrationError(
                "calibrate() needs categorical= margins and/or numeric= totals, e.g. "
                "calibrate(categorical={'sex': {'F': 5100, 'M': 4900}}, numeric={'age': 2.1e5})."
            )
        ms = (parse_margins(self._df, categorical, w0, argument="categorical",
                            codes_of=self._codes_of("categorical")) if categorical else [])
        cols = [np.ones(len(w0))]
        names = ["(total)"]
        if ms:
            pop_total = ms[0].total
        elif total is not None:
            pop_total = float(total)
        else:
            pop_total = float(w0.sum())
        pop = [pop_total]
        for m in ms:
            for j in range(1, len(m.levels)):
                cols.append((m.codes == j).astype(float))
                names.append(f"{m.name} = {' × '.join(m.levels[j])}")
                pop.append(m.targets[j])
        num_specs = []
        for var, target in numeric.items():
            if var not in self._df.columns:
                avail = ", ".join(map(str, list(self._df.columns)[:30]))
                raise MarginError(
                    f"numeric: variable {var!r} is not a column of the data. Available: {avail}."
                )
            x = pd.to_numeric(self._df[var], errors="coerce").to_numpy(dtype=float)
            bad = ~np.isfinite(x) & (w0 > 0)
            if bad.any():
                rows = list(self._df.index[bad][:5])
                raise MarginError(
                    f"numeric: column {var!r} has {int(bad.sum())} missing or non-numeric "
                    f"value(s) (first rows: {rows}); impute them before calibrating."
                )
            try:
                t = float(target)
            except (TypeError, ValueError):
                raise MarginError(
                    f"numeric: the total of {var!r} must be a number, got {target!r}."
                ) from None
            x = np.where(np.isfinite(x), x, 0.0)
            cols.append(x)
            names.append(f"{var} (total)")
            pop.append(t)
            num_specs.append((var, x, t))
        mm = np.column_stack(cols)
        lo_hi = _bounds(bounds)
        pop_vec = np.asarray(pop, dtype=float)
        agg = None
        if aggregate_stage is not None:
            stages = getattr(self, "_cluster_ids", ())
            if not stages or isinstance(aggregate_stage, bool) or aggregate_stage not in range(
                    1, len(stages) + 1):
                raise CalibrationError(
                    f"aggregate_stage={aggregate_stage!r}: the design has "
                    + (f"{len(stages)} sampling stage(s) (psu=...): give 1 to {len(stages)}."
                       if stages else "no cluster stages (a replicate design): not supported."))
            agg = np.unique(stages[aggregate_stage - 1], return_inverse=True)[1]
            counts = np.bincount(agg).astype(float)

            def ave(v: np.ndarray) -> np.ndarray:  # R's ave(v, cluster)
                return (np.bincount(agg, weights=v) / counts)[agg]

            mm = np.column_stack([ave(mm[:, j]) for j in range(mm.shape[1])])
        if trim is not None and (len(trim) != 2 or not float(trim[0]) <= float(trim[1])):
            raise CalibrationError(f"trim={trim!r} must be a pair (lower, upper) of g-ratios.")

        def solve(w: np.ndarray) -> tuple[np.ndarray, int, np.ndarray]:
            ww = ave(w) if agg is not None else w
            res = calibration_g(mm, ww, pop_vec, method=method, bounds=lo_hi,
                                epsilon=epsilon, maxit=maxit, names=names)
            g = res.g
            if trim is not None:  # R: calibrate(trim = c(lo, hi))
                lo_t, hi_t = float(trim[0]), float(trim[1])
                gnew = np.clip(g, lo_t, hi_t)
                outside = (g < lo_t) | (g > hi_t)
                if outside.any():
                    gnew[~outside] += np.sum((g - gnew) * ww) / np.sum(ww[~outside])
                    g = gnew
            return g, res.iterations, ww

        g, iterations, ww = solve(w0)
        w1 = w0 * g
        step = GregStep(
            kind="calibrate", input_weights=w0, weights=w1, margins=tuple(ms),
            numeric=tuple(num_specs), model_matrix=mm, g=g,
            qr_weights=ww if agg is not None else None,
            detail=f"{method}, bounds={lo_hi}, {iterations} Newton step(s)"
                   + (f", trim={tuple(trim)}" if trim is not None else "")
                   + (f", aggregate_stage={aggregate_stage}" if agg is not None else ""),
        )
        return self._with_weights(w1, step, lambda w: w * solve(w)[0])

    def trim(
        self, lower: float | None = None, upper: float | None = None, *, strict: bool = False
    ) -> Self:
        """Trim weights to ``[lower, upper]``, sharing the trimmed amount among the others.

        The total is kept. With ``strict=True`` the redistribution is repeated until no weight
        is outside the bounds (R's ``strict=TRUE``). Margins reached by an earlier calibration
        may move: check ``weighting_diagnostics()``.

        On a replicate design each replicate weight is scaled by its row's trimming ratio
        (new / input weight): the same absolute bounds cannot apply to bootstrap or jackknife
        replicate weights (R's ``trimWeights.svyrep.design`` tries and mis-recycles).

        Mirrors: survey::trimWeights (no change to the variance formula).
        """
        if lower is None and upper is None:
            raise CalibrationError("trim() needs lower= and/or upper= bounds on the weights.")
        w0 = self._active_weights()
        lo = -np.inf if lower is None else float(lower)
        hi = np.inf if upper is None else float(upper)
        w1, passes = trim_weights(w0, lo, hi, strict=strict)
        step = TrimStep(kind="trim", input_weights=w0, weights=w1,
                        detail=f"[{lo:g}, {hi:g}], {passes} pass(es)")
        return self._with_weights(w1, step)

    def weighting_diagnostics(self) -> WeightingDiagnostics:
        """Weights summary and each margin reached vs target (see :class:`WeightingDiagnostics`).

        The ratio is to the weights before the first weighting step (base weights).
        """
        w = self._active_weights()
        steps = [s for s in self._calibrations if isinstance(s, WeightingStep)]
        base = steps[0].input_weights if steps else w
        pos = w > 0
        ratio = np.where(base > 0, w / np.where(base > 0, base, 1.0), np.nan)[pos]
        wp = w[pos]
        n_pos = int(pos.sum())
        sw, sw2 = float(wp.sum()), float((wp**2).sum())
        summary = pd.DataFrame(
            {
                "n": [len(w)],
                "n_positive": [n_pos],
                "total": [sw],
                "min": [wp.min() if n_pos else np.nan],
                "median": [np.median(wp) if n_pos else np.nan],
                "max": [wp.max() if n_pos else np.nan],
                "max_min_ratio": [wp.max() / wp.min() if n_pos and wp.min() > 0 else np.nan],
                "ratio_min": [np.nanmin(ratio) if n_pos else np.nan],
                "ratio_median": [np.nanmedian(ratio) if n_pos else np.nan],
                "ratio_max": [np.nanmax(ratio) if n_pos else np.nan],
                "n_eff": [sw**2 / sw2 if sw2 > 0 else np.nan],
                "deff_w": [n_pos * sw2 / sw**2 if sw > 0 else np.nan],
            }
        )
        rows = []
        for k, s in enumerate(steps, start=1):
            for m in s.margins:
                rows.extend(_margin_rows(k, s.kind, m, w))
            for var, x, t in s.numeric:
                got = float(x @ w)
                rows.append((k, s.kind, var, "(total)", t, got))
            if s.kind == "calibrate" and not s.margins:
                rows.append((k, s.kind, "(total)", "(total)", float(s.weights.sum()),
                             float(w.sum())))
        margins = pd.DataFrame(rows, columns=["step", "kind", "margin", "level", "target",
                                              "reached"])
        margins["diff"] = margins["reached"] - margins["target"]
        with np.errstate(divide="ignore", invalid="ignore"):
            margins["rel_diff"] = margins["diff"] / margins["target"]
        return WeightingDiagnostics(summary=summary, margins=margins)


def _check_nonnegative(w: np.ndarray, kind: str, index: pd.Index) -> None:
    neg = w < 0
    if neg.any():
        rows = list(index[np.flatnonzero(neg.any(axis=1) if neg.ndim == 2 else neg)[:5]])
        raise CalibrationError(
            f"{kind}: the adjusted weights of {int(neg.sum())} row(s) are negative "
            f"(first rows: {rows}; smallest {w.min():.6g}). Use bounds=(lower, upper) "
            "or method='raking' / 'logit' to keep the weights positive."
        )


def _margin_rows(k: int, kind: str, m: Margin, w: np.ndarray) -> list[tuple]:
    got = m.reached(w)
    return [
        (k, kind, m.name, lab, float(t), float(g))
        for lab, t, g in zip(m.level_labels(), m.targets, got, strict=True)
    ]
