"""Design-based estimation with R ``survey`` semantics.

``SurveyDesign`` (linearisation) and ``ReplicateDesign`` (replicate weights) share one set of
estimators returning tidy DataFrames; see ``_base`` for the output contract.

Errors: one family rooted at :class:`SurveyError` (a ``ValueError``); the tree is in
:mod:`arefie_studies.survey.errors` and every class is exported here.
"""

from ._columns import cross, cross_label, cross_name
from ._contrast import contrast
from ._design import SurveyDesign
from ._replicate import ReplicateDesign, replicate_vcov
from ._variance import linearized_vcov
from .errors import (
    ArgumentError,
    CalibrationError,
    CalibrationWarning,
    DesignSpecError,
    EmptyDomainError,
    EmptyGroupWarning,
    FpcError,
    GLMConvergenceWarning,
    LonelyPSUError,
    MarginError,
    MissingVariableError,
    ModelFormulaError,
    NestingError,
    ReplicateWarning,
    ReplicateWeightsError,
    SurveyError,
    VariableTypeError,
    WeightsError,
)

__all__ = [
    "ArgumentError",
    "CalibrationError",
    "CalibrationWarning",
    "DesignSpecError",
    "EmptyDomainError",
    "EmptyGroupWarning",
    "FpcError",
    "GLMConvergenceWarning",
    "LonelyPSUError",
    "MarginError",
    "MissingVariableError",
    "ModelFormulaError",
    "NestingError",
    "ReplicateDesign",
    "ReplicateWarning",
    "ReplicateWeightsError",
    "SurveyDesign",
    "SurveyError",
    "VariableTypeError",
    "WeightsError",
    "contrast",
    "cross",
    "cross_label",
    "cross_name",
    "linearized_vcov",
    "replicate_vcov",
]
