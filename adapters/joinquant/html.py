"""Small html5lib helpers shared by the page parsers.

html5lib parses like a browser (into ``htmltree`` nodes, which read like ``xml.etree``
elements): attribute names come back lower-cased
(``_algorithmId`` → ``_algorithmid``), ``<textarea>`` content is decoded from
entities and loses exactly one leading newline, as the HTML standard says.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, AbstractSet, Dict, Iterator, List, Optional, Tuple
from urllib.parse import parse_qs, urlsplit

from jqcli.domain.errors import ApiError

if TYPE_CHECKING:
    from jqcli.adapters.joinquant.htmltree import Node as Element


def parse_html(text: str) -> Element:
    """The page's ``<html>`` element, as html5lib's tree construction builds it (``htmltree``)."""
    from html5lib.html5parser import HTMLParser

    from jqcli.adapters.joinquant.htmltree import TreeBuilder

    root: Element = HTMLParser(tree=TreeBuilder, namespaceHTMLElements=False).parse(text)
    return root


def elements(root: Element) -> Iterator[Element]:
    """Every element (comments and processing instructions skipped)."""
    for node in root.iter():
        if isinstance(node.tag, str):
            yield node


def attr(node: Element, name: str, default: str = "") -> str:
    return node.attrib.get(name.lower(), default)


def classes(node: Element) -> List[str]:
    return node.attrib.get("class", "").split()


def by_id(root: Element, element_id: str) -> Optional[Element]:
    for node in elements(root):
        if node.attrib.get("id") == element_id:
            return node
    return None


def by_class(root: Element, class_name: str, tag: str = "") -> Iterator[Element]:
    for node in elements(root):
        if (not tag or node.tag == tag) and class_name in classes(node):
            yield node


def first_of(nodes: Iterator[Element]) -> Optional[Element]:
    """The first node of ``nodes``, or ``None``."""
    return next(nodes, None)


def first_with_attr(root: Element, name: str) -> Optional[Element]:
    """The first element (``root`` included) that carries attribute ``name``."""
    for node in elements(root):
        if name.lower() in node.attrib:
            return node
    return None


def text_of(node: Optional[Element]) -> str:
    """Visible text, ``<br>`` as a space, whitespace collapsed (scripts/styles/comments skipped)."""
    if node is None:
        return ""
    parts: List[str] = []

    def walk(current: Element) -> None:
        if current.tag == "br":
            parts.append(" ")
        if isinstance(current.tag, str) and current.tag not in ("script", "style") and current.text:
            parts.append(current.text)
        for child in current:
            if isinstance(child.tag, str):
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(node)
    return " ".join("".join(parts).split())


def raw_text(node: Optional[Element]) -> str:
    """All text below ``node`` (comments skipped), only stripped at both ends: names keep inner spaces."""
    if node is None:
        return ""
    parts: List[str] = []

    def walk(current: Element) -> None:
        if isinstance(current.tag, str) and current.text:
            parts.append(current.text)
        for child in current:
            if isinstance(child.tag, str):
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(node)
    return "".join(parts).strip()


def cells(row: Element) -> List[Element]:
    """The direct ``td``/``th`` children of a table row."""
    return [child for child in row if child.tag in ("td", "th")]


def links(root: Element, *, skip_classes: AbstractSet[str] = frozenset()) -> List[Tuple[str, Dict[str, List[str]]]]:
    """``(path, query)`` of every ``a[href]`` below ``root``, in document order.

    Links inside an element carrying one of ``skip_classes`` are left out.
    """
    found = []
    for node in _elements_outside(root, skip_classes) if skip_classes else elements(root):
        if node.tag == "a" and node.attrib.get("href"):
            parts = urlsplit(node.attrib["href"])
            found.append((parts.path, parse_qs(parts.query)))
    return found


def _elements_outside(root: Element, skip_classes: AbstractSet[str]) -> Iterator[Element]:
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node.tag, str) and skip_classes.isdisjoint(classes(node)):
            yield node
            stack.extend(reversed(node))


def link_param(root: Element, path_suffix: str, param: str) -> str:
    """The ``param`` value of the first link whose path ends with ``path_suffix``."""
    for path, query in links(root):
        if path.endswith(path_suffix) and query.get(param):
            return query[param][0]
    return ""


HIDDEN_PAGER_CLASSES = frozenset({"nodisplay", "disabled"})


def max_page(root: Element, path_suffix: str) -> int:
    """The highest ``page=`` among visible links to ``path_suffix`` (1 when there is no pagination).

    A link inside a ``nodisplay``/``disabled`` element (the last page's hidden 下一页) does not count.
    """
    best = 1
    for path, query in links(root, skip_classes=HIDDEN_PAGER_CLASSES):
        if path.endswith(path_suffix):
            for value in query.get("page", []):
                if value.isdigit():
                    best = max(best, int(value))
    return best


def missing(what: str, path: str, *, page: str = "", **details: object) -> ApiError:
    """The error for a page without its expected elements (never an empty result).

    When ``page`` is the site's frequency-protection notice or its geo-block page, the error
    says that instead of "the page structure changed".
    """
    from jqcli.adapters.joinquant.expiry import THROTTLE_HINT, THROTTLE_MESSAGE, is_geo_blocked, is_throttled

    if page and is_throttled(page):
        return ApiError(THROTTLE_MESSAGE, details={"path": path, "throttled": True, **details}, hint=THROTTLE_HINT)
    if page and is_geo_blocked(page):
        return ApiError("聚宽拒绝了当前地区的访问(当前地区暂不支持访问)", details={"path": path, **details})
    return ApiError(
        f"聚宽页面缺少预期元素({what}),页面结构可能已改版",
        details={"path": path, "missing": what, **details},
        hint="加 --debug 查看请求;如站点已改版,请报告",
    )


_TOKEN_DATA = re.compile(
    r"""window\.tokenData\s*=\s*\{\s*["']?name["']?\s*:\s*["']token["']\s*,\s*["']?value["']?\s*:\s*["']([^"']+)["']"""
)
_TOKEN_INPUT = re.compile(r"""<input[^>]*\bname=["']token["'][^>]*>""", re.I)
_VALUE_ATTR = re.compile(r"""\bvalue=["']([^"']*)["']""", re.I)


def extract_page_token(html: str) -> str:
    """``window.tokenData.value`` of a page, else a hidden ``<input name="token">``; "" when absent."""
    match = _TOKEN_DATA.search(html)
    if match:
        return match.group(1)
    for tag in _TOKEN_INPUT.findall(html):
        value = _VALUE_ATTR.search(tag)
        if value and value.group(1):
            return value.group(1)
    return ""
