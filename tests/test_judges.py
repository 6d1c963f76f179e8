"""The judges of tests/judges.py: each Obsidian rule, the GitHub extensions, and how
renderings are compared."""

from __future__ import annotations

from collections.abc import Callable

import cmarkgfm
import pytest

from .judges import reader_tokens, render, render_gfm, render_obsidian, same_rendering

# ---------------------------------------------------------------------------------------------
# Obsidian


@pytest.mark.parametrize(
    ("markdown", "html"),
    [
        ("[[page]]", '<a class="wikilink" data-target="page">page</a>'),
        ("[[a page|shown]]", '<a class="wikilink" data-target="a page">shown</a>'),
        (
            "[[page#Heading|shown]]",
            '<a class="wikilink" data-target="page" data-section="Heading">shown</a>',
        ),
        # Nothing inside a wikilink is markup.
        ("[[a_b_c]]", '<a class="wikilink" data-target="a_b_c">a_b_c</a>'),
        ("[[a]b]]", "[[a]b]]"),
        ("![[file.png]]", '<span class="embed" data-target="file.png"></span>'),
        (
            "![[file.png|100]]",
            '<span class="embed" data-target="file.png" data-size="100"></span>',
        ),
    ],
)
def test_obsidian_links_and_embeds(markdown: str, html: str) -> None:
    assert render_obsidian(markdown) == f"<p>{html}</p>\n"


@pytest.mark.parametrize(
    ("markdown", "html"),
    [
        ("#tag", '<span class="tag" data-tag="tag">#tag</span>'),
        ("a #a/b-c_d", 'a <span class="tag" data-tag="a/b-c_d">#a/b-c_d</span>'),
        ("#タグ。", '<span class="tag" data-tag="タグ">#タグ</span>。'),
        ("#12a", '<span class="tag" data-tag="12a">#12a</span>'),
        # Escaped, after a letter or punctuation, only digits: text.
        ("\\#tag", "#tag"),
        ("a#tag", "a#tag"),
        ("**a**#tag", "<strong>a</strong>#tag"),
        ("#123", "#123"),
        ("#2024/01", "#2024/01"),
        ("`#tag`", "<code>#tag</code>"),
    ],
)
def test_obsidian_tags(markdown: str, html: str) -> None:
    assert render_obsidian(markdown) == f"<p>{html}</p>\n"


def test_a_tag_after_a_line_break() -> None:
    assert render_obsidian("a\n#tag") == '<p>a\n<span class="tag" data-tag="tag">#tag</span></p>\n'


def test_heading_is_no_tag() -> None:
    assert render_obsidian("# tag") == "<h1>tag</h1>\n"


@pytest.mark.parametrize(
    ("markdown", "html"),
    [
        ("==x==", "<mark>x</mark>"),
        ("==a **b** c==", "<mark>a <strong>b</strong> c</mark>"),
        ("\\==x==", "==x=="),
        ("== x ==", "== x =="),
        ("a == b", "a == b"),
        # A code span binds more tightly than the highlight.
        ("==a`==`==", "<mark>a<code>==</code></mark>"),
    ],
)
def test_obsidian_highlights(markdown: str, html: str) -> None:
    assert render_obsidian(markdown) == f"<p>{html}</p>\n"


@pytest.mark.parametrize(
    ("markdown", "shown"),
    [("a %%c%% b", "a b"), ("a %%c\nd%% b", "a b"), ("a \\%%c%% b", "a %%c%% b")],
)
def test_obsidian_comments_are_hidden(markdown: str, shown: str) -> None:
    assert reader_tokens(render_obsidian(markdown)) == [
        ("start", "p"),
        ("text", shown),
        ("end", "p"),
    ]


@pytest.mark.parametrize(
    ("markdown", "html"),
    [
        ("$x$", '<span class="math inline">x</span>'),
        ("$x$ costs 5", '<span class="math inline">x</span> costs 5'),
        ("\\$x$", "$x$"),
        ("$ x$", "$ x$"),
        ("$5 and $6", "$5 and $6"),
        ("a $x$1", "a $x$1"),
    ],
)
def test_obsidian_inline_math(markdown: str, html: str) -> None:
    assert render_obsidian(markdown) == f"<p>{html}</p>\n"


