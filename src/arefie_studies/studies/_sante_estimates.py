"""Étude santé jeunes: the estimators ``compute`` calls (shares, tests, comparisons, model).

Every interval comes from :class:`arefie_studies.survey.SurveyDesign`; the frames are tidy and
already decided for disclosure (``hidden``). Re-exported by
:mod:`arefie_studies.studies.sante_jeunes`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from arefie_studies.studies._common import StudyInputError
from arefie_studies.studies._sante_recodes import INDICATORS, MODEL_FORMULA, MODEL_TERMS, Indicator
from arefie_studies.survey import SurveyDesign
from arefie_studies.tables import presentation_rule, protect_table, protected_shares

__all__ = [
    "benchmark_comparison",
    "class_distribution",
    "distress_model",
    "group_tests",
    "indicator_estimates",
    "own_wave_references",
    "wave_comparison",
    "with_presentation",
]

ESTIMATE_COLUMNS = ["estimate", "se", "ci_low", "ci_high", "kg_low", "kg_high", "df"]


def with_presentation(est: pd.DataFrame) -> pd.DataFrame:
    """``est`` with the NCHS presentation decision of each proportion (``decision`` in show |
    flag | suppress, ``reason``), read on its Korn–Graubard interval (``kg_low``/``kg_high``),
    ``se``, base ``n`` and domain ``df``: :func:`arefie_studies.tables.presentation_rule`.
    A proportion without a finite estimate is ``suppress``."""
    out = est.copy()
    out["decision"] = "suppress"
    out["reason"] = "Non diffusé : pas d’estimation."
    ok = np.isfinite(pd.to_numeric(out["estimate"], errors="coerce").to_numpy(float))
    if ok.any():
        ruled = presentation_rule(out.loc[ok, ["estimate", "se", "kg_low", "kg_high", "n", "df"]],
                                  ci_low="kg_low", ci_high="kg_high")
        out.loc[ok, "decision"] = ruled["decision"].to_numpy()
        out.loc[ok, "reason"] = ruled["reason"].to_numpy()
    return out


def _counts(design: SurveyDesign, col: str, by: str | None) -> tuple[np.ndarray, np.ndarray, list]:
    """Unweighted counts of "Oui" and "Non" per group (rows with a positive weight)."""
    data = design.data
    active = np.asarray(design.weights) > 0
    y = data[col].cat.codes.to_numpy()
    if by is None:
        g = np.zeros(len(data), dtype=int)
        groups = ["Ensemble"]
    else:
        g = data[by].cat.codes.to_numpy()
        groups = list(data[by].cat.categories)
    ok = active & (y >= 0) & (g >= 0)
    k = len(groups)
    return (np.bincount(g[ok & (y == 1)], minlength=k), np.bincount(g[ok & (y == 0)], minlength=k),
            groups)


def _yes_rows(design: SurveyDesign, cols: list[str], by: str | None, method: str) -> pd.DataFrame:
    est = design.proportion(cols, by=by, ci_method=method)
    return est[est["level"].astype(str) == "Oui"].reset_index(drop=True)


def indicator_estimates(design: SurveyDesign, indicators: Sequence[Indicator], by: str | None = None,
                        *, threshold: int = 11) -> pd.DataFrame:
    """Weighted share of each indicator (level "Oui"), overall or by group, with the unweighted
    counts and the disclosure decision.

    Columns: indicator, label, theme, group, estimate, se, ci_low, ci_high (logit interval,
    R ``svyciprop(method="logit")``), kg_low, kg_high (Korn–Graubard interval, R
    ``svyciprop(method="beta")``), df (design degrees of freedom of the group's domain: PSUs
    minus strata there, R ``degf(subset(design, by == group))``), n (base), n_yes, hidden,
    decision and reason (NCHS presentation rule on the Korn–Graubard interval,
    :func:`with_presentation`).
    Groups with no respondent are left out; a group whose counts fall under ``threshold`` (or
    would reveal one by difference) is ``hidden``. An indicator with a level of ``by`` outside
    its universe (no respondent there: contraception, asked of young women, by sex) is not
    broken down by ``by`` (its only group is the whole universe, shown as « Ensemble »).
    Mirrors: survey::svyby(~I(x == "Oui"), ~by, design, svyciprop, method=...).
    """
    cols = [i.column for i in indicators]
    if by is not None:
        active = np.asarray(design.weights) > 0
        g = design.data[by].cat.codes.to_numpy()
        present = np.unique(g[active & (g >= 0)])
        cols = [c for c in cols
                if np.isin(present, np.unique(g[active & (g >= 0)
                                                  & (design.data[c].cat.codes.to_numpy() >= 0)])
                           ).all()]
    logit = _yes_rows(design, cols, by, "logit")
    beta = _yes_rows(design, cols, by, "beta")
    group_col = by if by is not None else None
    rows = []
    meta = {i.column: i for i in indicators}
    for col in cols:
        yes, no, groups = _counts(design, col, by)
        hidden = protected_shares(yes, no, threshold)
        sel = (logit["variable"] == col).to_numpy()
        sub, kg = logit[sel], beta[(beta["variable"] == col).to_numpy()]
        sub_groups = sub[group_col].astype(str).tolist() if group_col else ["Ensemble"]
        pos = {str(g): j for j, g in enumerate(groups)}
        for (_, r), (_, k), g in zip(sub.iterrows(), kg.iterrows(), sub_groups, strict=True):
            j = pos[g]
            rows.append({
                "indicator": meta[col].name, "label": meta[col].label, "theme": meta[col].theme,
                "group": g, "estimate": r["estimate"], "se": r["se"], "ci_low": r["ci_low"],
                "ci_high": r["ci_high"], "kg_low": k["ci_low"], "kg_high": k["ci_high"],
                "df": r["df"], "n": int(yes[j] + no[j]), "n_yes": int(yes[j]),
                "hidden": bool(hidden[j]),
            })
    return with_presentation(pd.DataFrame(rows))


def group_tests(design: SurveyDesign, indicators: Sequence[Indicator], by: str) -> pd.Series:
    """Rao–Scott F test of independence of each indicator with ``by`` (p-values by name).
    Mirrors: survey::svychisq(~ind + by, statistic="F")."""
    return pd.Series({i.name: float(design.chisq(i.column, by).p_value) for i in indicators},
                     name="p_value", dtype=float)


def class_distribution(design: SurveyDesign, labels: Mapping[str, str], *, threshold: int
                       ) -> pd.DataFrame:
    """Share of each class of the instruments' scores (logit CI), one row per (variable,
    level) with the unweighted base ``n`` and ``hidden`` decided by
    :func:`arefie_studies.tables.protect_table` on the class counts (the total is published).
    ``kg_low``/``kg_high`` (Korn–Graubard) and the presentation ``decision`` as in
    :func:`indicator_estimates`.
    Mirrors: survey::svymean(~classe, design) + svyciprop(method="logit" and "beta")."""
    est = design.proportion(list(labels), ci_method="logit")
    beta = design.proportion(list(labels), ci_method="beta")
    active = np.asarray(design.weights) > 0
    rows = []
    for var in labels:
        codes = design.data[var].cat.codes.to_numpy()
        k = len(design.data[var].cat.categories)
        counts = np.bincount(codes[active & (codes >= 0)], minlength=k)
        _prim, hid = protect_table(counts.reshape(-1, 1), int(threshold))
        sub = est[est["variable"] == var].copy()
        kg = beta[beta["variable"] == var]
        sub["kg_low"] = kg["ci_low"].to_numpy()
        sub["kg_high"] = kg["ci_high"].to_numpy()
        sub["n"] = int(counts.sum())
        sub["n_level"] = counts[: len(sub)]
        sub["hidden"] = hid[:-1, 0][: len(sub)]
        rows.append(sub)
    out = pd.concat(rows, ignore_index=True)
    out["level"] = out["level"].astype(str)
    return with_presentation(out[["variable", "level", "estimate", "se", "ci_low", "ci_high",
                                  "kg_low", "kg_high", "df", "n", "n_level", "hidden"]])


def wave_comparison(current: pd.DataFrame, previous: pd.DataFrame, *, conf_level: float = 0.95
                    ) -> pd.DataFrame:
    """Difference between two independent waves: ``diff = p1 - p0`` with
    ``se = sqrt(se1² + se0²)``, normal CI and two-sided Wald test (independent samples,
    as survey::svycontrast on stacked independent designs).

    ``current`` / ``previous``: outputs of :func:`indicator_estimates` (same groups); the
    previous wave's columns get the suffix ``_prev``.
    """
    key = ["indicator", "group"]
    m = current.merge(previous[[*key, "estimate", "se", "ci_low", "ci_high", "kg_low", "kg_high",
                                "df", "n", "hidden", "decision"]],
                      on=key, suffixes=("", "_prev"))
    z = stats.norm.ppf(0.5 + conf_level / 2)
    m["diff"] = m["estimate"] - m["estimate_prev"]
    m["diff_se"] = np.sqrt(m["se"] ** 2 + m["se_prev"] ** 2)
    m["diff_low"] = m["diff"] - z * m["diff_se"]
    m["diff_high"] = m["diff"] + z * m["diff_se"]
    with np.errstate(divide="ignore", invalid="ignore"):
        m["p_value"] = 2 * stats.norm.sf(np.abs(m["diff"] / m["diff_se"]))
    m["hidden"] = m["hidden"] | m["hidden_prev"]
    return m


_BENCHMARK_COLUMNS = ["indicateur", "population", "valeur_pct", "annee", "source"]


def own_wave_references(benchmarks: pd.DataFrame, study_title: str, waves: Sequence[int]
                        ) -> pd.Series:
    """Which reference rows are published figures of this very study for a wave whose
    microdata the study holds (source starting with ``study_title``, year in ``waves``).

    Those are not external references: the study re-estimates that wave from its microdata
    (one value per indicator and wave), so they are left out of the comparison and listed in
    the report's note instead.
    """
    missing = [c for c in _BENCHMARK_COLUMNS if c not in benchmarks.columns]
    if missing:
        raise StudyInputError(f"benchmarks: column(s) {missing} missing; available: "
                              f"{list(benchmarks.columns)}.")
    own = benchmarks["source"].astype(str).str.strip().str.startswith(study_title)
    return own & benchmarks["annee"].astype(int).isin([int(w) for w in waves])


def benchmark_comparison(estimates: pd.DataFrame, benchmarks: pd.DataFrame) -> pd.DataFrame:
    """Overall estimates beside the external references they are compared with.

    ``benchmarks``: the ``benchmarks`` reference (indicateur, population, valeur_pct, annee,
    source), already without the study's own waves (:func:`own_wave_references`). The z
    statistic ``(p - b) / se`` treats the reference as a fixed value (its own sampling error is
    unknown here). Columns: indicator, label, estimate, ci_low, ci_high, benchmark, reference
    (key), population, annee, source, p_value, hidden, n, kg_low, kg_high, decision.
    """
    missing = [c for c in _BENCHMARK_COLUMNS if c not in benchmarks.columns]
    if missing:
        raise StudyInputError(f"benchmarks: column(s) {missing} missing; available: "
                              f"{list(benchmarks.columns)}.")
    overall = estimates.set_index("indicator")
    rows = []
    bm = benchmarks.set_index("indicateur")
    for ind in INDICATORS:
        for key in ind.benchmarks:
            if key not in bm.index or ind.name not in overall.index:
                continue
            b = bm.loc[key]
            e = overall.loc[ind.name]
            ref = float(b["valeur_pct"]) / 100.0
            p = 2 * stats.norm.sf(abs((e["estimate"] - ref) / e["se"])) if e["se"] > 0 else np.nan
            rows.append({"indicator": ind.name, "label": ind.label, "estimate": e["estimate"],
                         "ci_low": e["ci_low"], "ci_high": e["ci_high"], "benchmark": ref,
                         "reference": key, "population": str(b["population"]),
                         "annee": int(b["annee"]), "source": str(b["source"]), "p_value": p,
                         "hidden": bool(e["hidden"]), "n": int(e["n"]),
                         "kg_low": e["kg_low"], "kg_high": e["kg_high"],
                         "decision": e["decision"]})
    return pd.DataFrame(rows)


def distress_model(design: SurveyDesign) -> tuple[pd.DataFrame, int]:
    """Design-based logistic regression of psychological distress (ADRS ≥ 3) on precarity
    (EPICES class), housing, sex and age group.

    Returns (odds-ratio table, number of respondents in the fit). The table has one row per
    term level, reference levels included with OR = 1: variable, level, odds_ratio, ci_low,
    ci_high, p_value, reference.
    Mirrors: survey::svyglm(family=quasibinomial()) with exp(coef), exp(confint).
    """
    fit = design.glm(MODEL_FORMULA, family="binomial")
    ors = fit.odds_ratios().set_index("term")
    rows = []
    for col, (name, ref) in MODEL_TERMS.items():
        rows.append({"variable": name, "level": ref, "odds_ratio": 1.0, "ci_low": np.nan,
                     "ci_high": np.nan, "p_value": np.nan, "reference": True})
        for lev in design.data[f"m_{col}"].cat.categories[1:]:
            r = ors.loc[_term_name(ors.index, f"m_{col}", lev)]
            rows.append({"variable": name, "level": lev, "odds_ratio": r["odds_ratio"],
                         "ci_low": r["ci_low"], "ci_high": r["ci_high"], "p_value": r["p_value"],
                         "reference": False})
    return pd.DataFrame(rows), int(fit.nobs)


def _term_name(terms: pd.Index, col: str, level: Any) -> str:
    """Model-matrix column of ``level`` of ``C(col)`` (formulaic / R naming)."""
    for t in terms:
        if t.startswith(f"C({col})") and t.endswith(str(level)):
            return t
    raise KeyError(f"term for {col} = {level!r} not found among {list(terms)}")
