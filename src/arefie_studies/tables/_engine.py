"""Adapter between the survey engine and banner tables.

``design.banner_cells(questions, breakdowns)`` (survey engine) gives, per question × level ×
breakdown × group, the estimate with its CI, n, N and the group-vs-rest difference with its
standard error and p-value, in one pass per table. The whole-population column comes from the
same call when the engine provides it, else from ``design.proportion`` / ``design.mean``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ._banner import CELL_COLUMNS, TOTAL, BannerError

__all__ = ["design_cells", "design_labels", "design_tests"]

_SYNONYMS = {
    "variable": "question",
    "by": "breakdown",
    "by_var": "breakdown",
    "breakdown_var": "breakdown",
    "value": "group",
    "by_level": "group",
    "group_level": "group",
    "p": "p_value",
    "diff_p_value": "p_value",
    "p_diff": "p_value",
    "n_weighted": "N",
    "weighted_n": "N",
    "diff_estimate": "diff",
    "difference": "diff",
}


def design_labels(design: Any) -> dict[str, str]:
    """Variable labels known to the design (``labels`` attribute or ``data.attrs``)."""
    out: dict[str, str] = {}
    data = getattr(design, "data", None)
    if isinstance(data, pd.DataFrame):
        out.update(data.attrs.get("variable_labels", {}) or {})
    labels = getattr(design, "labels", None)
    if isinstance(labels, Mapping):
        out.update(labels)
    return {str(k): str(v) for k, v in out.items()}


def _check_variables(design: Any, names: list[str], argument: str) -> pd.DataFrame:
    data = getattr(design, "data", None)
    if not isinstance(data, pd.DataFrame):
        raise BannerError(
            f"design: expected a SurveyDesign (with a .data DataFrame), got {type(design).__name__}."
        )
    missing = [v for v in names if v not in data.columns]
    if missing:
        raise BannerError(
            f"{argument}: variable(s) {missing} not in the design data; available: "
            f"{list(data.columns)[:40]}{' ...' if data.shape[1] > 40 else ''}."
        )
    return data


def _normalise(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.rename(
        columns={
            k: v for k, v in _SYNONYMS.items() if k in frame.columns and v not in frame.columns
        }
    )
    if "kind" not in frame.columns:
        lv = frame["level"] if "level" in frame.columns else pd.Series(np.nan, index=frame.index)
        frame["kind"] = np.where(lv.isna() | (lv.astype(str) == ""), "mean", "proportion")
    for col in ("diff", "diff_se", "p_value", "N", "level"):
        if col not in frame.columns:
            frame[col] = np.nan if col != "level" else ""
    missing = [c for c in CELL_COLUMNS if c not in frame.columns]
    if missing:
        raise BannerError(
            f"design.banner_cells returned no column(s) {missing}; got {list(frame.columns)}."
        )
    frame = frame.loc[:, list(CELL_COLUMNS)].copy()
    for col in ("level", "breakdown", "group"):
        frame[col] = frame[col].astype(object).where(frame[col].notna(), "").astype(str)
    return frame


def _totals(design: Any, data: pd.DataFrame, questions: list[str]) -> pd.DataFrame:
    """Whole-population cells from design.proportion / design.mean."""
    w = np.asarray(design.weights, dtype=float)
    rows = []
    for q in questions:
        col = data[q]
        answered = col.notna().to_numpy()
        if isinstance(col.dtype, pd.CategoricalDtype) or col.dtype == object or col.dtype == bool:
            est = design.proportion(q)
            codes = pd.Categorical(col)
            cats = [str(c) for c in codes.categories]
            k = codes.codes
            ok = k >= 0
            n = np.bincount(k[ok], minlength=len(cats))
            N = np.bincount(k[ok], weights=w[ok], minlength=len(cats))
            pos = {c: i for i, c in enumerate(cats)}
            for _, r in est.iterrows():
                i = pos[str(r["level"])]
                rows.append(
                    {
                        "question": q, "kind": "proportion", "level": str(r["level"]),
                        "breakdown": "", "group": TOTAL, "estimate": r["estimate"], "se": r["se"],
                        "ci_low": r["ci_low"], "ci_high": r["ci_high"], "n": int(n[i]), "N": N[i],
                        "diff": np.nan, "diff_se": np.nan, "p_value": np.nan,
                    }
                )  # fmt: skip
        else:
            r = design.mean(q).iloc[0]
            rows.append(
                {
                    "question": q, "kind": "mean", "level": "", "breakdown": "", "group": TOTAL,
                    "estimate": r["estimate"], "se": r["se"], "ci_low": r["ci_low"],
                    "ci_high": r["ci_high"], "n": int(answered.sum()), "N": w[answered].sum(),
                    "diff": np.nan, "diff_se": np.nan, "p_value": np.nan,
                }
            )  # fmt: skip
    return pd.DataFrame(rows, columns=list(CELL_COLUMNS))


def design_cells(design: Any, questions: list[str], breakdowns: list[str]) -> pd.DataFrame:
    """Cells of the banner (with the whole-population column) from the survey engine."""
    data = _check_variables(design, questions, "questions")
    _check_variables(design, breakdowns, "breakdowns")
    if not hasattr(design, "banner_cells"):
        raise BannerError(
            "design: this design has no banner_cells method; banner() needs the survey engine's "
            "SurveyDesign (arefie_studies.survey) or use BannerTable.from_cells with your cells."
        )
    cells = _normalise(pd.DataFrame(design.banner_cells(questions, breakdowns)))
    if not (cells["breakdown"] == "").any():
        cells = pd.concat([_totals(design, data, questions), cells], ignore_index=True)
    # Keep the order given by the caller.
    qpos = {q: i for i, q in enumerate(questions)}
    bpos = {b: i + 1 for i, b in enumerate(breakdowns)}
    bpos[""] = 0
    cells["_q"] = cells["question"].map(qpos)
    cells["_b"] = cells["breakdown"].map(bpos)
    return (
        cells.sort_values(["_q", "_b"], kind="stable")
        .drop(columns=["_q", "_b"])
        .reset_index(drop=True)
    )


def design_tests(design: Any, cells: pd.DataFrame, breakdowns: list[str]) -> pd.DataFrame:
    """Rao–Scott test of independence per categorical question × breakdown (``design.chisq``)."""
    rows = []
    chisq = getattr(design, "chisq", None)
    kinds = cells.drop_duplicates("question").set_index("question")["kind"]
    for q, kind in kinds.items():
        for b in breakdowns:
            stat = df = p = np.nan
            if kind == "proportion" and chisq is not None:
                res = chisq(q, b)
                stat, df, p = float(res.statistic), res.df, float(res.p_value)
            rows.append({"question": q, "breakdown": b, "statistic": stat, "df": df, "p_value": p})
    return pd.DataFrame(rows, columns=["question", "breakdown", "statistic", "df", "p_value"])
