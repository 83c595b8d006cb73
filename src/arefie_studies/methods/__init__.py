"""arefie_studies.methods"""

# MCA + HCPC (typologies)
from ._catdes import CatDes, catdes
from ._mca_errors import HCPCInputError, MCAInputError, NotFittedError
from .hcpc import HCPC
from .mca import MCA

__all__ = [
    # MCA + HCPC
    "HCPC",
    "MCA",
    "CatDes",
    "HCPCInputError",
    "MCAInputError",
    "NotFittedError",
    "catdes",
]
