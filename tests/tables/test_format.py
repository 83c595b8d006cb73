"""French number formatting: one convention (U+202F narrow no-break space, decimal comma)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arefie_studies.tables import (
    MISSING,
    NNBSP,
    fmt_ci,
    fmt_int,
    fmt_num,
    fmt_p,
    fmt_pct,
    fmt_pct_points,
)


def test_domain_examples():
    assert fmt_int(35768) == f"35{NNBSP}768"
    assert fmt_int(115109) == f"115{NNBSP}109"
    assert fmt_int(2612965) == f"2{NNBSP}612{NNBSP}965"
    assert fmt_pct(0.493) == f"49,3{NNBSP}%"
    assert fmt_ci(0.451, 0.534) == f"[45,1{NNBSP}; 53,4]"
    assert fmt_p(0.0004) == f"<{NNBSP}0,001"
    assert fmt_p(0.0321) == "0,032"
    assert fmt_p(1.2) == "1,000"


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (0, 1, "0,0"),
        (-0.04, 1, "0,0"),  # no "-0,0"
        (-1234.56, 1, f"\u22121{NNBSP}234,6"),
        (999.95, 1, f"1{NNBSP}000,0"),
        (12.5, 0, "12"),  # round half to even, as Python and R's sprintf do
        (13.5, 0, "14"),
    ],
)
def test_fmt_num(value, digits, expected):
    assert fmt_num(value, digits) == expected


def test_signs_and_points():
    assert fmt_num(2.5, 1, sign=True) == "+2,5"
    assert fmt_pct_points(-0.021) == f"\u22122,1{NNBSP}pts"
    assert fmt_pct(0.05, 0, sign=True) == f"+5{NNBSP}%"
    assert fmt_ci(19.84, 20.61, scale=1) == f"[19,8{NNBSP}; 20,6]"


def test_text_is_rejected_not_dashed():
    with pytest.raises(ValueError, match="expected a number, got 'x'"):
        fmt_num("x")


@pytest.mark.parametrize("missing", [None, float("nan"), math.inf])
def test_missing_values_print_a_dash(missing):
    assert fmt_num(missing) == MISSING
    if missing is not math.inf:
        assert fmt_pct(missing) == MISSING
        assert fmt_ci(missing, 0.2) == MISSING
        assert fmt_p(missing) == MISSING


@given(st.integers(-(10**12), 10**12))
def test_integers_roundtrip(n):
    s = fmt_int(n)
    assert " " not in s and "," not in s
    assert int(s.replace(NNBSP, "").replace("\u2212", "-")) == n
    # groups of three digits
    groups = s.lstrip("\u2212").split(NNBSP)
    assert all(len(g) == 3 for g in groups[1:]) and 1 <= len(groups[0]) <= 3


@given(st.floats(0, 1, allow_nan=False))
def test_percent_roundtrip(p):
    s = fmt_pct(p, 1)
    assert s.endswith(f"{NNBSP}%")
    assert float(s[:-2].replace(",", ".")) == pytest.approx(round(p * 100, 1), abs=0.051)
