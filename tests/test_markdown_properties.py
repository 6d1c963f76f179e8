"""Properties of the Scrapbox → Markdown writer on arbitrary and syntax-shaped pages."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from scrapconv.markdown import write_markdown
from scrapconv.markdown.options import MarkdownOptions
from scrapconv.scrapbox.reader import read_scrapbox

from .documents import plain_texts
from .judges import Flavor, reader_tokens, render
from .test_properties import any_page, scrapbox_pages

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FLAVORS = st.sampled_from(["obsidian", "markdown"])


def _rendered_text(markdown: str, flavor: Flavor) -> str:
    """The text a reader sees, as the flavor's judge renders `markdown` (tests/judges.py)."""
    return "".join(
        token[1] for token in reader_tokens(render(markdown, flavor)) if token[0] == "text"
    )


def _visible(text: str) -> str:
    # Whitespace may be folded or written as `&nbsp;`: compare what shows.
    return re.sub(r"\s+", "", text)


@SETTINGS
@given(text=st.one_of(any_page, scrapbox_pages()), flavor=FLAVORS, has_title=st.booleans())
@example(text="_x_ ~56p … ~97p <Foo> [a]!(b) #1 a\\", flavor="markdown", has_title=False)
@example(text=" 1. \n  - x\n>\t1. y\n[ ] x", flavor="obsidian", has_title=False)
@example(text="   table:\n  0[", flavor="obsidian", has_title=False)
@example(text="table:\n a\nb", flavor="markdown", has_title=False)
@example(text="0\r0 [$]0http://$ [$ 0]1http://$", flavor="obsidian", has_title=False)
@example(text="[$  ]0http://$ [$ a$b]", flavor="obsidian", has_title=False)
def test_the_writer_keeps_every_plain_text_character(
    text: str, flavor: Flavor, has_title: bool
) -> None:
    document = read_scrapbox(text, has_title=has_title)
    markdown, diagnostics = write_markdown(document, MarkdownOptions(flavor=flavor, project="p"))  # type: ignore[arg-type]
    assert all(diagnostic.line >= 0 for diagnostic in diagnostics)
    rendered = _visible(_rendered_text(markdown, flavor))
    for plain in plain_texts(document):
        assert _visible(plain) in rendered, (plain, markdown)
