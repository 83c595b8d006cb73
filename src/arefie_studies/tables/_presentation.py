"""Presentation standard for proportions: which estimates are reliable enough to publish.

Implements the NCHS Data Presentation Standards for Proportions (Parker JD, Talih M, Malec DJ
et al., 2017, *Vital Health Stat* 2(175)). For each proportion ``p`` with its design-based
standard error, unweighted base ``n``, design degrees of freedom ``df`` and Korn–Graubard 95 %
interval ``[L, U]``:

1. effective sample size ``n_eff = p(1 - p) / SE²`` (``n`` when ``n_eff > n`` or when
   ``p`` is 0 or 1): **suppress** if ``n_eff < 30``;
2. absolute CI width ``w = U - L``: **suppress** if ``w >= 0.30``;
3. relative CI width ``w / p``: **suppress** if ``w > 0.05`` and ``w / p > 130 %``
   (an interval at most 0.05 wide is presented whatever its relative width);
4. **flag** (shown, to be interpreted with caution; NCHS: "statistical review") if
   ``df < 8``, or if the complement ``1 - p`` would fail rule 3 (``w > 0.05`` and
   ``w / (1 - p) > 130 %``: a ``p`` near 1 whose complement is unreliable), or if ``p`` is 0 or
   1 (no event observed or every unit has it: the interval is not informative);
5. otherwise **show**.

The Korn–Graubard interval is the engine's ``SurveyDesign.proportion(ci_method="beta")``
(mirrors ``survey::svyciprop(method="beta")``): the Clopper–Pearson interval at the effective
sample size ``n_eff · (t_{n-1, 0.975} / t_{df, 0.975})²`` (Korn & Graubard 1998, with the
degrees-of-freedom adjustment), so nothing here recomputes a variance or an interval: the rule
reads ``estimate, se, ci_low, ci_high, n, df`` from the engine's tidy output.

This module lives in ``tables`` (not ``survey``) because it is a publication decision with
French wording, applied by the table builder and the charts; the engine only supplies the
numbers it needs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._format import NNBSP, fmt_num

__all__ = [
    "FLAG_MARK",
    "NOT_SHOWN_MARK",
    "PresentationError",
    "nchs_proportions",
    "presentation_rule",
    "presentation_rule_text",
]

NOT_SHOWN_MARK = "nd"  # printed in place of an estimate too imprecise to publish
FLAG_MARK = "†"  # printed after an estimate to be interpreted with caution

MIN_N_EFF = 30
MAX_WIDTH = 0.30
SMALL_WIDTH = 0.05
MAX_RELATIVE_WIDTH = 1.30
MIN_DF = 8


class PresentationError(ValueError):
    """Bad input to the presentation rule (missing column, value outside its range)."""


_REQUIRED = ("estimate", "se", "ci_low", "ci_high", "n", "df")


def presentation_rule(estimates: pd.DataFrame, **columns: str) -> pd.DataFrame:
    """Decide, for each proportion, whether it is shown, flagged or suppressed (NCHS 2017).

    ``estimates``: tidy estimator output with one proportion per row and the columns
    ``estimate`` (in [0, 1]), ``se``, ``ci_low``, ``ci_high`` (Korn–Graubard:
    ``design.proportion(..., ci_method="beta")``), ``n`` (unweighted base) and ``df`` (design
    degrees of freedom). Other names can be mapped with keywords, e.g. ``n="base"``.

    Returns a copy with the columns ``n_eff``, ``ci_width``, ``relative_width``,
    ``complement_relative_width``, ``decision`` (``"show"``, ``"flag"`` or ``"suppress"``) and
    ``reason`` (French, empty when shown; every failed criterion is listed).
    """
    if not isinstance(estimates, pd.DataFrame):
        raise PresentationError(
            f"presentation_rule: expected a DataFrame of estimates, got {type(estimates).__name__}."
        )
    names = {k: columns.get(k, k) for k in _REQUIRED}
    unknown = set(columns) - set(_REQUIRED)
    if unknown:
        raise PresentationError(
            f"presentation_rule: unknown keyword(s) {sorted(unknown)}; map only {list(_REQUIRED)}."
        )
    missing = [v for v in names.values() if v not in estimates.columns]
    if missing:
        raise PresentationError(
            f"presentation_rule: column(s) {missing} missing; got {list(estimates.columns)}. "
            "Use design.proportion(var, by=..., ci_method='beta'), which gives estimate, se, "
            "ci_low, ci_high, df and n."
        )
    get = {k: pd.to_numeric(estimates[v], errors="coerce").to_numpy(float)
           for k, v in names.items()}
    p, se, lo, hi, n, df = (get[k] for k in _REQUIRED)
    bad = np.flatnonzero(~np.isfinite(p) | (p < 0) | (p > 1) | ~np.isfinite(n) | (n < 0))
    if bad.size:
        raise PresentationError(
            f"presentation_rule: rows {bad[:10].tolist()} have an estimate outside [0, 1] or no "
            "base n; the rule applies to proportions (not percentages, not means)."
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = np.where(se > 0, p * (1 - p) / se**2, n)
        n_eff = np.where((p <= 0) | (p >= 1), n, np.minimum(n_eff, n))
        width = hi - lo
        rel = np.where(p > 0, width / p, np.inf)
        comp = np.where(p < 1, width / (1 - p), np.inf)
    decisions, reasons = [], []
    for i in range(len(p)):
        sup, flag = [], []
        if not np.isfinite(n_eff[i]) or n_eff[i] < MIN_N_EFF:
            sup.append(f"taille d’échantillon effective {fmt_num(n_eff[i], 0)} < {MIN_N_EFF}")
        if not np.isfinite(width[i]):
            sup.append("intervalle de confiance non calculable")
        elif width[i] >= MAX_WIDTH:
            sup.append(f"intervalle de confiance large de {fmt_num(width[i] * 100, 1)} points (≥ 30)")
        elif width[i] > SMALL_WIDTH and rel[i] > MAX_RELATIVE_WIDTH:
            sup.append(f"largeur relative de l’intervalle {fmt_num(rel[i] * 100, 0)}{NNBSP}% "
                       f"(> 130{NNBSP}%)")
        if not np.isfinite(df[i]) or df[i] < MIN_DF:
            flag.append(f"{fmt_num(df[i], 0)} degré(s) de liberté (< {MIN_DF})")
        if (np.isfinite(width[i]) and width[i] > SMALL_WIDTH and 0 < p[i]
                and comp[i] > MAX_RELATIVE_WIDTH):
            flag.append(f"complément peu fiable (largeur relative {fmt_num(comp[i] * 100, 0)}{NNBSP}%)")
        if p[i] <= 0 or p[i] >= 1:
            flag.append("proportion de 0 ou 100" + NNBSP + "%")
        if sup:
            decisions.append("suppress")
            reasons.append(f"Non diffusé{NNBSP}: " + " ; ".join(sup + flag) + ".")
        elif flag:
            decisions.append("flag")
            reasons.append(f"À interpréter avec prudence{NNBSP}: " + " ; ".join(flag) + ".")
        else:
            decisions.append("show")
            reasons.append("")
    out = estimates.copy()
    out["n_eff"] = n_eff
    out["ci_width"] = width
    out["relative_width"] = rel
    out["complement_relative_width"] = comp
    out["decision"] = decisions
    out["reason"] = reasons
    return out


def nchs_proportions(design: Any, var: str, by: str | list[str] | None = None, *,
                     conf_level: float = 0.95) -> pd.DataFrame:
    """``design.proportion(var, by=by, ci_method="beta")`` with :func:`presentation_rule`
    applied: Korn–Graubard intervals and a decision per proportion."""
    if not hasattr(design, "proportion"):
        raise PresentationError(
            f"nchs_proportions: expected a SurveyDesign, got {type(design).__name__}."
        )
    est = design.proportion(var, by=by, ci_method="beta", conf_level=conf_level)
    return presentation_rule(est)


def presentation_rule_text() -> str:
    """The rule as stated in a study's methods annex (French)."""
    return (
        "Règle de présentation des proportions (norme du National Center for Health "
        "Statistics, Parker et al., 2017). Chaque proportion est accompagnée de son intervalle "
        f"de confiance à 95{NNBSP}% de Korn et Graubard (intervalle exact de Clopper–Pearson "
        "calculé sur la taille d’échantillon effective, ajustée des degrés de liberté du plan "
        "de sondage). Une proportion n’est pas diffusée "
        f"(«{NNBSP}{NOT_SHOWN_MARK}{NNBSP}») lorsque sa taille d’échantillon effective "
        f"(p(1{NNBSP}−{NNBSP}p) divisé par le carré de l’erreur type, au plus l’effectif "
        f"observé) est inférieure à 30, lorsque son intervalle de confiance a une largeur "
        f"d’au moins 30 points, ou lorsque cette largeur dépasse 5 points et 130{NNBSP}% de la "
        f"proportion elle-même. Une proportion diffusée est signalée par «{NNBSP}{FLAG_MARK}"
        f"{NNBSP}» (estimation fragile, à interpréter avec prudence) lorsque son erreur type "
        "repose sur moins de 8 degrés de liberté (trop peu d’unités primaires de "
        "sondage), lorsque sa proportion complémentaire (1 − p) ne serait pas diffusable "
        f"(largeur de l’intervalle supérieure à 5 points et à 130{NNBSP}% du complément), ou "
        f"lorsqu’elle vaut 0 ou 100{NNBSP}%."
    )
