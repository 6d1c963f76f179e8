"""The shared document tree: immutable, typed, and serialisable to JSON and back."""

from __future__ import annotations

import dataclasses
import json
import typing

import pytest

from scrapconv import ast
from scrapconv.ast import (
    Blank,
    Callout,
    Code,
    CodeBlock,
    CommandLine,
    Decoration,
    Document,
    Dropped,
    Embed,
    Formula,
    GoogleMap,
    HashTag,
    Helpfeel,
    Html,
    Icon,
    Image,
    Line,
    NumberList,
    PageLink,
    Property,
    Quote,
    Strong,
    Table,
    Text,
    UrlLink,
    document_from_json,
    document_to_json,
)
from scrapconv.scrapbox.writer import write_scrapbox

EVERY_INLINE = (
    Text("a"),
    Code("c"),
    CommandLine("$", "ls"),
    Helpfeel("how?"),
    Blank(" "),
    PageLink("/proj/page"),
    PageLink("page", section="heading", alias="shown"),
    Embed("picture.png", "100"),
    Html("<br>"),
    Callout("note", "-"),
    UrlLink("https://a.com/x", form="bare", separator=""),
    Decoration("*/", (Text("b"), PageLink("p"))),
    Formula("x^2", spaced_close=True),
    Strong((UrlLink("https://a.com", "A", form="label_url"),)),
    Image("https://a.com/i.png", "https://a.com", link_first=True),
    Icon("/proj/me", "3", strong=True),
    GoogleMap("N35.6,E139.7,Z14", "Tokyo", place_first=True),
    HashTag("tag"),
    Quote((Text(" q"),)),
    NumberList(("1", "2"), (Text("x"),)),
    Dropped("http://]"),
)

DOCUMENT = Document(
    "Title: with [brackets]",
    (
        Line("", EVERY_INLINE, 2),
        Line(" \u3000", (), 3),
        CodeBlock(" ", "a.py", ("x = 1", "", "  y"), (" \t", "  ", "  "), 4),
        Table("", "t", (((Text("a"),), ()), ((Icon("i"),),)), ("\t", " "), 8),
    ),
    (Property("created", 1700000000), Property("tags", ("a", "b")), Property("draft", None)),
)


def test_every_inline_kind_is_covered() -> None:
    assert {type(node) for node in EVERY_INLINE} == set(typing.get_args(ast.Inline))


def test_nodes_are_frozen_and_slotted() -> None:
    for cls in ast.NODE_CLASSES.values():
        assert dataclasses.is_dataclass(cls)
        assert "__slots__" in cls.__dict__, cls.__name__
    with pytest.raises(dataclasses.FrozenInstanceError):
        DOCUMENT.title = "x"  # type: ignore[misc]


def test_a_document_survives_json() -> None:
    data = document_to_json(DOCUMENT)
    again = document_from_json(json.loads(json.dumps(data)))
    assert again == DOCUMENT
    assert data["type"] == "Document"  # type: ignore[index]


def test_json_names_node_types() -> None:
    data = ast.to_json(Icon("me", "2"))
    assert data == {
        "type": "Icon",
        "path": "me",
        "repeat": "2",
        "strong": False,
        "src": "",
        "alt": "",
        "tag": False,
    }


@pytest.mark.parametrize(
    "data",
    [
        {"type": "Nonsense"},
        {"type": "Text", "text": "a", "colour": "red"},
        {"title": "no type"},
    ],
)
def test_json_of_unknown_shape_is_refused(data: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        ast.from_json(data)  # type: ignore[arg-type]


def test_json_of_a_node_is_not_a_document() -> None:
    with pytest.raises(ValueError, match="Document"):
        document_from_json(ast.to_json(Text("a")))


def test_derived_properties() -> None:
    assert Icon("me", "3").count == 3
    assert Icon("me").count == 1
    assert Icon("/p/me").is_root and not Icon("me").is_root
    assert PageLink("/p/x").is_root and not PageLink("x").is_root
    assert Decoration("*/*", ()).stars == 2
    assert Line("\t\t", ()).depth == 2
    assert CodeBlock("", "a", ("x", "y")).content == "x\ny"


def test_nodes_built_without_scrapbox_details_get_the_usual_form() -> None:
    # What a Markdown reader would build: no raw indents, default separators.
    document = Document(
        "Page",
        (
            Line(" ", (UrlLink("https://a.com", "A", form="url_label"), Text(" "), Icon("me"))),
            CodeBlock(" ", "a.py", ("x", "")),
            Table("", "t", (((Text("a"),), (Text("b"),)),)),
        ),
    )
    assert write_scrapbox(document) == (
        "Page\n [https://a.com A] [me.icon]\n code:a.py\n  x\n  \ntable:t\n a\tb"
    )


NESTED_BLOCKS = (
    Line("", (Text("a"), Decoration("*", (Text("b"), Strong((PageLink("c"),)))))),
    CodeBlock("", "x.py", ("print(1)",), (" ",)),
    Table("", "t", (((Text("d"),), (Quote((Text("e"),)),)),), (" ",)),
    Line(" ", (NumberList((1,), (Text("f"),)),)),
)


def test_walk_inlines_gives_every_inline_before_those_it_holds() -> None:
    kinds = [
        (type(node).__name__, getattr(node, "text", "")) for node in ast.walk_inlines(NESTED_BLOCKS)
    ]
    assert kinds == [
        ("Text", "a"),
        ("Decoration", ""),
        ("Text", "b"),
        ("Strong", ""),
        ("PageLink", ""),
        ("Text", "d"),
        ("Quote", ""),
        ("Text", "e"),
        ("NumberList", ""),
        ("Text", "f"),
    ]


def test_map_inlines_changes_the_inlines_that_hold_no_others() -> None:
    def upper(node: ast.Inline) -> ast.Inline:
        return Text(node.text.upper()) if isinstance(node, Text) else node

    mapped = tuple(ast.map_inlines(block, upper) for block in NESTED_BLOCKS)
    texts = [node.text for node in ast.walk_inlines(mapped) if isinstance(node, Text)]
    assert texts == ["A", "B", "D", "E", "F"]
    assert mapped[1] is NESTED_BLOCKS[1]
    assert [type(node) for node in ast.walk_inlines(mapped)] == [
        type(node) for node in ast.walk_inlines(NESTED_BLOCKS)
    ]
