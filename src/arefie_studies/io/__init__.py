"""Data intake: read any study file with its labels, describe it, validate it, pseudonymise it.

Public API::

    df, cb = read_data("data/synthetic/sante_jeunes_2024.sav", pseudonymise=["id_jeune"])
    validate_frame(df, Codebook.from_yaml("data/codebooks/sante_jeunes_2024.yaml"), source=path)
    write_sav(df, "out.sav", variable_labels=..., value_labels=..., missing_ranges=..., measure=...)
"""

from arefie_studies.io.codebook import Codebook, Variable, codebook_from_frame
from arefie_studies.io.errors import (
    CodebookError,
    DataReadError,
    DataValidationError,
    Problem,
    PseudonymisationWarning,
)
from arefie_studies.io.pseudo import pseudonymise
from arefie_studies.io.read import read_data
from arefie_studies.io.validate import validate_frame
from arefie_studies.io.write import write_parquet, write_sav

__all__ = [
    "Codebook",
    "CodebookError",
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
