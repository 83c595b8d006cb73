"""The 42 Missions Locales side by side on the CEJ's key indicators, with the case-mix adjusted
comparison of exits to durable employment.

Key indicators (one row per territory × indicator, tidy, read from the study's own estimates — never
recomputed): youths entered, share employed ``exit_months[0]`` months after entry, share in durable
employment ``exit_months[-1]`` months after, median time to a first job (Kaplan–Meier), share of
weeks under the hours threshold.

Case-mix adjustment (indirect standardisation): a regional logistic model of durable employment on
the youths' profile (sex, age group, qualification, QPV, RQTH, housing) —
``SurveyDesign.glm(..., family="binomial")`` on unit weights, i.e. ``svyglm(family=quasibinomial)``
— gives each youth an expected probability ``p̂_i``; per ML, observed O = Σ y_i, expected
E = Σ p̂_i, ratio O/E with its interval from the ratio estimator (``svyratio(~y, ~p̂)``, the youth
as unit, p̂ taken as fixed) and the adjusted rate (O/E) × regional rate. A ratio whose interval
excludes 1 differs from what the region's rates would give for the same youths.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from arefie_studies.studies._cej_estimates import REGION, decide
from arefie_studies.survey import SurveyDesign

__all__ = ["CASEMIX_VARIABLES", "INDICATORS", "casemix", "compare_mls", "expected_probabilities"]

#: Profile variables of the case-mix model (youths' columns).
CASEMIX_VARIABLES = ("sexe", "tranche_age", "qualification", "qpv", "rqth", "logement")
#: Comparison indicators → (French label, kind). Labels read ``exit_months`` at build time.
INDICATORS = ("entrees", "emploi", "emploi_durable", "delai_median", "semaines_basses")


def expected_probabilities(frame: pd.DataFrame, outcome: str = "y") -> tuple[np.ndarray, pd.Series]:
    """Each row's probability of ``outcome`` under the regional logistic model on
    :data:`CASEMIX_VARIABLES` (``svyglm(y ~ ..., family=quasibinomial)`` on unit weights), and the
    model's coefficients."""
    from formulaic import model_matrix

    rhs = " + ".join(f"C({v})" for v in CASEMIX_VARIABLES)
    fit = SurveyDesign(frame, weights=None).glm(f"{outcome} ~ {rhs}", family="binomial")
    x = model_matrix(rhs, frame, na_action="ignore").to_numpy(float)
    beta = np.asarray(fit.params, dtype=float)
    if x.shape[1] != beta.size:
        raise ValueError(f"case-mix model: {x.shape[1]} columns for {beta.size} coefficients.")
    return 1.0 / (1.0 + np.exp(-(x @ beta))), fit.params


def casemix(youths: pd.DataFrame, durable: np.ndarray, threshold: int) -> pd.DataFrame:
    """Observed/expected durable employment per ML (see the module docstring).

    ``durable``: 1/0 per youth, NaN when not observed at that month (out of the base).
    Columns: ``territory, n, observed, expected, estimate (O/E), se, ci_low, ci_high, df, rate,
    adjusted, adjusted_low, adjusted_high, differs, hidden`` (hidden when n < threshold)."""
    obs = np.isfinite(durable)
    f = youths.loc[obs, ["ml_code", *CASEMIX_VARIABLES]].copy()
    for v in CASEMIX_VARIABLES:
        f[v] = f[v].astype(str)
    f["y"] = durable[obs].astype(float)
    f["p"], _ = expected_probabilities(f)
    rate = f["y"].mean()
    ratio = SurveyDesign(f, weights=None).ratio("y", "p", by="ml_code").rename(columns={"ml_code": "territory"})
    ratio["territory"] = ratio["territory"].astype(str)
    sums = f.groupby("ml_code")[["y", "p"]].sum()
    out = ratio[["territory", "estimate", "se", "ci_low", "ci_high", "df"]].copy()
    out["n"] = out["territory"].map(f.groupby("ml_code").size()).astype(int)
    out["observed"] = out["territory"].map(sums["y"]).astype(float)
    out["expected"] = out["territory"].map(sums["p"]).astype(float)
    out["rate"] = rate
    out["adjusted"], out["adjusted_low"], out["adjusted_high"] = (out["estimate"] * rate, out["ci_low"] * rate,
                                                                 out["ci_high"] * rate)
    out["differs"] = (out["ci_low"] > 1) | (out["ci_high"] < 1)
    out["hidden"] = out["n"] < threshold
    reg = {"territory": REGION, "estimate": 1.0, "se": 0.0, "ci_low": np.nan, "ci_high": np.nan,
           "df": np.nan, "n": len(f), "observed": f["y"].sum(), "expected": f["p"].sum(), "rate": rate,
           "adjusted": rate, "adjusted_low": np.nan, "adjusted_high": np.nan, "differs": False, "hidden": False}
    return pd.concat([pd.DataFrame([reg]), out], ignore_index=True)


