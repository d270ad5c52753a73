"""A post body (Markdown, or HTML when the site stored rich text) as plain text for tables."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import List, Optional, Tuple

_BLOCK = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote", "hr"})
_SKIP = frozenset({"script", "style"})
_TAG = re.compile(r"<(p|div|br|img|span|a|h[1-6]|ul|ol|li|table|pre|code|strong|em|b|i)\b[^>]*>", re.IGNORECASE)


class _TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: List[Tuple[str, Optional[str]]]) -> None:
        if tag in _SKIP:
            self._skipping += 1
        elif tag in _BLOCK:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("- ")
        if tag == "img":
            src = dict(attrs).get("src") or ""
            self.parts.append(f"[图片 {src}]" if src else "[图片]")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP and self._skipping:
            self._skipping -= 1
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def body_text(content: str) -> str:
    """Markdown stays as written; HTML becomes its text with one line per block; at most one blank line."""
    if _TAG.search(content):
        parser = _TextOf()
        parser.feed(content)
        parser.close()
        content = "".join(parser.parts)
    lines = [line.rstrip() for line in content.replace("\r\n", "\n").split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return text.strip("\n")
