"""Pseudonymisation of identifiers: keyed HMAC-SHA256, key from the environment, never in the repo.

The key is read from an environment variable (default ``AREFIE_PSEUDO_KEY``). When it is absent a
random key is drawn once per process, with a :class:`PseudonymisationWarning`: identifiers are then
still hidden, but pseudonyms differ between runs and cannot be linked across files or waves.
Birth dates are reduced to a year or an age so a report never sees a full date of birth.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import warnings
from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

from arefie_studies.io.errors import PseudonymisationWarning

#: Length (hex characters) of a pseudonym: 80 bits, collisions negligible for millions of ids.
PSEUDONYM_LENGTH = 20


@lru_cache(maxsize=1)
def _process_key() -> bytes:
    return secrets.token_bytes(32)


def _key(key_env: str) -> bytes:
    value = os.environ.get(key_env)
    if value:
        return value.encode("utf-8")
    warnings.warn(
        f"Environment variable {key_env} is not set: identifiers are pseudonymised with a random "
        "per-process key, so pseudonyms cannot be linked across runs. Set it (never commit it) "
        "to get stable pseudonyms.",
        PseudonymisationWarning,
        stacklevel=3,
    )
    return _process_key()


def hmac_pseudonym(values: Sequence[object], key: bytes) -> np.ndarray:
    """HMAC-SHA256 of each value's text, truncated to :data:`PSEUDONYM_LENGTH` hex characters."""
    out = np.empty(len(values), dtype=object)
    cache: dict[str, str] = {}
    for i, v in enumerate(values):
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            out[i] = None
            continue
        text = str(v).strip()
        if text not in cache:
            cache[text] = hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()[:PSEUDONYM_LENGTH]
        out[i] = cache[text]
    return out


def _parse_dates(s: pd.Series) -> pd.Series:
    """Dates as datetime: ISO 8601 first, then French day-first ``dd/mm/yyyy``."""
    if pd.api.types.is_datetime64_any_dtype(s):
        return s
    iso = pd.to_datetime(s, errors="coerce", format="ISO8601")
    fr = pd.to_datetime(s.where(iso.isna()), errors="coerce", format="%d/%m/%Y")
    return iso.fillna(fr)


def pseudonymise(
    df: pd.DataFrame,
    columns: Sequence[str],
    key_env: str = "AREFIE_PSEUDO_KEY",
    *,
    birth_dates: Sequence[str] | Mapping[str, str] = (),
    reference_date: str | pd.Timestamp | None = None,
    key: bytes | None = None,
) -> pd.DataFrame:
    """Return a copy with ``columns`` replaced by keyed pseudonyms and birth dates reduced.

    ``birth_dates`` lists date-of-birth columns (or maps them to ``"year"`` | ``"age"``; default
    ``"year"``): the column keeps its name but holds the year of birth, or the age in completed
    years at ``reference_date`` (default: today). ``key`` (bytes) is used instead of the
    environment variable when given. Raises ``KeyError`` naming missing columns.
    """
    if isinstance(birth_dates, Mapping):
        dob = dict(birth_dates)
    else:
        dob = {c: "year" for c in birth_dates}
    wanted = list(columns) + list(dob)
    missing = [c for c in wanted if c not in df.columns]
    if missing:
        raise KeyError(
            f"pseudonymise: columns {missing} are not in the data; available: {', '.join(map(str, df.columns))}"
        )
    bad = {c: m for c, m in dob.items() if m not in ("year", "age")}
    if bad:
        raise ValueError(f"pseudonymise: birth_dates modes {bad} are not 'year' or 'age'.")
    out = df.copy()
    labels = dict(out.attrs.get("variable_labels", {}) or {})
    if columns:
        key = key if key is not None else _key(key_env)
        for col in columns:
            out[col] = pd.Series(hmac_pseudonym(out[col].astype(object).to_numpy(), key),
                                 index=out.index, dtype="string")
            labels[col] = (labels.get(col) or col) + " (pseudonymisé)"
    if dob:
        ref = pd.Timestamp(reference_date) if reference_date is not None else pd.Timestamp.today().normalize()
        for col, mode in dob.items():
            d = _parse_dates(out[col])
            if mode == "year":
                out[col] = d.dt.year.astype("Int64")
                labels[col] = (labels.get(col) or col) + " (année)"
            else:
                before = (d.dt.month > ref.month) | ((d.dt.month == ref.month) & (d.dt.day > ref.day))
                out[col] = (ref.year - d.dt.year - before.astype(int)).astype("Int64")
                labels[col] = f"Âge au {ref:%d/%m/%Y}"
    out.attrs["variable_labels"] = labels
    return out
