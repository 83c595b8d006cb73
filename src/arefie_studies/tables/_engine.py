"""Adapter between the survey engine and banner tables.

``design.banner_cells(questions, breakdowns)`` (survey engine) gives, per question × level ×
breakdown × group, the estimate with its CI, n, N and the group-vs-rest difference with its
standard error and p-value, in one pass per table. The whole-population column comes from the
same call when the engine provides it, else from ``design.proportion`` / ``design.mean``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._banner import CELL_COLUMNS, TOTAL, BannerError

__all__ = ["check_variables", "design_cells", "design_labels", "design_tests"]

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
    "se_diff": "diff_se",
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


def check_variables(design: Any, names: list[str], argument: str) -> pd.DataFrame:
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


def _codes(design: Any, var: str) -> tuple[np.ndarray, list[str]]:
    """Integer codes (-1 = missing) and level labels of a variable, as the engine sees them.

    Uses the engine's ``level_codes`` when it has one, so levels come in the same order and
    with the same text as in ``banner_cells``.
    """
    getter = getattr(design, "level_codes", None)
    if getter is not None:
        codes, levels = getter(var)
    else:  # pragma: no cover - engines without a coding cache
        codes, levels = pd.factorize(design.data[var], sort=True)
    return np.asarray(codes, dtype=np.int64), [str(v) for v in levels]


def _active_rows(design: Any) -> np.ndarray:
    """Rows that count as respondents: in the domain and with a non-zero weight."""
    w = np.asarray(design.weights, dtype=float)
    active = w != 0
    domain = getattr(design, "domain", None)
    if domain is not None:
        active &= np.asarray(domain, dtype=bool)
    return active


_MAX_PROFILE_CELLS = 2_000_000


def _cell_counts(design: Any, questions: list[str], breakdowns: list[str]) -> dict:
    """Unweighted respondents per (question, level, breakdown, group) and per (question, level).

    The breakdowns are crossed once into a profile code (every combination of their groups,
    missing included); then one bincount per question over ``profile * (L + 1) + level`` gives
    the full cross-table, which is summed down to each breakdown. 40 passes over the rows for a
    40 × 6 banner instead of 240. Falls back to one bincount per question × breakdown when the
    profile space is too large.
    """
    active = _active_rows(design)
    coded_b = [_codes(design, b) for b in breakdowns]
    dims = [len(groups) + 1 for _, groups in coded_b]
    n_profiles = int(np.prod(dims, dtype=float)) if dims else 1
    out: dict[tuple[str, str, str, str], int] = {}
    profile = None
    if breakdowns and n_profiles * 12 <= _MAX_PROFILE_CELLS:
        profile = np.zeros(len(active), dtype=np.int64)
        for (gb, groups), d in zip(coded_b, dims, strict=True):
            profile = profile * d + np.where(gb >= 0, gb, len(groups))
    for q in questions:
        lq, levels = _codes(design, q)
        l1 = len(levels) + 1
        l_t = np.where((lq >= 0) & active, lq, len(levels))
        whole = np.bincount(l_t, minlength=l1)
        for i, lv in enumerate(levels):
            out[(q, lv, "", TOTAL)] = int(whole[i])
        if profile is not None and n_profiles * l1 <= _MAX_PROFILE_CELLS:
            full = np.bincount(profile * l1 + l_t, minlength=n_profiles * l1).reshape(*dims, l1)
            tables = [
                full.sum(axis=tuple(a for a in range(len(dims)) if a != k))
                for k in range(len(dims))
            ]
        else:
            tables = []
            for (gb, groups), d in zip(coded_b, dims, strict=True):
                g_t = np.where(gb >= 0, gb, len(groups))
                tables.append(np.bincount(g_t * l1 + l_t, minlength=d * l1).reshape(d, l1))
        for b, (_, groups), table in zip(breakdowns, coded_b, tables, strict=True):
            for j, g in enumerate(groups):
                for i, lv in enumerate(levels):
                    out[(q, lv, b, g)] = int(table[j, i])
    return out


def _categorical_cells(design: Any, questions: list[str], breakdowns: list[str]) -> pd.DataFrame:
    raw = pd.DataFrame(design.banner_cells(questions, breakdowns))
    cells = _normalise(raw.assign(kind="proportion"))
    counts = _cell_counts(design, questions, breakdowns)
    # banner_cells gives the respondents of the group (n, N); a cell needs its own count:
    # n = respondents with that answer in the group, N = estimate × weighted group total.
    cells["N"] = cells["estimate"].to_numpy(float) * cells["N"].to_numpy(float)
    keys = zip(cells["question"], cells["level"], cells["breakdown"], cells["group"], strict=True)
    cells["n"] = [counts[k] for k in keys]
    w = np.asarray(design.weights, dtype=float)
    active = _active_rows(design)
    rows = []
    for q in questions:
        est = design.proportion(q)
        lq, _ = _codes(design, q)
        answered = (lq >= 0) & active
        n_w = float(w[answered].sum())
        for _, r in est.iterrows():
            lv = str(r["level"])
            rows.append(
                {
                    "question": q, "kind": "proportion", "level": lv, "breakdown": "",
                    "group": TOTAL, "estimate": r["estimate"], "se": r["se"],
                    "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                    "n": counts.get((q, lv, "", TOTAL), 0), "N": r["estimate"] * n_w,
                    "diff": np.nan, "diff_se": np.nan, "p_value": np.nan,
                }
            )  # fmt: skip
    return pd.concat([pd.DataFrame(rows, columns=list(CELL_COLUMNS)), cells], ignore_index=True)


def _mean_vs_rest(design: Any, q: str, b: str, groups: list[str]) -> tuple[np.ndarray, ...]:
    """Difference of each group's mean with the mean of the other groups, its linearised SE
    and the design-based t test p-value, from the engine's public ``design.mean_vs_rest``
    (every linearised design: calibrated, multistage, subsets); NaN for engines without it.

    Mirrors: survey::svyby(~y, ~g, design, svymean) + svycontrast(group - rest).
    """
    nan = np.full(len(groups), np.nan)
    if not hasattr(design, "mean_vs_rest"):
        return nan, nan, nan
    # df_rule="degf": the same df as banner_cells' tests of the categorical questions
    res = design.mean_vs_rest(q, b, df_rule="degf")
    pos = {g: i for i, g in enumerate(groups)}
    idx = np.array([pos[str(g)] for g in res[b]], dtype=np.int64)
    out = []
    for col in ("diff", "se_diff", "p_value"):
        v = nan.copy()
        v[idx] = res[col].to_numpy(dtype=float)
        out.append(v)
    return tuple(out)


def _mean_cells(design: Any, questions: list[str], breakdowns: list[str]) -> pd.DataFrame:
    """Means by group (``design.mean(q, by=b)``) with the group-vs-rest t test."""
    data = design.data
    w = np.asarray(design.weights, dtype=float)
    active = _active_rows(design)
    frames = []
    for q in questions:
        y = pd.to_numeric(data[q], errors="coerce").to_numpy(dtype=float)
        answered = np.isfinite(y) & active
        whole = design.mean(q).iloc[0]
        frames.append(
            pd.DataFrame(
                [{
                    "question": q, "kind": "mean", "level": "", "breakdown": "", "group": TOTAL,
                    "estimate": whole["estimate"], "se": whole["se"], "ci_low": whole["ci_low"],
                    "ci_high": whole["ci_high"], "n": int(answered.sum()),
                    "N": float(w[answered].sum()), "diff": np.nan, "diff_se": np.nan,
                    "p_value": np.nan,
                }]
            )
        )  # fmt: skip
        for b in breakdowns:
            est = design.mean(q, by=b)
            gb, groups = _codes(design, b)
            ok = answered & (gb >= 0)
            n = np.bincount(gb[ok], minlength=len(groups))
            N = np.bincount(gb[ok], weights=w[ok], minlength=len(groups))
            diff, diff_se, p = _mean_vs_rest(design, q, b, groups)
            pos = {g: i for i, g in enumerate(groups)}
            gstr = est[b].astype(str)
            idx = np.array([pos[g] for g in gstr])
            frames.append(
                pd.DataFrame(
                    {
                        "question": q, "kind": "mean", "level": "", "breakdown": b,
                        "group": gstr.to_numpy(), "estimate": est["estimate"].to_numpy(),
                        "se": est["se"].to_numpy(), "ci_low": est["ci_low"].to_numpy(),
                        "ci_high": est["ci_high"].to_numpy(), "n": n[idx], "N": N[idx],
                        "diff": diff[idx], "diff_se": diff_se[idx], "p_value": p[idx],
                    }
                )
            )  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def _is_categorical(data: pd.DataFrame, var: str) -> bool:
    s = data[var]
    return (
        isinstance(s.dtype, pd.CategoricalDtype)
        or not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s))
        or pd.api.types.is_bool_dtype(s)
    )


def design_cells(
    design: Any,
    questions: list[str],
    breakdowns: list[str],
    *,
    as_categorical: Sequence[str] = (),
) -> pd.DataFrame:
    """Cells of the banner (with the whole-population column) from the survey engine.

    Categorical questions (categoricals, text, booleans, and numeric codes listed in
    ``as_categorical``) give one row per answer level (weighted %); numeric ones give a mean.
    """
    data = check_variables(design, questions, "questions")
    check_variables(design, breakdowns, "breakdowns")
    unknown = [v for v in as_categorical if v not in questions]
    if unknown:
        raise BannerError(
            f"as_categorical: {unknown} are not among the questions {questions}; list only "
            "numeric questions whose codes are answer levels."
        )
    if not hasattr(design, "banner_cells"):
        raise BannerError(
            "design: this design has no banner_cells method; banner() needs the survey engine's "
            "SurveyDesign (arefie_studies.survey) or use BannerTable.from_cells with your cells."
        )
    cat_q = [q for q in questions if q in as_categorical or _is_categorical(data, q)]
    num_q = [q for q in questions if q not in cat_q]
    parts = []
    if cat_q:
        parts.append(_categorical_cells(design, cat_q, breakdowns))
    if num_q:
        parts.append(_mean_cells(design, num_q, breakdowns))
    cells = pd.concat(parts, ignore_index=True)
    # Keep the order given by the caller (questions, then whole population, then breakdowns).
    qpos = {q: i for i, q in enumerate(questions)}
    bpos = {b: i + 1 for i, b in enumerate(breakdowns)}
    bpos[""] = 0
    order = np.lexsort(
        (cells["breakdown"].map(bpos).to_numpy(), cells["question"].map(qpos).to_numpy())
    )
    cells = cells.iloc[order].reset_index(drop=True)
    cells["level"] = cells["level"].map(_tidy_level)
    cells["group"] = cells["group"].map(_tidy_level)
    return cells


_BOOL_FR = {"True": "Oui", "False": "Non"}


def _tidy_level(text: str) -> str:
    """Numeric codes print as integers ('2.0' -> '2'); booleans in French (True -> 'Oui')."""
    if text in _BOOL_FR:
        return _BOOL_FR[text]
    if text.endswith(".0") and text[:-2].lstrip("-").isdigit():
        return text[:-2]
    return text


def design_tests(design: Any, cells: pd.DataFrame, breakdowns: list[str]) -> pd.DataFrame:
    """Rao–Scott F test of independence per categorical question × breakdown, from the
    engine's ``design.chisq_batch(pairs)`` (the numbers of ``design.chisq(q, b)``); no test
    (NaN) when the design has no ``chisq_batch`` or for numeric questions.

    Mirrors: survey::svychisq(~q + b, design, statistic = "F").
    """
    kinds = cells.drop_duplicates("question").set_index("question")["kind"]
    pairs = [(q, b) for q, kind in kinds.items() if kind == "proportion" for b in breakdowns]
    results: dict[tuple[str, str], tuple[float, Any, float]] = {}
    if pairs and hasattr(design, "chisq_batch"):
        res = design.chisq_batch(pairs, statistic="F")
        for r in res.itertuples(index=False):
            df = None if np.isnan(r.ndf) else (float(r.ndf), float(r.ddf))
            results[(r.row, r.col)] = (float(r.statistic), df, float(r.p_value))
    rows = []
    for q in kinds.index:
        for b in breakdowns:
            stat, df, p = results.get((q, b), (np.nan, None, np.nan))
            rows.append({"question": q, "breakdown": b, "statistic": stat, "df": df, "p_value": p})
    return pd.DataFrame(rows, columns=["question", "breakdown", "statistic", "df", "p_value"])
