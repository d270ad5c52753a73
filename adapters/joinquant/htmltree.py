"""A small html5lib tree builder: html5lib parses, the tree is ours.

html5lib's own ``etree`` builder wraps every ``xml.etree`` element in a Python object, keeps two
child lists in step, and imports ``html5lib._ihatexml`` (a module that compiles large regular
expressions on import, about 6 ms, for a serializer no page parser here uses).  This builder gives
html5lib the node interface its tree construction calls (``treebuilders.base``) and keeps, on the
same objects, the read-only ``xml.etree`` surface the page parsers read: ``tag``, ``attrib``,
``text``, ``tail``, ``iter()`` and iteration over the children.

The tree is the one the ``etree`` builder makes, node for node: same tags (a namespace other than
HTML's as ``{ns}name``), same attribute keys, and text placed as ``text``/``tail`` by the same
rules, including the foster-parenting and adoption-agency moves.  Comments and doctypes are not
kept; text on either side of a comment lands where it would have been after it, so every text
read through ``text``/``tail`` in document order is the same.  ``tests/unit/test_htmltree.py``
compares both trees on the pages the parsers read and on generated markup.
"""

from __future__ import annotations

from typing import Any, Dict, Iterator, List, Optional

from html5lib.constants import namespaces
from html5lib.treebuilders import base

_HTML_NAMESPACE = namespaces["html"]


class Node:
    """An element: what html5lib builds with, and what the parsers read."""

    def __init__(self, name: str, namespace: Optional[str] = None) -> None:
        self._name = name
        self._namespace = namespace
        self.tag = name if namespace is None else f"{{{namespace}}}{name}"
        self.nameTuple = (_HTML_NAMESPACE if namespace is None else namespace, name)
        self.attrib: Dict[str, str] = {}
        self.text: Optional[str] = None
        self.tail: Optional[str] = None
        self.parent: Optional[Node] = None
        self.childNodes: List[Node] = []
        self._flags: List[str] = []

    # --- what the page parsers read (the xml.etree surface) ---

    def __iter__(self) -> Iterator[Node]:
        return iter(self.childNodes)

    def __reversed__(self) -> Iterator[Node]:
        return reversed(self.childNodes)

    def get(self, key: str, default: Optional[str] = None) -> Optional[str]:
        return self.attrib.get(key, default)

    def iter(self) -> Iterator[Node]:
        """This node and every element below it, in document order."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.childNodes))

    # --- what html5lib's tree construction calls ---

    @property
    def name(self) -> str:
        return self._name

    @name.setter
    def name(self, value: str) -> None:
        self._name = value
        self.tag = value if self._namespace is None else f"{{{self._namespace}}}{value}"

    @property
    def namespace(self) -> Optional[str]:
        return self._namespace

    @property
    def attributes(self) -> Dict[str, str]:
        return self.attrib

    @attributes.setter
    def attributes(self, attributes: Dict[Any, str]) -> None:
        self.attrib = {
            (f"{{{key[2]}}}{key[1]}" if isinstance(key, tuple) else key): value for key, value in attributes.items()
        }

    def hasContent(self) -> bool:
        return bool(self.text or self.childNodes)

    def appendChild(self, node: Node) -> None:
        if isinstance(node, _Dropped):
            return
        self.childNodes.append(node)
        node.parent = self

    def insertBefore(self, node: Node, refNode: Node) -> None:
        if isinstance(node, _Dropped):
            return
        self.childNodes.insert(self._index(refNode), node)
        node.parent = self

    def removeChild(self, node: Node) -> None:
        self.childNodes.remove(node)
        node.parent = None

    def insertText(self, data: str, insertBefore: Optional[Node] = None) -> None:
        children = self.childNodes
        if not children:
            self.text = (self.text or "") + data
        elif insertBefore is None:
            last = children[-1]
            last.tail = (last.tail or "") + data
        else:
            index = self._index(insertBefore)
            if index > 0:
                previous = children[index - 1]
                previous.tail = (previous.tail or "") + data
            else:
                self.text = (self.text or "") + data

    def cloneNode(self) -> Node:
        clone = type(self)(self._name, self._namespace)
        clone.attrib = dict(self.attrib)
        return clone

    def reparentChildren(self, newParent: Node) -> None:
        if newParent.childNodes:
            last = newParent.childNodes[-1]
            last.tail = (last.tail or "") + (self.text or "")
        elif self.text is not None:
            newParent.text = (newParent.text or "") + self.text
        self.text = ""
        for child in self.childNodes:
            newParent.appendChild(child)
        self.childNodes = []

    def _index(self, child: Node) -> int:
        for index, node in enumerate(self.childNodes):
            if node is child:
                return index
        raise ValueError("not a child")


class _Dropped(Node):
    """A comment or doctype: html5lib creates it, the tree does not keep it."""

    def __init__(self, *_args: Any) -> None:
        super().__init__("#dropped")


class Document(Node):
    def __init__(self) -> None:
        super().__init__("DOCUMENT_ROOT")


class TreeBuilder(base.TreeBuilder):  # type: ignore[misc]  # html5lib ships no type hints
    documentClass = Document
    elementClass = Node
    commentClass = _Dropped
    doctypeClass = _Dropped
    fragmentClass = Document

    def getDocument(self) -> Node:
        document: Node = self.document
        for node in document.childNodes:
            if node.tag == "html":
                return node
        return document

    def testSerializer(self, node: Node) -> str:  # pragma: no cover - html5lib's own test suite only
        raise NotImplementedError("htmltree: no test serializer")
