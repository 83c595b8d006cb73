"""Input preparation for MCA: factors, level order, missing categories, indicator matrix.

Mirrors the data handling at the top of ``FactoMineR::MCA`` (version 2.7):

* non-numeric columns become factors; unused levels are dropped (``droplevels``);
* level order is R's: a pandas ``Categorical`` keeps its categories, any other column is sorted the
  way R sorts strings in an English locale (case and punctuation ignored first, see
  :func:`r_collation_key`), so that the categories come out in FactoMineR's order;
* a level shared by two variables makes every level of those variables ``"<var>_<level>"``;
* missing values in an active (or supplementary categorical) column become the level
  ``"<var>.NA"``; as in FactoMineR, when any active column has a missing value all active columns are
  re-levelled alphabetically (``as.factor(as.character(x))``), and likewise for supplementary ones;
* missing values of supplementary numeric columns are replaced by the (unweighted) column mean;
* indicator column names: the level, or ``"<var>.<level>"`` for levels ``y n Y N`` (as
  ``FactoMineR::tab.disjonctif``).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._mca_errors import MCAInputError

__all__ = ["PreparedMCAData", "as_text", "prepare_mca_data", "r_collation_key", "r_sorted"]

_ALNUM = re.compile(r"[^0-9a-z]+")


def r_collation_key(value: str) -> tuple[str, str, str, str]:
    """Sort key approximating R's ``sort()`` of strings in an ``en_US.UTF-8`` locale (glibc).

    First level: letters and digits only, case- and accent-insensitive (punctuation and spaces are
    ignored, so ``"Not.tea time" < "tea time"`` and ``"1 to 2/week" < "+2/day"``); then accents, then
    case (lower case first), then the raw string.
    """
    text = str(value)
    stripped = "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )
    primary = _ALNUM.sub("", stripped.casefold())
    secondary = _ALNUM.sub("", text.casefold())
    tertiary = _ALNUM.sub("", text.swapcase()) if text else ""
    return primary, secondary, tertiary, text


def r_sorted(values: Sequence[str]) -> list[str]:
    """Sort strings as R's ``sort()`` does in an English locale (see :func:`r_collation_key`)."""
    return sorted(values, key=r_collation_key)


