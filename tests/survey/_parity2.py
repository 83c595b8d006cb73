"""Runner of the second-round R parity cases (tests/reference/survey_r_parity2.json, written by
tests/reference/r/parity2.R).

``run_case(case)`` builds the case's design with :func:`_reference.build_design` (plus
``as.svrepdesign`` when ``design.replicate`` is given), runs ``case["op"]`` through the public API
and returns ``{field: values}`` in R's order for every field of ``case["expected"]``.
"""

from __future__ import annotations

import json
from functools import cache

import numpy as np
import pandas as pd
from _reference import REFERENCE_DIR, build_design, load_data

from arefie_studies.survey import SurveyDesign

PARITY2 = REFERENCE_DIR / "survey_r_parity2.json"


@cache
def _cases() -> tuple[dict, ...]:
    with open(PARITY2) as fh:
        return tuple(json.load(fh)["cases"])


def load_parity2(kinds: tuple[str, ...] | None = None) -> list[dict]:
    return [c for c in _cases() if kinds is None or c["op"]["kind"] in kinds]


def make_design(case: dict):
    if not case["design"]:  # R's list() (every weight 1, no fpc) is written as []
        case = {**case, "design": {}}
    spec = case["design"]
    df = load_data(case)
    if "query" in case["op"]:  # R built the design on this subset of the data
        df = df.query(case["op"]["query"]).reset_index(drop=True)
    for name, expr in (case["op"].get("derive") or {}).items():
        df[name] = df.eval(expr).astype(float)
    if "cut" in case["op"]:  # R's cut(x, breaks): right-closed intervals, ordered levels
        c = case["op"]["cut"]
        b = c["breaks"]
        labels = [f"({b[i]},{b[i + 1]}]" for i in range(len(b) - 1)]
        df[c["name"]] = pd.cut(df[c["var"]], b, labels=labels, ordered=True)
    if "pps" in spec or "pps_joint" in spec:
        pps = spec.get("pps")
        if "pps_joint" in spec:
            pps = pd.read_csv(REFERENCE_DIR / "data" / f"{spec['pps_joint']}.csv").to_numpy()
        return SurveyDesign(df, fpc=spec["fpc"], pps=pps, variance=spec.get("variance", "HT"),
                            psu=spec.get("psu"), strata=spec.get("strata"))
    design = build_design(case, df)
    if "replicate" in spec:
        rep = spec["replicate"]
        hm = rep.get("hadamard_matrix")
        if hm:
            hm = pd.read_csv(REFERENCE_DIR / "data" / f"{hm}.csv").to_numpy()
        design = design.replicate(rep["type"], fay_rho=rep.get("fay_rho", 0.0),
                                  hadamard_matrix=hm or None if not isinstance(hm, np.ndarray) else hm)
    return design


def expected(case: dict) -> dict[str, np.ndarray]:
    out = {}
    for key, val in case["expected"].items():
        if val == "Inf":
            val = np.inf
        out[key] = np.atleast_1d(np.asarray(val, dtype=float))
    return out


def _names(frame: pd.DataFrame, by: str | None) -> list[str]:
    return [str(v) for v in frame[by]] if by else [str(v) for v in frame["variable"]]


