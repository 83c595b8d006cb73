"""Colour-vision-deficiency checks: simulate deuteranopia/protanopia/tritanopia and measure how
far apart two colours look.

Simulation: Machado, Oliveira & Fernandes (2009), "A physiologically-based model for simulation
of color vision deficiency", IEEE TVCG 15(6), severity 1.0 matrices, applied to linear sRGB.
Distance: CIELAB ΔE*ab (CIE 1976) under D65. A ΔE of about 2 is just noticeable; colours used to
tell states apart in a filled chart should stay ≥ 15-20 apart for every reader.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import numpy as np

__all__ = ["MACHADO_2009", "delta_e", "min_distance", "simulate", "to_lab"]

MACHADO_2009: dict[str, np.ndarray] = {
    "normale": np.eye(3),
    "deuteranopie": np.array([[0.367322, 0.860646, -0.227968],
                              [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "protanopie": np.array([[0.152286, 1.052583, -0.204868],
                            [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "tritanopie": np.array([[1.255528, -0.076749, -0.178779],
                            [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}
_SRGB_TO_XYZ = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                         [0.0193, 0.1192, 0.9505]])
_WHITE = np.array([0.95047, 1.0, 1.08883])


def _linear(hex_colour: str) -> np.ndarray:
    h = hex_colour.lstrip("#")
    if len(h) != 6:
        raise ValueError(f"colour {hex_colour!r}: expected '#RRGGBB'.")
    c = np.array([int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)])
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def simulate(hex_colour: str, vision: str = "deuteranopie") -> np.ndarray:
    """Linear-sRGB colour as seen with ``vision`` (a key of :data:`MACHADO_2009`)."""
    if vision not in MACHADO_2009:
        raise ValueError(f"vision {vision!r}: choose one of {sorted(MACHADO_2009)}.")
    return np.clip(MACHADO_2009[vision] @ _linear(hex_colour), 0.0, 1.0)


def to_lab(linear_rgb: np.ndarray) -> np.ndarray:
    """CIELAB (D65) of a linear-sRGB colour."""
    t = (_SRGB_TO_XYZ @ linear_rgb) / _WHITE
    d = 6 / 29
    f = np.where(t > d**3, np.cbrt(t), t / (3 * d**2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def delta_e(a: str, b: str, vision: str = "normale") -> float:
    """ΔE*ab between two colours as seen with ``vision``."""
    return float(np.linalg.norm(to_lab(simulate(a, vision)) - to_lab(simulate(b, vision))))


def min_distance(colours: Sequence[str], visions: Sequence[str] = ("normale", "deuteranopie",
                                                                    "protanopie")) -> float:
    """Smallest ΔE*ab between two colours of ``colours`` over the given visions."""
    return min(delta_e(a, b, v) for v in visions for a, b in combinations(colours, 2))
