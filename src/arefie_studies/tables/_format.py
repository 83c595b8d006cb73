"""French number formatting for tables, charts and report text.

One convention everywhere: the thousands separator and the space before ``%``, ``;`` and ``:``
is the narrow no-break space U+202F (French typography, Imprimerie nationale); the decimal
mark is the comma. Missing values print as an en dash.

>>> fmt_int(35768)
'35\u202f768'
>>> fmt_pct(0.4932)
'49,3\u202f%'
>>> fmt_ci(0.451, 0.534)
'[45,1\u202f; 53,4]'
>>> fmt_p(0.0004)
'<\u202f0,001'
"""

from __future__ import annotations

import math
from numbers import Real

NNBSP = "\u202f"  # narrow no-break space: thousands separator and before % ; :
MISSING = "–"  # en dash for a missing or undefined value

__all__ = [
    "MISSING",
    "NNBSP",
    "fmt_ci",
    "fmt_int",
    "fmt_num",
    "fmt_p",
    "fmt_pct",
    "fmt_pct_points",
]


def _is_missing(x: object) -> bool:
    if x is None:
        return True
    try:
        return bool(math.isnan(float(x)))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def fmt_num(x: Real | None, digits: int = 1, *, sign: bool = False) -> str:
    """Format a number the French way: ``1234.56 -> '1 234,6'`` (U+202F grouping, comma decimal).

    ``sign=True`` prints an explicit ``+`` for positive values (differences, evolutions); the
    minus sign is the typographic U+2212.
    """
    if _is_missing(x):
        return MISSING
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(
            f"fmt_num: expected a number, got {x!r} ({type(x).__name__}); "
            "format labels as text, numbers with fmt_num/fmt_pct."
        ) from None
    if not math.isfinite(v):
        return MISSING
    s = f"{abs(v):,.{digits}f}"
    s = s.replace(",", NNBSP).replace(".", ",")
    # Avoid "-0,0": a value that rounds to zero carries no sign.
    rounded_zero = float(f"{abs(v):.{digits}f}") == 0.0
    if v < 0 and not rounded_zero:
        s = "\u2212" + s
    elif sign and v > 0 and not rounded_zero:
        s = "+" + s
    return s


def fmt_int(x: Real | None) -> str:
    """Format a count: ``35768 -> '35 768'`` (U+202F as thousands separator)."""
    return fmt_num(x, 0)


def fmt_pct(x: Real | None, digits: int = 1, *, scale: float = 100.0, sign: bool = False) -> str:
    """Format a proportion as a French percentage: ``0.493 -> '49,3 %'``.

    ``scale=1`` when ``x`` is already in percent.
    """
    if _is_missing(x):
        return MISSING
    return fmt_num(float(x) * scale, digits, sign=sign) + NNBSP + "%"  # type: ignore[arg-type]


def fmt_pct_points(x: Real | None, digits: int = 1, *, scale: float = 100.0) -> str:
    """Format a difference of proportions in percentage points: ``0.021 -> '+2,1 pts'``."""
    if _is_missing(x):
        return MISSING
    return fmt_num(float(x) * scale, digits, sign=True) + NNBSP + "pts"  # type: ignore[arg-type]


def fmt_ci(low: Real | None, high: Real | None, digits: int = 1, *, scale: float = 100.0) -> str:
    """Format a confidence interval: ``(0.451, 0.534) -> '[45,1 ; 53,4]'``.

    ``scale=100`` (default) for proportions, ``scale=1`` for means.
    """
    if _is_missing(low) or _is_missing(high):
        return MISSING
    lo = fmt_num(float(low) * scale, digits)  # type: ignore[arg-type]
    hi = fmt_num(float(high) * scale, digits)  # type: ignore[arg-type]
    return f"[{lo}{NNBSP}; {hi}]"


def fmt_p(p: Real | None, digits: int = 3) -> str:
    """Format a p-value: ``< 0,001`` below 10^-digits, otherwise ``0,032``."""
    if _is_missing(p):
        return MISSING
    v = float(p)  # type: ignore[arg-type]
    floor = 10.0 ** (-digits)
    if v < floor:
        return "<" + NNBSP + fmt_num(floor, digits)
    return fmt_num(min(v, 1.0), digits)
