"""Fast crosstabs of categorical variables by groups on a linearised design, and banner cells.

One weighted bincount over the code ``(PSU, group, level)`` gives, for a whole table, the
estimates, the PSU totals of the influence values of every cell, the weighted and unweighted
counts and the design degrees of freedom; the variance is then computed on PSU totals only
(vectorised over strata).  Used by :meth:`SurveyDesign.proportion` / ``total`` when the design
has one variance stage and no calibration, and by :meth:`SurveyDesign.banner_cells` (which
falls back on :func:`general_table_var` for calibrated or multistage designs).

Mirrors: survey::svyby(~q, ~b, design, svymean, na.rm=TRUE) (cells) and a design-based t test
of each group against its complement (``svycontrast`` of two domain means, df = degf(design)).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from ._ci import proportion_ci
from ._variance import domain_lonely_applies, psu_totals_vcov
from .errors import EmptyDomainError

if TYPE_CHECKING:  # pragma: no cover
    from ._design import SurveyDesign

__all__ = ["TABLE_ENTRIES", "banner_cells", "general_table_var", "mean_vs_rest", "table_stats"]


def _psu_by(design: SurveyDesign, by_cols: list) -> tuple[np.ndarray, dict, int]:
    """Cached ``psu * (G + 1) + group`` codes (group G = missing breakdown)."""
    key = ("psu_by", tuple(by_cols))
    hit = design._cache.get(key)
    if hit is None:
        st = design._stages[0]
        if by_cols:
            gall, table, n_groups = design._by_codes(by_cols)
            g_t = np.where(gall >= 0, gall, n_groups)
        else:
            table, n_groups = {}, 1
            g_t = np.zeros(len(design._df), dtype=np.int64)
        hit = (st.psu * (n_groups + 1) + g_t, table, n_groups)
        design._cache[key] = hit
    return hit


def _levels_t(design: SurveyDesign, var: str) -> tuple[np.ndarray, list]:
    """Cached level codes with missing values coded as an extra trailing level."""
    key = ("cat_t", var)
    hit = design._cache.get(key)
    if hit is None:
        codes, levels = design._categorical(var)
        hit = (np.where(codes >= 0, codes, len(levels)), levels)
        design._cache[key] = hit
    return hit


def _cached(design: SurveyDesign, key: tuple, make):
    hit = design._cache.get(key)
    if hit is None:
        hit = make()
        design._cache[key] = hit
    return hit


#: Most (PSU, group, level) accumulator entries :func:`table_stats` holds at once when the
#: PSU totals are not needed (float64: 400 MB); above it the groups are taken in blocks.
TABLE_ENTRIES = 50_000_000


def table_stats(design: SurveyDesign, var: str, by_cols: list, total: bool = False,
                variance: bool = True, keep_totals: bool = True,
                max_entries: int | None = None) -> dict:
    """Estimates and variances of every (group, level) cell of ``var`` by ``by_cols``.

    Returns arrays over the observed groups: ``theta`` (G, L), ``var`` (G, L), ``den`` (G,)
    weighted counts, ``n`` (G,), ``degf`` (G,), plus ``ta``/``tb`` stage-1 PSU sums for
    contrasts and ``observed`` (the groups of ``_by_codes`` kept).  ``variance=False`` skips
    the one-stage variance (calibrated or multistage designs: see :func:`general_table_var`).

    ``keep_totals=False`` (estimates and diagonal variances only, no ``ta``/``tb``/``totals``):
    when PSUs x groups x levels exceeds ``max_entries`` (default :data:`TABLE_ENTRIES`) — many PSUs (an element sample of a
    national extract) and many groups — the groups are processed in blocks
    (:func:`_table_stats_blocks`); each cell's variance depends on its own column of PSU totals
    only, so the result is the same, in bounded memory.
    """
    st = design._stages[0]
    pb, table, n_groups = _psu_by(design, by_cols)
    q_t, levels = _levels_t(design, var)
    n_lev = len(levels)
    g1, l1 = n_groups + 1, n_lev + 1
    size = st.n_units * g1 * l1
    limit = TABLE_ENTRIES if max_entries is None else max_entries
    if not keep_totals and variance and size > limit:
        return _table_stats_blocks(design, var, by_cols, total, limit)
    if design._domain is None:
        # rows counted once per breakdown; only the (few) rows missing the answer are removed
        pbl = _cached(design, ("pbl", tuple(by_cols), l1), lambda: pb * l1)
        wsum = np.bincount(pbl + q_t, weights=design._w, minlength=size).reshape(st.n_units, g1, l1)
        def count_pg():
            return np.bincount(pb, weights=None if design._positive else (design._w != 0),
                               minlength=st.n_units * g1).reshape(st.n_units, g1)

        # the cache is shared by copies with other weights: only weight-free counts are cached
        cnt_all = _cached(design, ("cnt_pg", tuple(by_cols)), count_pg) if design._positive else count_pg()
        miss = _cached(design, ("miss", var), lambda: np.flatnonzero(q_t == n_lev))
        cnt_miss = np.bincount(pb[miss], weights=None if design._positive else (design._w[miss] != 0),
                               minlength=st.n_units * g1).reshape(st.n_units, g1)
        c_pg = (cnt_all - cnt_miss)[:, :n_groups]
    else:
        idx = np.where(design._domain, pb * l1 + q_t, (st.psu * g1 + n_groups) * l1)
        wsum = np.bincount(idx, weights=design._w, minlength=size).reshape(st.n_units, g1, l1)
        cnt = np.bincount(idx, weights=None if design._positive else (design._w != 0),
                          minlength=size).reshape(st.n_units, g1, l1)
        c_pg = cnt[:, :n_groups, :n_lev].sum(axis=2)  # (P, G) rows with a valid answer
    ta = wsum[:, :n_groups, :n_lev]
    observed = c_pg.sum(axis=0) > 0
    if not observed.any():
        _no_observation(design, var, by_cols)
    if not observed.all():
        ta, c_pg = ta[:, observed], c_pg[:, observed]
        table = {k: v[observed] for k, v in table.items()}
    cells = _cells_from_sums(design, ta, c_pg, total, variance)
    return {**cells, "levels": levels, "groups": table, "observed": observed}


def _no_observation(design: SurveyDesign, var: str, by_cols: list) -> None:
    raise EmptyDomainError(
        f"No observation of {var!r}"
        + (f" with a non-missing {', '.join(map(repr, by_cols))}" if by_cols else "")
        + f" in {design._domain_text()}."
    )


def _cells_from_sums(design: SurveyDesign, ta: np.ndarray, c_pg: np.ndarray, total: bool,
                     variance: bool) -> dict:
    """Estimates (and diagonal linearised variances) of the cells of observed groups from their
    PSU sums: ``ta`` (P, G, L) weighted sums by level, ``c_pg`` (P, G) rows with a valid answer.

    Ratio cells: ``theta = sum_p ta / sum_p tb`` with PSU influence totals
    ``(ta - theta tb) / den``, whose variance is :func:`psu_totals_vcov` (svyby + svymean)."""
    st = design._stages[0]
    n_lev = ta.shape[2]
    tb = ta.sum(axis=2)
    num = ta.sum(axis=0)
    # the group's total as the sum of its level totals: a group whose answers all fall in one
    # level gets exactly 1 (0 elsewhere), whatever order the PSU sums were taken in
    den = num.sum(axis=1)
    present = c_pg > 0
    strat_present = np.add.reduceat(present, st.stratum_starts, axis=0) > 0
    degf = (present.sum(axis=0) - strat_present.sum(axis=0)).astype(float)
    if total:
        theta, totals = num, ta
    else:
        theta = num / den[:, None]
        totals = (ta - theta[None] * tb[:, :, None]) / den[None, :, None]
    out = {"theta": theta, "den": den, "n": c_pg.sum(axis=0), "degf": degf, "ta": ta, "tb": tb,
           "num": num}
    if not variance:
        return out
    pres = np.repeat(strat_present, n_lev, axis=1) if design.lonely_psu == "average" else None
    # R's survey.adjust.domain.lonely: each group is a domain (svyby's design[group, ])
    dpsu = np.repeat(present, n_lev, axis=1) if domain_lonely_applies(design) else None
    var_ = psu_totals_vcov(totals.reshape(st.n_units, theta.size), st, design.lonely_psu, pres,
                           diag_only=True, domain_psus=dpsu)
    return {**out, "var": var_.reshape(theta.shape), "totals": totals}


def _group_order(design: SurveyDesign, by_cols: list) -> tuple[np.ndarray, ...]:
    """Cached per design and breakdown: the PSU index and group code of each row, and the rows
    sorted by group (stable) with the bounds of each group in that order."""
    def make():
        pb, _, n_groups = _psu_by(design, by_cols)
        psu, grp = np.divmod(pb, n_groups + 1)
        order = np.argsort(grp, kind="stable")
        return psu, grp, order, np.searchsorted(grp[order], np.arange(n_groups + 1))

    return _cached(design, ("group_order", tuple(by_cols)), make)


def _table_stats_blocks(design: SurveyDesign, var: str, by_cols: list, total: bool,
                        max_entries: int) -> dict:
    """:func:`table_stats` (estimates and diagonal variances) computed a block of groups at a
    time, each block's accumulators PSUs x block x levels under ``max_entries``; each block
    bins only its own rows (rows sorted by group once per design and breakdown). The formulas
    are :func:`_cells_from_sums`, as the one-pass path; sums may be taken in another order."""
    st = design._stages[0]
    _, table, n_groups = _psu_by(design, by_cols)
    q_t, levels = _levels_t(design, var)
    n_lev = len(levels)
    l1 = n_lev + 1
    psu, grp, order, bounds = _group_order(design, by_cols)
    keep = q_t < n_lev   # a valid answer
    if design._domain is not None:
        keep = keep & design._domain
    w = design._w
    per = max(1, max_entries // max(1, st.n_units * l1))
    parts: list[dict] = []
    seen: list[np.ndarray] = []
    for a in range(0, n_groups, per):
        b = min(a + per, n_groups)
        r = order[bounds[a]:bounds[b]]
        r = r[keep[r]]
        nb = b - a
        key = psu[r] * nb + (grp[r] - a)
        ta = np.bincount(key * l1 + q_t[r], weights=w[r],
                         minlength=st.n_units * nb * l1).reshape(st.n_units, nb, l1)[:, :, :n_lev]
        c_pg = np.bincount(key, weights=None if design._positive else (w[r] != 0),
                           minlength=st.n_units * nb).reshape(st.n_units, nb)
        obs = c_pg.sum(axis=0) > 0
        seen.append(obs)
        if obs.any():
            parts.append(_cells_from_sums(design, ta[:, obs], c_pg[:, obs], total, variance=True))
    observed = np.concatenate(seen)
    if not observed.any():
        _no_observation(design, var, by_cols)
    if not observed.all():
        table = {k: v[observed] for k, v in table.items()}
    cat = {k: np.concatenate([part[k] for part in parts])
           for k in ("theta", "var", "den", "n", "degf", "num")}
    return {**cat, "levels": levels, "groups": table, "observed": observed,
            "ta": None, "tb": None, "totals": None}


# memory bound of the dense influence blocks of the general path (float64 entries)
_CHUNK_ENTRIES = 4_000_000


def general_table_var(design: SurveyDesign, var: str, by: str, r: dict,
                      chunk_entries: int = _CHUNK_ENTRIES,
                      dense: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Variances of the cells (G, L) and of the group-vs-rest differences (G*L,) of a table
    from :func:`table_stats` (``variance=False``) on any linearised design: calibrated
    (residualised influence values, R's ``postStrata``), multistage, domains.

    The influence values are linear in a basis of G*L columns (``w [group g, level l]`` over the
    valid rows of the domain; ``w [group g]`` is their sum over l); only that basis is residualised through
    the calibrations, in blocks of at most ``chunk_entries`` values (each calibration's
    ``residualize`` returns a dense block), and summed to PSU totals at every stage.  Cells and
    differences are then combinations of the PSU totals, as in the one-stage path.

    Mirrors: survey::svyrecvar applied to the influence values of ``svyby(~q, ~b, svymean)``
    and of the two-domain contrast.

    With a single weighting step (the usual case) the basis is never made dense: the step's
    ``residual_psu_totals`` gives the PSU totals of the residuals from the sparse basis
    (``dense=True`` forces the block path, for checks).
    """
    theta, den = r["theta"], r["den"]
    n_groups, n_lev = theta.shape
    gall, _table, _n_all = design._by_codes([by])
    codes, _levels = design._categorical(var)
    observed = r["observed"]
    remap = np.cumsum(observed) - 1
    valid = design._active() & (codes >= 0) & (gall >= 0)
    valid &= observed[np.maximum(gall, 0)]
    go = np.where(valid, remap[np.maximum(gall, 0)], -1)
    rows = np.flatnonzero(valid)
    w_rows = design._w[rows]
    col_cell = go[rows] * n_lev + codes[rows]  # basis column of w [g, l]
    n_basis = n_groups * n_lev
    stage_totals = _basis_stage_totals(design, rows, col_cell, w_rows, n_basis, chunk_entries, dense)
    v_cell = np.zeros(n_groups * n_lev)
    v_diff = np.zeros(n_groups * n_lev)
    den_c = den.sum() - den
    num_c = r["num"].sum(axis=0, keepdims=True) - r["num"]
    with np.errstate(invalid="ignore", divide="ignore"):
        theta_c = num_c / den_c[:, None]
    for k, st in enumerate(design._stages):
        t = stage_totals[k]
        tz = t.reshape(st.n_units, n_groups, n_lev)
        tw = tz.sum(axis=2)
        cell = (tz - theta[None] * tw[:, :, None]) / den[None, :, None]
        ta_c_all = tz.sum(axis=1, keepdims=True) - tz
        tw_c = tw.sum(axis=1, keepdims=True) - tw
        with np.errstate(invalid="ignore", divide="ignore"):
            comp = (ta_c_all - theta_c[None] * tw_c[:, :, None]) / den_c[None, :, None]
        diff = (cell - comp).reshape(st.n_units, -1)
        if n_groups == 1:
            diff = np.zeros_like(diff)
        pres = None
        if design.lonely_psu == "average":
            hs = st.strata[rows]
            pg = np.bincount(hs * n_groups + go[rows], minlength=st.n_strata * n_groups)
            pres = np.repeat(pg.reshape(st.n_strata, n_groups) > 0, n_lev, axis=1)
        dpsu = None
        if domain_lonely_applies(design):  # units of each group at this stage (R's svyby domain)
            up = np.bincount(st.psu[rows] * n_groups + go[rows], minlength=st.n_units * n_groups)
            dpsu = np.repeat(up.reshape(st.n_units, n_groups) > 0, n_lev, axis=1)
        v_cell += psu_totals_vcov(cell.reshape(st.n_units, -1), st, design.lonely_psu, pres,
                                  diag_only=True, domain_psus=dpsu)
        v_diff += psu_totals_vcov(diff, st, design.lonely_psu, None, diag_only=True)
    return v_cell.reshape(n_groups, n_lev), v_diff



