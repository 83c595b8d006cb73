"""A study's declared inputs, read as its config says: validated against their codebook, identifying
columns pseudonymised or dropped (by :mod:`arefie_studies.io`).  Notebooks call :func:`load_inputs`::

    from arefie_studies.pipeline.inputs import load_inputs
    data = load_inputs("sante_jeunes")      # {"enquete": DataFrame, ...}
"""

from __future__ import annotations

from pathlib import Path

from arefie_studies.pipeline.config import InputSpec, StudyConfig, load_config
from arefie_studies.pipeline.layout import find_root

__all__ = ["InputColumnError", "declared_codebook", "load_inputs", "read_input", "validate_input"]


class InputColumnError(ValueError):
    """A column the study config names (identifiers / pseudonymise / drop) is not in the data."""


def declared_codebook(spec: InputSpec, root: Path):
    """The input's codebook (``inputs.<name>.codebook``) or None."""
    if not spec.codebook:
        return None
    from arefie_studies.io import Codebook

    return Codebook.from_yaml(Path(root) / spec.codebook)


def read_input(spec: InputSpec, root: Path):
    """``(df, codebook)`` of one input, read with its declared codebook (labels as categoricals)."""
    from arefie_studies.io import read_data

    return read_data(Path(root) / spec.path, codebook=declared_codebook(spec, root))


def validate_input(spec: InputSpec, root: Path, config_path: Path | str = "study config"):
    """Read one input and validate it against its codebook; raises the io layer's
    ``DataReadError`` / ``DataValidationError`` / ``CodebookError``, or :class:`InputColumnError`
    when the config names columns the file lacks.  Returns the frame."""
    from arefie_studies.io import validate_frame

    declared = declared_codebook(spec, root)
    df, _ = read_input(spec, root)
    if declared is not None:
        validate_frame(df, declared, source=str(Path(root) / spec.path))
    _check_columns(spec, df, config_path)
    return df


def _check_columns(spec: InputSpec, df, config_path) -> None:
    available = [str(c) for c in df.columns]
    for key in ("identifiers", "pseudonymise", "drop", "birth_dates"):
        missing = [c for c in getattr(spec, key) if c not in available]
        if missing:
            shown = ", ".join(available[:30]) + (" …" if len(available) > 30 else "")
            raise InputColumnError(
                f"{config_path}: key 'inputs.{spec.name}.{key}' names column(s) {', '.join(missing)} "
                f"absent from {spec.path}. Available columns: {shown}."
            )


def load_inputs(study: str | StudyConfig, root: str | Path | None = None, *, validate: bool = True,
                key_env: str = "AREFIE_PSEUDO_KEY") -> dict:
    """Every input of a study as a DataFrame: validated against its codebook, ``pseudonymise``
    columns replaced by keyed pseudonyms (key from the environment variable ``key_env``; see
    :func:`arefie_studies.io.pseudonymise`), ``birth_dates`` reduced to the year, ``drop`` columns
    removed.  ``root`` defaults to :func:`find_root` (works from ``notebooks/`` in JupyterLab)."""
    from arefie_studies.io import pseudonymise

    root = Path(root) if root is not None else find_root()
    config = study if isinstance(study, StudyConfig) else load_config(
        root / "studies" / f"{study}.yaml", root)
    out = {}
    for spec in config.inputs.values():
        if validate:
            df = validate_input(spec, root, config.path)
        else:
            df, _ = read_input(spec, root)
            _check_columns(spec, df, config.path)
        if spec.pseudonymise or spec.birth_dates:
            df = pseudonymise(df, list(spec.pseudonymise), key_env, birth_dates=list(spec.birth_dates))
        out[spec.name] = df.drop(columns=list(spec.drop))
    return out
