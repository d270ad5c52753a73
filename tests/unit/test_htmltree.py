"""``htmltree``: html5lib's tree construction into our nodes gives the tree html5lib's ``etree`` builder gives.

Compared element by element: tag, attributes, and every text in document order (``text`` of the
element, then each child, then that child's ``tail``).  Comments are not kept by ``htmltree``, so
text on both sides of a comment is compared joined.  Pages: every HTML body in the recorded
cassettes, the sandbox's own pages, and generated markup that exercises foster parenting (text and
elements inside tables), the adoption agency (misnested formatting elements), implied end tags,
foreign (SVG) content and raw-text elements.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, List, Tuple

import html5lib
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from jqcli.adapters.joinquant.html import parse_html, text_of

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes"


def flatten(node: Any) -> List[Tuple[Any, ...]]:
    """Elements as ``(depth, tag, attributes, text)`` and texts as ``("text", …)``, comments dropped, texts joined."""
    out: List[Tuple[Any, ...]] = []

    def text(value: Any) -> None:
        if not value:
            return
        if out and out[-1][0] == "text":
            out[-1] = ("text", out[-1][1] + value)
        else:
            out.append(("text", value))

    def walk(current: Any, depth: int) -> None:
        out.append((depth, current.tag, tuple(sorted(current.attrib.items()))))
        text(current.text)
        for child in current:
            if isinstance(child.tag, str):
                walk(child, depth + 1)
            text(child.tail)
        out.append((depth, "/" + current.tag))

    walk(node, 0)
    return out


def etree_tree(markup: str) -> List[Tuple[Any, ...]]:
    return flatten(html5lib.parse(markup, treebuilder="etree", namespaceHTMLElements=False))


def html_bodies() -> List[str]:
    found = []
    for cassette in sorted(CASSETTES.rglob("*.yaml")):
        for interaction in yaml.safe_load(cassette.read_text(encoding="utf-8"))["interactions"]:
            body = interaction["response"]["body"].get("string") or ""
            if isinstance(body, bytes):
                body = body.decode("utf-8", "replace")
            if "<html" in body[:2000].lower():
                found.append(body)
    return found


BODIES = html_bodies()


def test_cassettes_hold_pages_to_compare() -> None:
    assert len(BODIES) >= 20


@pytest.mark.parametrize("index", range(len(BODIES)))
def test_recorded_pages_give_the_etree_tree(index: int) -> None:
    assert flatten(parse_html(BODIES[index])) == etree_tree(BODIES[index])


TRICKY = [
    "<table><tr><td>a</td>stray text<td>b</td></tr>tail</table>after",  # foster-parented text
    "<table><b>bold<tr><td>x</td></tr></b></table>",  # foster-parented element
    "<p><b>one<i>two</b>three</i>four</p>",  # adoption agency
    "<a href=1>x<div>y</a>z</div>",  # adoption agency across a block
    "<b><b><b><b>deep</b></b></b></b><p>after",  # Noah's ark clause
    "<ul><li>one<li>two</ul><dl><dt>t<dd>d</dl>",  # implied end tags
    "<div><!-- c -->after comment<span>s</span><!-- d -->tail</div>",
    "<svg viewBox='0 0 1 1'><path d='M0 0'/><foreignObject><p>x</p></foreignObject></svg>",
    "<textarea>\n<b>not a tag</b>&amp;</textarea><select><option selected>o</select>",
    "<table><caption>c<table><tr><td>inner</table>outer",
    "<form><input name=a value=1><form><input name=b></form>",
    "text before<html><body class=x>text",
    "<frameset><frame></frameset>",
    "<template><td>t</td></template><noscript><p>n</p></noscript>",
]


@pytest.mark.parametrize("markup", TRICKY)
def test_tricky_markup_gives_the_etree_tree(markup: str) -> None:
    assert flatten(parse_html(markup)) == etree_tree(markup)


_TAGS = ["div", "p", "b", "i", "a", "table", "tr", "td", "tbody", "span", "li", "ul", "form", "select", "option",
         "textarea", "svg", "br", "input", "caption", "th", "em", "nobr", "h1"]  # fmt: skip
_PIECES = st.one_of(
    st.sampled_from(_TAGS).map(lambda tag: f"<{tag}>"),
    st.sampled_from(_TAGS).map(lambda tag: f"</{tag}>"),
    st.sampled_from(_TAGS).map(lambda tag: f'<{tag} class="c" id="i">'),
    st.text(alphabet="xy <>&;\n", max_size=6),
    st.just("<!-- c -->"),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join))
def test_generated_markup_gives_the_etree_tree(markup: str) -> None:
    assert flatten(parse_html(markup)) == etree_tree(markup)


def test_text_reads_across_a_dropped_comment() -> None:
    root = parse_html("<div id=d>a<!-- c -->b<br>c</div>")
    div = next(node for node in root.iter() if node.attrib.get("id") == "d")
    assert text_of(div) == "ab c"
