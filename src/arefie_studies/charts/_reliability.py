"""The presentation rule on figures: bars of estimates not shown are left out (« nd » in their
place), flagged ones are hatched and marked « † », and the figure's note says why.

The decisions come from :func:`arefie_studies.tables.presentation_rule` (a ``decision`` column
with ``show``, ``flag`` or ``suppress``), the same rule the tables apply.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.container import BarContainer

from arefie_studies.tables import FLAG_MARK, FLAG_NOTE, NOT_SHOWN_MARK, NOT_SHOWN_NOTE

from ._common import ChartError

__all__ = ["FLAG_HATCH", "apply_presentation", "hatch_flagged", "presentation_note"]

FLAG_HATCH = "////"
_DECISIONS = {"show", "flag", "suppress"}


def apply_presentation(
    data: pd.DataFrame, decision: str, values: list[str | None]
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """A copy of ``data`` whose ``values`` columns (estimate, CI) are NaN where the decision is
    ``suppress`` — nothing of them is drawn — with the boolean masks (suppressed, flagged)."""
    if decision not in data.columns:
        raise ChartError(
            f"decision column {decision!r} not in data; available: {list(data.columns)}. "
            "Apply arefie_studies.tables.presentation_rule to the estimates first."
        )
    dec = data[decision].astype(str)
    bad = sorted(set(dec) - _DECISIONS)
    if bad:
        raise ChartError(f"decision column {decision!r}: unknown value(s) {bad}; expected "
                         f"{sorted(_DECISIONS)}.")
    out = data.copy()
    sup = (dec == "suppress").to_numpy()
    for col in values:
        if col is not None:
            out[col] = out[col].astype(float).where(~sup)
    return out, sup, (dec == "flag").to_numpy()


def hatch_flagged(bars: BarContainer, flagged: np.ndarray) -> None:
    """Hatch the bars of flagged estimates (white hatching on the bar colour)."""
    for patch, f in zip(bars.patches, flagged, strict=True):
        if f:
            patch.set_hatch(FLAG_HATCH)
            patch.set_edgecolor("white")
            patch.set_linewidth(0)


def presentation_note(suppressed: np.ndarray, flagged: np.ndarray) -> str:
    """The figure note for the marks it shows (empty when none)."""
    parts = []
    if np.any(suppressed):
        parts.append(NOT_SHOWN_NOTE)
    if np.any(flagged):
        parts.append(FLAG_NOTE.replace(f"{FLAG_MARK}", f"{FLAG_MARK} (barres hachurées)", 1))
    return " ".join(parts)


MARKS = (NOT_SHOWN_MARK, FLAG_MARK)
