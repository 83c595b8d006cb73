"""A study's declared inputs, read as its config says: validated against their codebook, identifying
columns dropped or pseudonymised.  Notebooks call :func:`load_inputs`::

    from arefie_studies.pipeline.inputs import load_inputs
    data = load_inputs("sante_jeunes")      # {"enquete": DataFrame, ...}
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path

from arefie_studies.pipeline.config import InputSpec, StudyConfig, load_config
from arefie_studies.pipeline.layout import find_root

__all__ = ["InputColumnError", "load_inputs", "read_input", "validate_input"]


class InputColumnError(ValueError):
    """A column the study config names (drop / pseudonymise / identifiers) is not in the data."""


def read_input(spec: InputSpec, root: Path):
    """Read one input with ``arefie_studies.io.read_data`` (labels as categoricals)."""
    from arefie_studies.io import read_data

    df, _codebook = read_data(Path(root) / spec.path)
    return df


def validate_input(spec: InputSpec, root: Path, config_path: Path | str = "study config"):
    """Read one input and, when it declares a codebook, validate it (raises the io layer's
    ``DataValidationError`` / ``DataReadError``); check the declared identifying columns exist."""
    df = read_input(spec, root)
    if spec.codebook:
        from arefie_studies.io import Codebook, validate_frame

        codebook = Codebook.from_yaml(Path(root) / spec.codebook)
        result = validate_frame(df, codebook, source=str(Path(root) / spec.path))
        if result is not None and hasattr(result, "columns"):
            df = result
    _check_columns(spec, df, config_path)
    return df


def _check_columns(spec: InputSpec, df, config_path) -> None:
    available = [str(c) for c in df.columns]
    for key in ("identifiers", "pseudonymise", "drop"):
        missing = [c for c in getattr(spec, key) if c not in available]
        if missing:
            shown = ", ".join(available[:30]) + (" …" if len(available) > 30 else "")
            raise InputColumnError(
                f"{config_path}: key 'inputs.{spec.name}.{key}' names column(s) {', '.join(missing)} "
                f"absent from {spec.path}. Available columns: {shown}."
            )


def pseudonym(value: object, key: bytes) -> str:
    """Keyed hash (HMAC-SHA256, 16 hex digits) of a value: stable for one key, not reversible."""
    return hmac.new(key, str(value).encode("utf-8"), hashlib.sha256).hexdigest()[:16]


def load_inputs(study: str | StudyConfig, root: str | Path | None = None, *, validate: bool = True,
                key: bytes | None = None) -> dict:
    """Every input of a study as a DataFrame, with ``drop`` columns removed and ``pseudonymise``
    columns replaced by keyed hashes (one ``key`` for all inputs of the call, so joins still work;
    default: a random key, so pseudonyms differ between runs)."""
    root = Path(root) if root is not None else find_root()
    config = study if isinstance(study, StudyConfig) else load_config(
        root / "studies" / f"{study}.yaml", root)
    key = key if key is not None else secrets.token_bytes(32)
    out = {}
    for spec in config.inputs.values():
        if validate:
            df = validate_input(spec, root, config.path)
        else:
            df = read_input(spec, root)
            _check_columns(spec, df, config.path)
        df = df.drop(columns=list(spec.drop))
        for col in spec.pseudonymise:
            if col in df.columns:
                codes = df[col].astype("string")
                df[col] = codes.map(lambda v: pseudonym(v, key), na_action="ignore")
        out[spec.name] = df
    return out
