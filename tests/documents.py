"""What tests look for in a document tree."""

from __future__ import annotations

from collections.abc import Iterator

from scrapconv.ast import Decoration, Document, Inline, Line, NumberList, Quote, Strong, Table, Text
from scrapconv.markdown.escape import CONTROL


def plain_texts(document: Document) -> Iterator[str]:
    """The text of every plain text node, inside decorations, quotes and table cells too,
    less the control characters that the Markdown writer leaves out (with a diagnostic)."""

    def walk(nodes: tuple[Inline, ...]) -> Iterator[str]:
        for node in nodes:
            if isinstance(node, Text):
                yield CONTROL.sub("", node.text)
            elif isinstance(node, Decoration | Strong | Quote | NumberList):
                yield from walk(node.children)

    for block in document.blocks:
        if isinstance(block, Line):
            yield from walk(block.children)
        elif isinstance(block, Table):
            for row in block.rows:
                for cell in row:
                    yield from walk(cell)
