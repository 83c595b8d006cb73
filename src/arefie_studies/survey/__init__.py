"""Design-based estimation with R ``survey`` semantics.

``SurveyDesign`` (linearisation) and ``ReplicateDesign`` (replicate weights) share one set of
estimators returning tidy DataFrames; see ``_base`` for the output contract.
"""

from ._design import SurveyDesign
from ._replicate import ReplicateDesign, replicate_vcov
from ._variance import linearized_vcov
from .errors import (
    DesignSpecError,
    EmptyDomainError,
    FpcError,
    LonelyPSUError,
    MissingVariableError,
    NestingError,
    ReplicateWeightsError,
    SurveyError,
    VariableTypeError,
    WeightsError,
)

__all__ = [
    "DesignSpecError",
    "EmptyDomainError",
    "FpcError",
    "LonelyPSUError",
    "MissingVariableError",
    "NestingError",
    "ReplicateDesign",
    "ReplicateWeightsError",
    "SurveyDesign",
    "SurveyError",
    "VariableTypeError",
    "WeightsError",
    "linearized_vcov",
    "replicate_vcov",
]
