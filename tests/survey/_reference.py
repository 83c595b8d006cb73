"""Loader for the R `survey` reference cases (tests/reference/survey_r_public.json).

Generic on purpose: ``build_design(case)`` makes the design of any case (linearised or replicate)
from ``case["design"]`` and ``case["data"]``; ``run_estimate(design, op)`` runs the estimation
kinds (mean, total, proportion, total_by_level, ratio, quantile, proportion_ci) and returns
``{"estimate": [...], "se": [...], "ci_low": [...], "ci_high": [...]}`` in R's order.
Other kinds (chisq, glm, weighting) reuse ``load_cases``/``load_data``/``build_design``.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from arefie_studies.survey import ReplicateDesign, SurveyDesign

REFERENCE_DIR = Path(__file__).resolve().parents[1] / "reference"
ESTIMATION_KINDS = ("mean", "total", "proportion", "total_by_level", "ratio", "quantile", "proportion_ci")


@cache
def _all_cases() -> tuple[dict, ...]:
    with open(REFERENCE_DIR / "survey_r_public.json") as fh:
        return tuple(json.load(fh)["cases"])


def load_cases(kinds: tuple[str, ...] | None = None) -> list[dict]:
    """Cases whose ``op.kind`` is in ``kinds`` (all when None)."""
    return [c for c in _all_cases() if kinds is None or c["op"]["kind"] in kinds]


@cache
def _read(stem: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DIR / "data" / f"{stem}.csv")


def load_data(case: dict) -> pd.DataFrame:
    """The case's data (a fresh copy), with the columns of ``op["derive"]`` added."""
    df = _read(case["data"]).copy()
    for name, expr in (case["op"].get("derive") or {}).items():
        df[name] = df.eval(expr).astype(float)
    return df


def build_design(case: dict, df: pd.DataFrame | None = None) -> SurveyDesign | ReplicateDesign:
    """The design of ``case`` (SurveyDesign, or ReplicateDesign when replicate weights are given)."""
    spec = case["design"]
    df = load_data(case) if df is None else df
    if "replicate_weights" in spec:
        return ReplicateDesign(
            df, weights=spec["weights"], replicate_weights=spec["replicate_weights"],
            type=spec.get("replicate_type", "bootstrap"), scale=spec.get("scale"),
            rscales=spec.get("rscales"), mse=spec.get("mse", False),
        )
    return SurveyDesign(
        df, weights=spec.get("weights"), strata=spec.get("strata"), psu=spec.get("psu"),
        fpc=spec.get("fpc"), nest=spec.get("nest", False),
        lonely_psu=spec.get("lonely_psu", "fail"),
        adjust_domain_lonely=spec.get("adjust_domain_lonely", False),
    )


def run_estimate(design, op: dict) -> dict[str, list[float]]:
    """Run one estimation op; values in R's order."""
    kind = op["kind"]
    if "domain" in op:
        dom = op["domain"]
        design = design.subset(design.data[dom["var"]] == dom["level"])
    by = op.get("by")
    if kind == "mean":
        res = design.mean(op["var"], by=by)
    elif kind in ("total", "total_by_level"):
        res = design.total(op["var"], by=by)
    elif kind == "proportion":
        res = design.proportion(op["var"], by=by)
    elif kind == "ratio":
        res = design.ratio(op["numerator"], op["denominator"], by=by)
    elif kind == "quantile":
        res = design.quantile(op["var"], op["probs"], by=by)
    elif kind == "proportion_ci":
        res = design.proportion(op["var"], by=by, ci_method=op["method"],
                                conf_level=op.get("conf_level", 0.95))
        res = res[res["level"] == op["level"]]
    else:
        raise ValueError(f"not an estimation kind: {kind}")
    return {k: res[k].to_list() for k in ("estimate", "se", "ci_low", "ci_high")}


def expected_values(case: dict) -> dict[str, np.ndarray]:
    """The numeric expected fields (estimate, se, ci_low, ci_high) as float arrays."""
    out = {}
    for key in ("estimate", "se", "ci_low", "ci_high"):
        if key in case["expected"]:
            out[key] = np.atleast_1d(np.asarray(case["expected"][key], dtype=float))
    return out
