"""A study's declared inputs, read as its config says: validated against their codebook, identifying
columns pseudonymised or dropped (by :mod:`arefie_studies.io`), plus its declared reference files.
Study modules receive them as one :class:`StudyInputs` (:func:`load_study_inputs`) and never open a
file themselves, so everything a result depends on is declared, fingerprinted and cached::

    from arefie_studies.project import load_study_inputs
    inputs = load_study_inputs("sante_jeunes")   # .frames["enquete"], .references["population"], ...
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from arefie_studies.project.config import InputSpec, StudyConfig, StudyConfigError, load_config
from arefie_studies.project.layout import find_root

__all__ = [
    "SYNTHETIC_PSEUDO_KEY",
    "InputColumnError",
    "PseudonymisationKeyError",
    "StudyInputs",
    "declared_codebook",
    "load_inputs",
    "load_references",
    "load_study_inputs",
    "pseudo_key",
    "read_input",
    "study_config",
    "validate_input",
]


#: Pseudonymisation key of synthetic inputs (public: their identifiers are invented). Real inputs
#: need the observatory's key in the environment; without it loading them is an error.
SYNTHETIC_PSEUDO_KEY = b"arefie-studies synthetic data (public key)"


class PseudonymisationKeyError(RuntimeError):
    """A real (non-synthetic) input must be pseudonymised but no key is set in the environment."""


def pseudo_key(spec: InputSpec, key_env: str = "AREFIE_PSEUDO_KEY") -> bytes:
    """The key that pseudonymises ``spec``'s identifiers: the environment variable ``key_env``
    when set; for synthetic inputs, :data:`SYNTHETIC_PSEUDO_KEY`; otherwise an error (a random
    key would silently change every pseudonym from one run to the next)."""
    import os

    value = os.environ.get(key_env)
    if value:
        return value.encode("utf-8")
    if spec.is_synthetic:
        return SYNTHETIC_PSEUDO_KEY
    raise PseudonymisationKeyError(
        f"input '{spec.name}' ({spec.path}): columns {list(spec.pseudonymise)} must be pseudonymised "
        f"but the environment variable {key_env} is not set. Hint: set it to the observatory's key "
        "(kept outside the repository, e.g. in /etc/arefie/pseudo.env) before running the study.")


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
            key = pseudo_key(spec, key_env) if spec.pseudonymise else None
            df = pseudonymise(df, list(spec.pseudonymise), key_env, birth_dates=list(spec.birth_dates),
                              key=key)
        out[spec.name] = df.drop(columns=list(spec.drop))
    return out


def study_config(study: str | StudyConfig, root: str | Path | None = None) -> StudyConfig:
    """``studies/<slug>.yaml`` of the project at ``root`` (default :func:`find_root`)."""
    if isinstance(study, StudyConfig):
        return study
    root = Path(root) if root is not None else find_root()
    return load_config(root / "studies" / f"{study}.yaml", root)


def load_references(config: StudyConfig, root: str | Path, names: Sequence[str] | None = None) -> dict:
    """The declared reference files (``references:``, CSV) as DataFrames, read with pandas'
    defaults (a study converts code columns itself); ``names`` restricts them."""
    import pandas as pd

    from arefie_studies.io import DataReadError

    out = {}
    for name, spec in config.references.items():
        if names is not None and name not in names:
            continue
        path = Path(root) / spec.path
        if not path.is_file():
            raise DataReadError(
                f"{config.path}: reference '{name}' not found: {spec.path} "
                f"(key 'references.{name}.path').")
        try:
            out[name] = pd.read_csv(path)
        except (ValueError, UnicodeDecodeError) as exc:
            raise DataReadError(f"{path}: reference '{name}' is not a readable CSV file ({exc}).") from None
    return out


@dataclass(frozen=True)
class StudyInputs:
    """Everything a study's ``compute`` may read: the microdata ``frames`` (pseudonymised as the
    config says), their ``codebooks``, the ``references`` tables, the ``config`` and the root."""

    config: StudyConfig
    root: Path
    frames: dict[str, Any] = field(default_factory=dict)
    codebooks: dict[str, Any] = field(default_factory=dict)
    references: dict[str, Any] = field(default_factory=dict)

    @property
    def synthetic(self) -> bool:
        """True when any microdata input is synthetic."""
        return self.config.is_synthetic


def load_study_inputs(study: str | StudyConfig, root: str | Path | None = None, *,
                      inputs: Sequence[str] | None = None, validate: bool = False) -> StudyInputs:
    """The declared inputs (``inputs`` restricts them by name), codebooks and references of a
    study. ``validate=False`` by default because ``arefie-studies run`` validates every input once
    before any notebook starts (pass True when running a notebook by hand on new data)."""
    root = Path(root) if root is not None else find_root()
    config = study_config(study, root)
    if inputs is not None:
        unknown = [i for i in inputs if i not in config.inputs]
        if unknown:
            raise StudyConfigError(
                f"{config.path}: no input named {unknown} (declared: {list(config.inputs)}).")
        config = replace(config, inputs={k: v for k, v in config.inputs.items() if k in inputs})
    for name, spec in config.inputs.items():
        if not (root / spec.path).is_file():
            from arefie_studies.project.cache import MissingInputError

            hint = (" Hint: the synthetic data are generated by `arefie-studies synth` (run it once "
                    "in a terminal at the project root, or `run` does it)." if spec.is_synthetic else "")
            raise MissingInputError(f"{config.path}: key 'inputs.{name}.path': file not found: "
                                    f"{spec.path}.{hint}")
    frames = load_inputs(config, root, validate=validate)
    codebooks = {name: declared_codebook(spec, root) for name, spec in config.inputs.items()}
    return StudyInputs(config=config, root=root, frames=frames, codebooks=codebooks,
                       references=load_references(config, root))