def compare_mls(overview: pd.DataFrame, exits: pd.DataFrame, km_summary: pd.DataFrame, hours: pd.DataFrame,
                exit_months) -> pd.DataFrame:
    """The key indicators of the region and every ML, tidy: ``territory, name, indicator, kind,
    estimate, se, ci_low, ci_high, df, n, base, hidden, decision, differs`` (``differs``: the
    ML's interval excludes the regional value), read from the study's estimates. The median time
    to a first job has no regional row (the region's curves are by profile group)."""
    first, last = int(exit_months[0]), int(exit_months[-1])
    names = overview.set_index("territory")["name"]
    rows = []
    for _, o in overview.iterrows():
        rows.append({"territory": o["territory"], "indicator": "entrees", "kind": "count",
                     "estimate": float(o["youths"]), "n": int(o["youths"]), "base": int(o["youths"]),
                     "hidden": False, "decision": "show"})
    e = exits[exits["breakdown"] == ""]
    for ind, m, key in (("emploi", first, "emploi"), ("emploi_durable", last, "emploi_durable")):
        sub = e[(e["indicator"] == ind) & (e["mois"] == m)]
        for _, x in sub.iterrows():
            rows.append({"territory": x["territory"], "indicator": key, "kind": "proportion",
                         **{c: x[c] for c in ("estimate", "se", "ci_low", "ci_high", "df", "n", "base", "hidden",
                                              "decision")}})
    km = km_summary[km_summary["territory"] != REGION]  # each ML's own curve (the region's is by group)
    for _, x in km[km["group"] == km["territory"].map(names)].iterrows():
        rows.append({"territory": x["territory"], "indicator": "delai_median", "kind": "mean",
                     "estimate": x["median"], "ci_low": x["median_low"], "ci_high": x["median_high"],
                     "n": int(x["n"]), "base": int(x["n"]), "hidden": bool(x["hidden"]), "decision": "show"})
    h = hours[hours["level"].isin([REGION, "ml"])]
    for _, x in h.iterrows():
        rows.append({"territory": x["territory"], "indicator": "semaines_basses", "kind": "proportion",
                     **{c: x[c] for c in ("estimate", "se", "ci_low", "ci_high", "df", "n", "hidden")},
                     "base": int(x["n"])})
    out = pd.DataFrame(rows)
    low = out["indicator"] == "semaines_basses"
    out.loc[low, ["decision", "reason"]] = decide(out[low])[["decision", "reason"]].to_numpy()
    out["name"] = out["territory"].map(names)
    regional = out[out["territory"] == REGION].set_index("indicator")["estimate"]
    ref = out["indicator"].map(regional)
    out["differs"] = (out["territory"] != REGION) & out["kind"].ne("count") & ref.notna() & (
        (out["ci_low"] > ref) | (out["ci_high"] < ref))
    return out
