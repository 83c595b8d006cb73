"""Data intake: read any study file with its labels, describe it, validate it, pseudonymise it.

Public API::

    df, cb = read_data("data/synthetic/sante_jeunes_2024.sav", pseudonymise=["id_jeune"])
    validate_frame(df, Codebook.from_yaml("data/codebooks/sante_jeunes_2024.yaml"), source=path)
    write_sav(df, "out.sav", variable_labels=..., value_labels=..., missing_ranges=..., measure=...)

The writers are imported on first use (pyarrow and pyreadstat are not needed to read a study).
"""

from arefie_studies.io.codebook import Codebook, Variable, codebook_from_frame
from arefie_studies.io.errors import (
    CodebookError,
    DataIntakeWarning,
    DataReadError,
    DataValidationError,
    Problem,
    PseudonymisationWarning,
)
from arefie_studies.io.pseudo import pseudonymise
from arefie_studies.io.read import read_data
from arefie_studies.io.validate import validate_frame

__all__ = [
    "Codebook",
    "CodebookError",
    "DataIntakeWarning",
    "DataReadError",
    "DataValidationError",
    "Problem",
    "PseudonymisationWarning",
    "Variable",
    "codebook_from_frame",
    "pseudonymise",
    "read_data",
    "validate_frame",
    "write_parquet",
    "write_sav",
]


def __getattr__(name: str):
    if name in ("write_parquet", "write_sav"):  # lazy: pyarrow/pyreadstat writers on first use
        from arefie_studies.io import write

        return getattr(write, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
