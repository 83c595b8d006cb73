"""arefie_studies.methods"""

# sequences and survival (methods-seq)
from arefie_studies.methods.sequences import (
    StateSequences,
    cluster_quality,
    pam,
    sequence_distances,
    ward_tree,
)
from arefie_studies.methods.survival import cox_regression, kaplan_meier, median_table

__all__ = [
    "StateSequences",
    "cluster_quality",
    "cox_regression",
    "kaplan_meier",
    "median_table",
    "pam",
    "sequence_distances",
    "ward_tree",
]
