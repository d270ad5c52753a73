"""Cut a server-rendered page down to the part a parser reads, before html5lib sees it.

html5lib is thorough and slow (about 1.7 KB/ms here), and most of a JoinQuant page is
header, scripts and, on list pages, a pager that lists every page number: parsing every
list page whole makes ``strategy ls --all`` grow with the square of the number of pages.

Every cut is conservative: it keeps a region only when the text around it has the shape the
cut expects, and returns the whole page otherwise, so a markup change can cost speed but
never a row.  The checks are on the raw text (counts of the markers the parser reads must be
the same inside the cut as in the whole page), not on the parsed tree.
"""

from __future__ import annotations

import re
from typing import List, Optional, Sequence, Tuple

_TAG_NAME = r"[a-zA-Z][a-zA-Z0-9]*"
# Patterns are strings: ``re`` compiles (and caches) each on first use, so a command that cuts no
# list page never compiles the list cut's.
# A pager item that carries nothing but one plain link to a page number: it may be left out
# when it is not the highest number, because max_page only reads the highest visible number.
_PLAIN_ITEM = r"""<li>\s*<a href="([^"<>]*)">\s*(\d+)\s*</a>\s*</li>\s*"""
_PAGE_PARAM = r"[?&;]page=(\d+)"


def element_span(text: str, tag: str, marker: str, start: int = 0) -> Optional[Tuple[int, int]]:
    """``(begin, end)`` of the first ``<tag …>`` whose opening tag contains ``marker``, to its matching close.

    Nested elements of the same tag are counted.  ``None`` when there is no such element, or
    when the text between holds anything that could change where the element ends to a
    browser's tokenizer (comments, scripts, CDATA, ``<textarea>``, ``<template>``).
    """
    opening = re.compile(rf"<{tag}\b[^<>]*>", re.IGNORECASE)
    for match in opening.finditer(text, start):
        if marker in match.group(0):
            return _matching_close(text, tag, match.start(), match.end())
    return None


def _matching_close(text: str, tag: str, begin: int, after_open: int) -> Optional[Tuple[int, int]]:
    pattern = re.compile(rf"<(/?){tag}\b[^<>]*>", re.IGNORECASE)
    depth = 1
    for match in pattern.finditer(text, after_open):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            inner = text[after_open : match.start()]
            if _unsafe(inner):
                return None
            return begin, match.end()
    return None


_UNSAFE = r"(?i)<!--|<!\[CDATA\[|<script\b|<style\b|<textarea\b|<template\b|<plaintext\b|<xmp\b"


def _unsafe(fragment: str) -> bool:
    return re.search(_UNSAFE, fragment) is not None


def shrink_pager(pager: str) -> str:
    """The pager without the plain page-number items that are below the highest number.

    Kept: every item with a class (prev, next, active, disabled, nodisplay), every item that is not
    a plain ``<li><a href="…page=N">N</a></li>``, and the plain item with the highest page number.
    """
    plain = [(m, _page_of(m.group(1))) for m in re.finditer(_PLAIN_ITEM, pager)]
    numbered = [page for _, page in plain if page is not None]
    if not numbered:
        return pager
    highest = max(numbered)
    kept_highest = False
    pieces: List[str] = []
    cursor = 0
    for match, page in plain:
        if page is None:
            continue
        if page == highest and not kept_highest:
            kept_highest = True
            continue
        pieces.append(pager[cursor : match.start()])
        cursor = match.end()
    pieces.append(pager[cursor:])
    return "".join(pieces)


def _page_of(href: str) -> Optional[int]:
    found = re.search(_PAGE_PARAM, href)
    return int(found.group(1)) if found else None


def cut_list_page(text: str, *, table_id: str, row_class: str, list_path: str) -> str:
    """A list page reduced to its table and its pager, or ``text`` itself when the shape is not the expected one.

    ``table_id`` is the table's id, ``row_class`` the class every row carries, ``list_path`` the path the pager
    links to.  The cut is used only when every mention of the row class, and every ``list_path`` with a ``page``
    parameter, on the page (in markup, scripts or text alike) lies inside the table or the pager: a link to the
    list without a page number (the site's menu) says nothing about the number of pages.
    """
    table = element_span(text, "table", f'id="{table_id}"')
    if table is None:
        return text
    pager = element_span(text, "ul", 'class="pagination"', table[1])
    regions: List[Tuple[int, int]] = [table] + ([pager] if pager is not None else [])
    paged = re.compile(re.escape(list_path) + r"\?[^\"'<>\s]*?\bpage=")
    if not _all_inside(text, re.compile(re.escape(row_class)), regions) or not _all_inside(text, paged, regions):
        return text
    parts = [text[table[0] : table[1]]]
    if pager is not None:
        parts.append(shrink_pager(text[pager[0] : pager[1]]))
    return "<!DOCTYPE html><html><head></head><body>" + "\n".join(parts) + "</body></html>"


def _all_inside(text: str, needle: re.Pattern[str], regions: Sequence[Tuple[int, int]]) -> bool:
    return all(any(begin <= m.start() < end for begin, end in regions) for m in needle.finditer(text))


_DROPPABLE = r"(?is)<script\b[^<>]*>.*?</script\s*>|<style\b[^<>]*>.*?</style\s*>"
_RAW_TEXT_OPEN = r"(?i)<textarea\b|<!--|<!\[CDATA\[|<xmp\b|<plaintext\b|<template\b|<noscript\b"


def drop_scripts(text: str) -> str:
    """``text`` without ``<script>``/``<style>`` elements (whose contents no parser here reads).

    Only used when nothing else on the page can hold text that looks like a tag (a ``<textarea>``,
    a comment): then the page is returned as it is, except before the first such element.
    """
    guard = re.search(_RAW_TEXT_OPEN, text)
    limit = guard.start() if guard else len(text)
    head, tail = text[:limit], text[limit:]
    dropped = re.sub(_DROPPABLE, "", head)
    # a <script> left open before the guard would swallow what follows it: keep the page as it is
    if re.search(r"<script\b|<style\b", dropped, re.IGNORECASE):
        return text
    return dropped + tail
