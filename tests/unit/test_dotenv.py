"""The .env reader."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from jqcli.adapters.config.dotenv import parse_dotenv


def test_basic_forms() -> None:
    text = "\n".join(
        [
            "# comment",
            "",
            "A=1",
            "export B = two ",
            "C='single # not a comment'",
            'D="line\\nbreak \\"q\\""',
            "E=value # trailing comment",
            "F=",
            "G=a=b=c",
            "H=${A}-${MISSING:-dflt}",
            "I='${A}'",
            'J="multi',
            'line"',
            "not a valid line",
        ]
    )
    result = parse_dotenv(text)
    assert result.values == {
        "A": "1",
        "B": "two",
        "C": "single # not a comment",
        "D": 'line\nbreak "q"',
        "E": "value",
        "F": "",
        "G": "a=b=c",
        "H": "1-dflt",
        "I": "${A}",
        "J": "multi\nline",
    }
    assert result.bad_lines == [14]


def test_expansion_prefers_real_environment() -> None:
    assert parse_dotenv("X=${HOME}/x", {"HOME": "/h"}).values["X"] == "/h/x"


def test_bom_and_crlf() -> None:
    assert parse_dotenv("\ufeffA=1\r\nB=2\r\n").values == {"A": "1", "B": "2"}


def test_unterminated_quote_is_reported() -> None:
    result = parse_dotenv("A='open\nB=2")
    assert "A" not in result.values and result.bad_lines == [1]


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="'"), max_size=40))
def test_single_quoted_values_roundtrip(value: str) -> None:
    assert parse_dotenv(f"K='{value}'").values["K"] == value