def run_case(case: dict) -> dict[str, np.ndarray]:
    op = case["op"]
    kind = op["kind"]
    d = make_design(case)
    if "poststratify" in op:  # R's postStratify(design, ~var, population)
        ps = op["poststratify"]
        d = d.poststratify(ps["var"], {int(k): v for k, v in ps["counts"].items()})
    if "domain" in op:  # R's subset(design, expr): a domain of the design
        d = d.subset(lambda df: df.eval(op["domain"]))
    if kind == "ciprop":
        res = d.proportion(op["var"], by=op.get("by"), ci_method=op["method"])
        res = res[res["level"] == 1]
        out = {k: res[k].to_numpy() for k in ("estimate", "se", "ci_low", "ci_high")}
    elif kind in ("mean", "total"):
        fn = d.mean if kind == "mean" else d.total
        res = fn(op["var"], by=op.get("by"), deff=op.get("deff", True))
        out = {k: res[k].to_numpy() for k in ("estimate", "se", "deff")}
    elif kind == "mean_ci":
        res = d.mean(op["var"])
        out = {k: res[k].to_numpy() for k in ("estimate", "se", "ci_low", "ci_high", "df")}
    elif kind == "ratio":
        res = d.ratio(op["numerator"], op["denominator"])
        out = {k: res[k].to_numpy() for k in ("estimate", "se")}
    elif kind == "ttest":
        res = d.ttest(op["var"], group=op.get("group"))
        out = {"statistic": res["t"], "df": res["df"], "p_value": res["p_value"],
               "estimate": res["estimate"], "ci_low": res["ci_low"], "ci_high": res["ci_high"]}
    elif kind == "svyvar":
        res = d.var(op["vars"])
        out = {"estimate": res["estimate"].to_numpy(), "se": res["se"].to_numpy()}
    elif kind in ("contrast", "svyby_vcov"):
        from arefie_studies.survey import contrast
        fn = d.mean if op["base"] == "mean" else d.total
        est = fn(op["vars"], by=op.get("by"), covmat=True)
        if kind == "svyby_vcov":
            out = {"estimate": est["estimate"].to_numpy(), "se": est["se"].to_numpy(),
                   "vcov": est.attrs["vcov"].ravel()}
        else:
            if "expr" in op:
                exprs = {
                    "ratio": lambda e: e["api00"] / e["api99"],
                    "logratio": lambda e: np.log(e["api_stu"] / e["enroll"]),
                }
                res = contrast(est, exprs[op["expr"]])
            else:
                coef = op["coef"]
                res = contrast(est, coef if not isinstance(coef[0], list) else
                               {f"c{i}": c for i, c in enumerate(coef)})
            out = {"estimate": res["estimate"].to_numpy(), "se": res["se"].to_numpy()}
            if "vcov" in case["expected"]:
                out["vcov"] = res.attrs["vcov"].ravel()
    elif kind in ("rake", "calibrate"):
        if kind == "rake":
            dw = d.rake(op["margins"], control=op["control"])
        else:
            dw = d.calibrate(categorical=op["categorical"], numeric=op["numeric"],
                             method=op["method"],
                             trim=tuple(op["trim"]) if "trim" in op else None,
                             bounds=tuple(op["bounds"]) if "bounds" in op else None,
                             aggregate_stage=op.get("aggregate_stage"))
        res = dw.mean(op["then"]["var"])
        out = {"weights": dw.weights, "estimate": res["estimate"], "se": res["se"]}
        if "se" not in case["expected"]:
            out.pop("se")
    elif kind == "glm":
        m = d.glm(op["formula"], family=op.get("family", "gaussian"))
        out = {"estimate": m.params, "se": m.bse, "df": [m.df_resid]}
    elif kind == "olr":
        m = d.olr(op["formula"])
        out = {"estimate": m.params, "se": m.bse, "df": [m.df_resid]}
    elif kind == "contrast_prop":
        from arefie_studies.survey import contrast

        est = d.proportion(op["var"], by=op["by"], covmat=True)
        res = contrast(est, op["coef"])
        out = {"estimate": res["estimate"], "se": res["se"]}
    elif kind == "svytable":
        res = d.table(op["vars"], Ntotal=op.get("Ntotal"))
        out = {"estimate": res["count"].to_numpy()}
    elif kind == "quantile":
        res = d.quantile(op["var"], op["probs"], qrule=op["qrule"],
                         interval_type=op["interval_type"])
        out = {k: res[k].to_numpy() for k in ("estimate", "ci_low", "ci_high", "se")}
    else:
        raise ValueError(f"unknown parity2 kind {kind!r}")
    return {k: np.atleast_1d(np.asarray(v, dtype=float)) for k, v in out.items()
            if k in case["expected"]}