@dataclass(frozen=True)
class PreparedMCAData:
    """Factors and matrices ready for the MCA computations."""

    data: pd.DataFrame  # all used columns, factors as pandas Categorical (FactoMineR's res$call$X)
    active: list[str]
    quali_sup: list[str]
    quanti_sup: list[str]
    indicator: np.ndarray  # n x J, active categories
    categories: pd.DataFrame  # index = category label; columns variable, level
    sup_indicator: np.ndarray  # n x Jsup
    sup_categories: pd.DataFrame
    quanti: pd.DataFrame  # supplementary numeric columns, NA imputed
    level_maps: dict[str, dict[str, str]]  # per factor column: value as text -> level label


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _as_levels(series: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Return (codes with -1 for missing, levels) as R's ``droplevels(as.factor(x))``."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        cat = series.cat.remove_unused_categories()
        levels = [str(c) for c in cat.cat.categories]
        return cat.cat.codes.to_numpy(dtype=np.int64), levels
    text = as_text(series)
    levels = r_sorted(text.dropna().unique().tolist())
    lookup = {lev: i for i, lev in enumerate(levels)}
    codes = text.map(lookup).fillna(-1).to_numpy(dtype=np.int64)
    return codes, levels


def as_text(series: pd.Series) -> pd.Series:
    """Values as R's ``as.character``: logicals as ``TRUE``/``FALSE``, missing kept missing."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.astype(object).map(lambda v: v if pd.isna(v) else str(v))
    non_missing = series.dropna()
    is_logical = pd.api.types.is_bool_dtype(series) or (
        len(non_missing) > 0 and all(isinstance(v, bool | np.bool_) for v in non_missing))
    if is_logical:
        return series.map(lambda v: v if pd.isna(v) else ("TRUE" if v else "FALSE"))
    return series.map(lambda v: v if pd.isna(v) else str(v))


def _relevel_with_na(name: str, codes: np.ndarray, levels: list[str]) -> tuple[np.ndarray, list[str]]:
    """``as.factor(replace(as.character(x), is.na(x), "<name>.NA"))``: re-sorted levels."""
    labels = np.array([*levels, f"{name}.NA"], dtype=object)
    text = labels[np.where(codes < 0, len(levels), codes)]
    new_levels = r_sorted(list(dict.fromkeys(text.tolist())))
    lookup = {lev: i for i, lev in enumerate(new_levels)}
    new_codes = np.fromiter((lookup[t] for t in text), dtype=np.int64, count=len(text))
    return new_codes, new_levels


def _indicator(codes: dict[str, np.ndarray], levels: dict[str, list[str]], columns: list[str],
               n: int) -> tuple[np.ndarray, pd.DataFrame]:
    """Complete disjunctive table, columns in variable order then level order."""
    sizes = [len(levels[c]) for c in columns]
    offsets = np.concatenate([[0], np.cumsum(sizes)])[:-1].astype(np.int64)
    total = int(sum(sizes))
    z = np.zeros((n, total))
    rows = np.arange(n)
    for col, off in zip(columns, offsets, strict=True):
        c = codes[col]
        ok = c >= 0
        z[rows[ok], off + c[ok]] = 1.0
    rename_yn = len(columns) > 1  # tab.disjonctif renames y/n levels only for several columns
    names, variables, lev = [], [], []
    for col in columns:
        for level in levels[col]:
            label = f"{col}.{level}" if rename_yn and level in {"y", "n", "Y", "N"} else level
            names.append(label)
            variables.append(col)
            lev.append(level)
    cats = pd.DataFrame({"variable": variables, "level": lev}, index=pd.Index(names, name="category"))
    return z, cats


def prepare_mca_data(df: pd.DataFrame, quali_sup: Sequence[str] | None,
                     quanti_sup: Sequence[str] | None, exclude: Sequence[str] = ()) -> PreparedMCAData:
    """Validate the columns and build factors and indicator matrices as ``FactoMineR::MCA``."""
    if not isinstance(df, pd.DataFrame):
        raise MCAInputError(f"MCA.fit: `df` must be a pandas DataFrame, got {type(df).__name__}.")
    if df.shape[0] < 2:
        raise MCAInputError(f"MCA.fit: `df` has {df.shape[0]} row(s); at least 2 are needed.")
    if df.columns.duplicated().any():
        dup = df.columns[df.columns.duplicated()].tolist()
        raise MCAInputError(f"MCA.fit: duplicated column names {dup}; rename them first.")
    available = [str(c) for c in df.columns]
    qs = _column_list(quali_sup, "quali_sup", available)
    ns = _column_list(quanti_sup, "quanti_sup", available)
    both = sorted(set(qs) & set(ns))
    if both:
        raise MCAInputError(f"MCA.fit: columns {both} are in both `quali_sup` and `quanti_sup`.")
    used = [c for c in df.columns if str(c) not in exclude]
    frame = df[used].copy()
    frame.columns = [str(c) for c in used]
    active = [c for c in frame.columns if c not in qs and c not in ns]
    if not active:
        raise MCAInputError("MCA.fit: no active column left once `quali_sup`/`quanti_sup` are removed; "
                            f"columns: {available}.")
    numeric_active = [c for c in active if _is_numeric(frame[c])]
    if numeric_active:
        raise MCAInputError(
            f"MCA.fit: active columns {numeric_active} are numeric; MCA needs categorical columns. "
            "Hint: convert them (`df[col].astype('category')`) or pass them in `quanti_sup`.")
    numeric_qs = [c for c in qs if _is_numeric(frame[c])]
    if numeric_qs:
        raise MCAInputError(f"MCA.fit: `quali_sup` columns {numeric_qs} are numeric. Hint: convert "
                            "them to categories or pass them in `quanti_sup`.")
    bad_ns = [c for c in ns if not _is_numeric(frame[c])]
    if bad_ns:
        raise MCAInputError(f"MCA.fit: `quanti_sup` columns {bad_ns} are not numeric "
                            f"(dtypes {[str(frame[c].dtype) for c in bad_ns]}).")
    n = frame.shape[0]
    factors = [c for c in frame.columns if c not in ns]
    codes: dict[str, np.ndarray] = {}
    levels: dict[str, list[str]] = {}
    for col in factors:
        codes[col], levels[col] = _as_levels(frame[col])
    for col in active:
        if len(levels[col]) == 0:
            raise MCAInputError(f"MCA.fit: active column {col!r} has only missing values.")
    # duplicated level names across variables -> "<var>_<level>" (FactoMineR::MCA)
    counts = Counter(lev for col in factors for lev in levels[col])
    level_maps = {col: {lev: lev for lev in levels[col]} for col in factors}
    for col in factors:
        if any(counts[lev] > 1 for lev in levels[col]):
            level_maps[col] = {lev: f"{col}_{lev}" for lev in levels[col]}
            levels[col] = [f"{col}_{lev}" for lev in levels[col]]
    for group in (active, qs):
        if any((codes[c] < 0).any() for c in group):
            for col in group:
                codes[col], levels[col] = _relevel_with_na(col, codes[col], levels[col])
    z, cats = _indicator(codes, levels, active, n)
    if qs:
        zs, scats = _indicator(codes, levels, qs, n)
    else:
        zs, scats = np.zeros((n, 0)), pd.DataFrame({"variable": [], "level": []},
                                                   index=pd.Index([], name="category"))
    quanti = frame[ns].astype(float)
    quanti = quanti.fillna(quanti.mean())
    data = pd.DataFrame(index=df.index)
    for col in frame.columns:
        if col in ns:
            data[col] = quanti[col].to_numpy()
        else:
            data[col] = pd.Categorical.from_codes(codes[col], categories=levels[col])
    return PreparedMCAData(data=data, active=active, quali_sup=qs, quanti_sup=ns, indicator=z,
                           level_maps=level_maps,
                           categories=cats, sup_indicator=zs, sup_categories=scats, quanti=quanti)


def _column_list(value: Sequence[str] | str | None, argument: str, available: list[str]) -> list[str]:
    if value is None:
        return []
    names = [value] if isinstance(value, str) else [str(v) for v in value]
    missing = [v for v in names if v not in available]
    if missing:
        raise MCAInputError(f"MCA.fit: `{argument}` names columns {missing} that are not in `df`; "
                            f"available columns: {available}.")
    return list(dict.fromkeys(names))