def _basis_stage_totals(design: SurveyDesign, rows: np.ndarray, col: np.ndarray, vals: np.ndarray,
                        n_basis: int, chunk_entries: int = _CHUNK_ENTRIES,
                        dense: bool = False) -> list[np.ndarray]:
    """PSU totals (one (P, n_basis) array per stage) of the residuals, through the design's
    calibrations, of the sparse basis ``x[rows[i], col[i]] += vals[i]`` (a row may appear in
    several columns).  No calibration: the basis itself; one step: the step's sparse
    ``residual_psu_totals``; else dense blocks of at most ``chunk_entries`` values."""
    n = len(design._df)
    cals = design._calibrations
    if not cals and not dense:  # multistage, uncalibrated: PSU totals of the basis itself
        return [np.bincount(st.psu[rows] * n_basis + col, weights=vals,
                            minlength=st.n_units * n_basis).reshape(st.n_units, n_basis)
                for st in design._stages]
    if len(cals) == 1 and not dense:
        # one weighting step: PSU totals of the residuals straight from the sparse basis
        return [cals[0].residual_psu_totals(rows, col, vals, n_basis, st) for st in design._stages]
    step = max(1, min(n_basis, chunk_entries // max(n, 1)))
    stage_totals = [np.empty((st.n_units, n_basis)) for st in design._stages]
    for start in range(0, n_basis, step):
        stop = min(start + step, n_basis)
        block = np.zeros((n, stop - start))
        sel = (col >= start) & (col < stop)
        np.add.at(block, (rows[sel], col[sel] - start), vals[sel])
        for cal in cals:
            block = np.asarray(cal.residualize(block), dtype=float)
        for k, st in enumerate(design._stages):
            stage_totals[k][:, start:stop] = st.psu_totals(block)
    return stage_totals


def mean_vs_rest(design: SurveyDesign, var: str, by: str, df_rule: str = "svyttest") -> pd.DataFrame:
    """Each group's mean of ``var`` minus the mean of the rest of the population (the other
    groups of ``by``), with its linearised SE and a design-based t test, on any linearised
    design (calibrated, multistage, domains).

    Influence values of a domain mean: ``(w y [g] - ȳ_g w [g]) / W_g``; the basis
    ``w y [group]``, ``w [group]`` (2G columns over the valid rows) is residualised through the
    calibrations and summed to PSU totals at every stage, as in :func:`general_table_var`;
    the variance of (group - rest) comes from the PSU totals of the difference of the two
    domains' influence values.  df: PSUs minus strata among the rows with a valid ``var`` and
    ``by`` (as :meth:`banner_cells`).  A 0/1 ``var`` gives the numbers of ``banner_cells``.

    Mirrors: survey::svyby(~var, ~by, design, svymean, covmat=TRUE) then svycontrast(group -
    rest), rest = svymean(~var, subset(design, by != group)).

    Columns: ``by`` (the groups, as in ``mean(var, by=by)``), ``estimate`` (group mean),
    ``diff, se_diff, t, df, p_value``.  ``df_rule="svyttest"`` (default): ``degf - 1`` as R's
    ``svyttest(var ~ I(by == group))`` (svyglm's residual df); ``"degf"``: ``degf`` (the df of
    :meth:`banner_cells`).
    """
    if df_rule not in ("svyttest", "degf"):
        from .errors import ArgumentError

        raise ArgumentError(f"df_rule={df_rule!r} is not available: 'svyttest' (R) or 'degf'.")
    y = pd.to_numeric(design._df[var], errors="coerce").to_numpy(dtype=float)
    gall, table, n_groups = design._by_codes([by])
    valid = design._active() & np.isfinite(y) & (gall >= 0) & (design._w != 0)
    rows = np.flatnonzero(valid)
    g, w, yr = gall[rows], design._w[rows], y[rows]
    s1 = np.bincount(g, weights=w * yr, minlength=n_groups)
    s0 = np.bincount(g, weights=w, minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_g = s1 / s0
        mean_c = (s1.sum() - s1) / (s0.sum() - s0)
    basis = _basis_stage_totals(design, np.concatenate([rows, rows]),
                                np.concatenate([g, n_groups + g]),
                                np.concatenate([w * yr, w]), 2 * n_groups)
    v = np.zeros(n_groups)
    for k, st in enumerate(design._stages):
        t1, t0 = basis[k][:, :n_groups], basis[k][:, n_groups:]
        t1c = t1.sum(axis=1, keepdims=True) - t1
        t0c = t0.sum(axis=1, keepdims=True) - t0
        with np.errstate(invalid="ignore", divide="ignore"):
            infl = (t1 - mean_g * t0) / s0 - (t1c - mean_c * t0c) / (s0.sum() - s0)
        if n_groups == 1:
            infl = np.zeros_like(infl)
        v += psu_totals_vcov(np.nan_to_num(infl), st, design.lonely_psu, None, diag_only=True)
    st = design._stages[0]
    present = np.bincount(st.psu[rows], minlength=st.n_units) > 0
    n_strata = int((np.add.reduceat(present, st.stratum_starts) > 0).sum())
    degf = float(present.sum() - n_strata) - (1.0 if df_rule == "svyttest" else 0.0)
    diff = mean_g - mean_c
    se = np.sqrt(np.maximum(v, 0))
    with np.errstate(invalid="ignore", divide="ignore"):
        tstat = diff / se
        p = 2 * stats.t.sf(np.abs(tstat), max(degf, 1.0)) if degf > 0 else np.full(n_groups, np.nan)
    seen = s0 > 0
    return pd.DataFrame({by: table[by][seen], "estimate": mean_g[seen], "diff": diff[seen],
                         "se_diff": se[seen], "t": tstat[seen], "df": degf, "p_value": p[seen]})


def banner_cells(
    design: SurveyDesign,
    questions: Sequence[str],
    breakdowns: Sequence[str],
    conf_level: float = 0.95,
    ci_method: str = "logit",
) -> pd.DataFrame:
    """Every (question, breakdown, group, level) cell of a banner in one tidy DataFrame.

    One-stage uncalibrated designs take the single-bincount path (PSU totals straight from the
    weighted counts); calibrated, multistage designs and their subsets take
    :func:`general_table_var` (residualised influence basis, memory-bounded blocks).  Both
    give the numbers of ``proportion(q, by=b)``.

    Columns: ``question, level, breakdown, group, estimate, se, ci_low, ci_high, df, n, N,
    diff, se_diff, t, p_value``.  ``diff`` is the group's share minus the share in the rest of
    the population (the other groups of the breakdown), ``se_diff`` its linearised SE (with the
    covariance of the two domains: PSU totals of the difference of influence values), ``t`` and
    ``p_value`` a design-based t test with ``degf(design)`` degrees of freedom.
    """
    st = design._stages[0]
    fast = design._fast_totals_ok()
    out: dict[str, list] = {k: [] for k in (
        "question", "level", "breakdown", "group", "estimate", "se", "ci_low", "ci_high", "df",
        "n", "N", "diff", "se_diff", "t", "p_value")}
    pending_df: list[np.ndarray] = []
    for b in breakdowns:
        for q in questions:
            r = table_stats(design, q, [b], variance=fast)
            theta, ta, tb, den = r["theta"], r["ta"], r["tb"], r["den"]
            n_groups, n_lev = theta.shape
            if not fast:
                r["var"], v_diff = general_table_var(design, q, b, r)
            se = np.sqrt(np.maximum(r["var"], 0))
            dfs = np.repeat(r["degf"], n_lev)
            lo, hi = proportion_ci(ci_method, theta.ravel(), se.ravel(), dfs,
                                   np.repeat(r["n"], n_lev), conf_level)
            # complement (other groups) of each group: totals minus the group's
            ta_c = ta.sum(axis=1, keepdims=True) - ta
            tb_c = tb.sum(axis=1, keepdims=True) - tb
            den_c = den.sum() - den
            with np.errstate(invalid="ignore", divide="ignore"):
                theta_c = ta_c.sum(axis=0) / den_c[:, None]
                t_c = (ta_c - theta_c[None] * tb_c[:, :, None]) / den_c[None, :, None]
            if fast:
                diff_tot = (r["totals"] - t_c).reshape(st.n_units, -1)
                if n_groups == 1:
                    diff_tot = np.zeros_like(diff_tot)
                v_diff = psu_totals_vcov(diff_tot, st, design.lonely_psu, None, diag_only=True)
            diff = (theta - theta_c).ravel()
            se_diff = np.sqrt(np.maximum(v_diff, 0))
            with np.errstate(invalid="ignore", divide="ignore"):
                tstat = diff / se_diff
            pending_df.append(np.full(tstat.size, _table_degf(design, r)))
            k = n_groups * n_lev
            out["question"].append(np.full(k, q, dtype=object))
            out["level"].append(np.tile(np.asarray(r["levels"], dtype=object), n_groups))
            out["breakdown"].append(np.full(k, b, dtype=object))
            out["group"].append(np.repeat(r["groups"][b], n_lev))
            out["estimate"].append(theta.ravel())
            out["se"].append(se.ravel())
            out["ci_low"].append(lo)
            out["ci_high"].append(hi)
            out["df"].append(dfs)
            out["n"].append(np.repeat(r["n"], n_lev))
            out["N"].append(np.repeat(den, n_lev))
            out["diff"].append(diff)
            out["se_diff"].append(se_diff)
            out["t"].append(tstat)
    res = pd.DataFrame({k: np.concatenate(v) for k, v in out.items() if k != "p_value"})
    dfs = np.concatenate(pending_df)
    with np.errstate(invalid="ignore"):
        res["p_value"] = np.where(dfs > 0, 2 * stats.t.sf(np.abs(res["t"].to_numpy()), np.maximum(dfs, 1)), np.nan)
    return res


def _table_degf(design: SurveyDesign, r: dict) -> float:
    """degf of the table's population (rows with a valid answer and breakdown)."""
    st = design._stages[0]
    present = r["tb"] != 0
    any_p = present.any(axis=1)
    strata = np.add.reduceat(any_p, st.stratum_starts) > 0
    return float(any_p.sum() - strata.sum())
