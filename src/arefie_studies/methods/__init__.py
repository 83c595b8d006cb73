"""arefie_studies.methods: typologies (MCA + HCPC), trajectories (sequences) and survival."""

# MCA + HCPC (typologies)
from ._catdes import CatDes, catdes
from ._mca_errors import HCPCInputError, MCAInputError, NotFittedError
from ._ward import cut_tree
from .hcpc import HCPC
from .mca import MCA

# sequences and survival
from .sequences import (
    StateSequences,
    cluster_quality,
    pam,
    sequence_distances,
    ward_tree,
)
from .survival import cox_regression, coxph, kaplan_meier, median_table

__all__ = [
    "HCPC",
    "MCA",
    "CatDes",
    "HCPCInputError",
    "MCAInputError",
    "NotFittedError",
    "StateSequences",
    "catdes",
    "cluster_quality",
    "cox_regression",
    "coxph",
    "cut_tree",
    "kaplan_meier",
    "median_table",
    "pam",
    "sequence_distances",
    "ward_tree",
]
