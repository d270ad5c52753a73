"""The lenient scalar readers of ``adapters/joinquant/wire.py``: any wire value gives a value, never an exception.

protocol.md §1.3: the site sends numbers as strings or numbers and ``""``/``null`` where a value is
missing; what cannot be read as the type reads as "missing" (0 for ints, None for floats).  That
includes infinities and NaN, as numbers or as text: no int has their value, and JSON has no such float.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jqcli.adapters.joinquant.wire import converter, lenient_float, lenient_int

NON_FINITE = [
    "inf",
    "-inf",
    "+inf",
    "nan",
    "-nan",
    "NaN",
    "Infinity",
    " -INFINITY ",
    "1e400",
    "-1e400",
    "1,e400",
    float("inf"),
    float("-inf"),
    float("nan"),
    1e400,
]


@pytest.mark.parametrize("value", NON_FINITE)
def test_non_finite_values_read_as_missing(value: Any) -> None:
    assert lenient_int(value) == 0
    assert lenient_float(value) is None


def test_the_converter_reads_non_finite_numbers_as_missing() -> None:
    conv = converter()
    assert conv.structure("inf", int) == 0
    assert conv.structure("1e400", float) == 0.0


@pytest.mark.parametrize(
    ("value", "want"),
    [("12", 12), (12, 12), (12.7, 12), ("12.7", 12), ("1,234", 1234), (" 7 ", 7), ("-3", -3), ("+5", 5)]
    + [("", 0), (None, 0), ("x", 0), ("--", 0), (True, 1), ([], 0), ("1e3", 1000), ("-2.9", -2)],
)
def test_the_documented_shapes_still_read_the_same(value: Any, want: int) -> None:
    assert lenient_int(value) == want


def test_an_int_beyond_the_float_range_is_not_a_float() -> None:
    assert lenient_int(10**400) == 10**400
    assert lenient_float(10**400) is None


@given(st.integers())
def test_digit_strings_read_exactly(n: int) -> None:
    assert lenient_int(str(n)) == n
    assert lenient_int(f"{n:,}") == n
    assert lenient_int(f"  {n}\t") == n


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_any_float_or_its_text_reads_as_its_integer_part_or_missing(x: float) -> None:
    want = int(x) if math.isfinite(x) else 0
    assert lenient_int(x) == want
    assert lenient_int(repr(x)) == want
    assert lenient_float(x) == (x if math.isfinite(x) else None)
    got = lenient_float(repr(x))
    assert got == x if math.isfinite(x) else got is None


@given(st.one_of(st.text(), st.none(), st.booleans(), st.integers(), st.floats(), st.lists(st.integers())))
def test_nothing_on_the_wire_raises(value: Any) -> None:
    got = lenient_int(value)
    assert type(got) is int
    number = lenient_float(value)
    assert number is None or (type(number) is float and math.isfinite(number))


@given(st.text(alphabet="0123456789eE+-.,infINFaty ", max_size=12))
def test_numeric_looking_junk_never_raises(text: str) -> None:
    assert type(lenient_int(text)) is int
    number = lenient_float(text)
    assert number is None or math.isfinite(number)