def test_obsidian_block_math_footnotes_tables_and_strikethrough() -> None:
    assert render_obsidian("$$\nx\n$$") == '<div class="math block">\nx\n</div>\n'
    footnote = render_obsidian("a[^1]\n\n[^1]: note")
    assert 'class="footnote-ref"' in footnote
    assert "note" in footnote
    assert "<table>" in render_obsidian("| a |\n| --- |\n| [[p\\|q]] |")
    assert '<a class="wikilink" data-target="p">q</a>' in render_obsidian(
        "| a |\n| --- |\n| [[p\\|q]] |"
    )
    assert render_obsidian("~~s~~") == "<p><s>s</s></p>\n"


@pytest.mark.parametrize("render_flavor", [render_obsidian, render_gfm])
def test_deep_lists_keep_their_text(render_flavor: Callable[[str], str]) -> None:
    markdown = "".join(f"{'    ' * depth}- item {depth}\n" for depth in range(60))
    html = render_flavor(markdown)
    assert html.count("<li>") == 60
    assert "item 59" in html


def test_obsidian_keeps_raw_html() -> None:
    assert render_obsidian("a <u>b</u>") == "<p>a <u>b</u></p>\n"


def test_plain_flavor_has_no_obsidian_syntax() -> None:
    assert render_gfm("[[a|b]] #tag ==x== %%c%% $x$") == ("<p>[[a|b]] #tag ==x== %%c%% $x$</p>\n")


# ---------------------------------------------------------------------------------------------
# GitHub


def test_gfm_table() -> None:
    html = render_gfm("| a | b |\n| --- | :-: |\n| 1 | 2 |")
    assert "<table>" in html
    assert '<td align="center">2</td>' in html


@pytest.mark.parametrize(
    ("markdown", "html"),
    [
        ("~~s~~", "<del>s</del>"),
        ("https://example.org/a", '<a href="https://example.org/a">https://example.org/a</a>'),
        ("www.example.org", '<a href="http://www.example.org">www.example.org</a>'),
        ("<u>x</u>", "<u>x</u>"),
        # The tag filter.
        ("a <script>", "a &lt;script>"),
        ("a\\\nb", "a<br />\nb"),
    ],
)
def test_gfm_extensions(markdown: str, html: str) -> None:
    assert render_gfm(markdown) == f"<p>{html}</p>\n"


def test_gfm_task_list() -> None:
    assert 'type="checkbox"' in render_gfm("- [ ] task")


def test_render_dispatches_by_flavor() -> None:
    assert render("#tag", "obsidian") == render_obsidian("#tag")
    assert render("#tag", "markdown") == render_gfm("#tag")


# ---------------------------------------------------------------------------------------------
# Comparing renderings


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("<p>a  b</p>", "<p>a\nb</p>"),
        ("<p>a b</p>\n<p>c</p>", "<p>a b</p><p>c</p>"),
        ("<p> a </p>", "<p>a</p>"),
        ("<p>a<br />\nb</p>", "<p>a<br>b</p>"),
        ("<p>a &amp; &#8203;b</p>", "<p>a &amp; \u200bb</p>"),
        ("<p>a<!---->b</p>", "<p>ab</p>"),
        ('<img alt="x" src="y"/>', "<img src='y' alt='x'>"),
        ("<p>a <em> b</em></p>", "<p>a <em>b</em></p>"),
    ],
)
def test_same_rendering(a: str, b: str) -> None:
    assert same_rendering(a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("<pre><code>a  b</code></pre>", "<pre><code>a b</code></pre>"),
        ("<p><code>a  b</code></p>", "<p><code>a b</code></p>"),
        ("<p>a b</p>", "<p>ab</p>"),
        ("<p>a</p>", "<p><em>a</em></p>"),
        ("<p>a\u00a0b</p>", "<p>a b</p>"),
        ("<p>a\u200bb</p>", "<p>ab</p>"),
        ('<a href="x">a</a>', '<a href="y">a</a>'),
        ("<p>a</p><p>b</p>", "<p>a</p>b"),
    ],
)
def test_different_rendering(a: str, b: str) -> None:
    assert not same_rendering(a, b)


def test_ignored_characters() -> None:
    assert same_rendering("<p>a\u200bb</p>", "<p>ab</p>", ignore="\u200b")


def test_gfm_renders_as_cmarkgfm_does() -> None:
    # render_gfm frees what cmarkgfm's own function leaks, and must render the same.
    markdown = (
        "# h\n\n- a \\! [x](<y>) https://x.org ~~s~~ <script>\n\n| a |\n| --- |\n| b |\n\n"
        "- [ ] t\n\n```py\ncode\n```\n"
    )
    expected = cmarkgfm.github_flavored_markdown_to_html(
        markdown, options=cmarkgfm.cmark.Options.CMARK_OPT_UNSAFE
    )
    assert render_gfm(markdown) == expected
