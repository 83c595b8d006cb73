"""The project below the studies: where it is (:func:`find_root`), what each study declares
(``studies/<slug>.yaml`` → :class:`StudyConfig`), its inputs read as declared
(:func:`load_study_inputs`), and the one cache of computed results keyed on everything a result
depends on (:mod:`.cache`). ``studies`` builds on this package and never imports ``pipeline``.
"""

from arefie_studies.project.cache import (
    MissingInputError,
    ResultsCache,
    compute_parameters,
    hash_cache,
    results_key,
    study_dependencies,
)
from arefie_studies.project.config import (
    DEFAULT_THRESHOLD,
    MIN_THRESHOLD,
    InputSpec,
    ReferenceSpec,
    StudyConfig,
    StudyConfigError,
    TableSpec,
    Variant,
    check_tables,
    load_config,
    load_configs,
)
from arefie_studies.project.inputs import (
    InputColumnError,
    PseudonymisationKeyError,
    StudyInputs,
    load_inputs,
    load_references,
    load_study_inputs,
    study_config,
)
from arefie_studies.project.layout import ProjectNotFoundError, find_root

__all__ = [
    "DEFAULT_THRESHOLD",
    "MIN_THRESHOLD",
    "InputColumnError",
    "InputSpec",
    "MissingInputError",
    "ProjectNotFoundError",
    "PseudonymisationKeyError",
    "ReferenceSpec",
    "ResultsCache",
    "StudyConfig",
    "StudyConfigError",
    "StudyInputs",
    "TableSpec",
    "Variant",
    "check_tables",
    "compute_parameters",
    "find_root",
    "hash_cache",
    "load_config",
    "load_configs",
    "load_inputs",
    "load_references",
    "load_study_inputs",
    "results_key",
    "study_config",
    "study_dependencies",
]
