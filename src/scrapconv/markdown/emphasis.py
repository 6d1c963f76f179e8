"""Emphasis, `*a*` and `_a_`, and strong emphasis, `**a**` and `__a__`, in linear time.

mistune's scanner leaves each run of `*` or `_` as text; the runs are paired once the whole
line is scanned, by CommonMark's delimiter algorithm. `finalize_emphasis` pairs them by the
rules mistune's own pass applies (which runs can open or close, the rule of three, the bound on
nesting, the order in which closers are tried), so that every text reads as it did, but without
the work that made that pass quadratic or worse on nested emphasis: the tokens and the runs
still open are kept in linked lists, a match moves the tokens between its runs into the new
node instead of copying the list, the nesting depth of each token is known instead of counted
again, and each kind of closer remembers the lowest run it can still pair with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .escape import is_punctuation, is_whitespace

Token = dict[str, Any]

# A run of one emphasis character, or text without any.
_RUN = re.compile(r"\*+|_+|[^*_]+")
# What a token other than text stands for when runs are classified: a line break is
# whitespace; anything else (code, a link, HTML) counts as punctuation.
_BREAK = "\n"
# (A character of the P category, punctuation in both flavors.)
_OTHER = "\u203b"
_NONE = -1


@dataclass(slots=True)
class _Run:
    """A run of `*` or `_` that can open or close emphasis, and its neighbours among the runs
    still open (indexes into the runs; `_NONE` at either end)."""

    part: int
    marker: str
    length: int
    original: int
    can_open: bool
    can_close: bool
    previous: int
    next: int


def finalize_emphasis(tokens: list[Token], depth_left: int, obsidian: bool) -> list[Token]:
    """The tokens of a line with its runs of `*` and `_` paired into `emphasis` and `strong`
    tokens; a node is made only where its contents nest fewer than `depth_left` deep; runs
    open and close as the flavor's renderer reads them (`obsidian`)."""
    if len(tokens) > 1:
        tokens = _joined_texts(tokens)
    if depth_left <= 0 or not any(_holds_runs(token) for token in tokens):
        return [_clean(token) for token in tokens]
    line = _Line(tokens, obsidian)
    line.pair(depth_left)
    return line.tokens()


def _holds_runs(token: Token) -> bool:
    if token["type"] != "text" or not token.get("_emphasis", True):
        return False
    raw: str = token["raw"]
    return "*" in raw or "_" in raw


def _joined_texts(tokens: list[Token]) -> list[Token]:
    """Adjacent text tokens as one, so that a run split between tokens is one run."""
    joined: list[Token] = []
    chunks: list[str] = []
    runs_read = True

    def flush() -> None:
        if chunks:
            token: Token = {"type": "text", "raw": "".join(chunks)}
            if not runs_read:
                token["_emphasis"] = False
            joined.append(token)
            chunks.clear()

    for token in tokens:
        if token["type"] != "text":
            flush()
            joined.append(token)
            continue
        mode = token.get("_emphasis", True)
        raw = token["raw"]
        if mode != runs_read:
            flush()
        runs_read = mode
        chunks.append(raw)
    flush()
    return joined


def _clean(token: Token) -> Token:
    """The token without the marks mistune's scanner leaves for the emphasis pass."""
    if "_emphasis" not in token and "_autolink" not in token:
        return token
    token = token.copy()
    token.pop("_emphasis", None)
    token.pop("_autolink", None)
    return token


def _depth(token: Token) -> int:
    """How many tokens with children nest in `token`, itself included."""
    deepest = 0
    pending = [(token, 0)]
    while pending:
        current, depth = pending.pop()
        if "children" in current:
            depth += 1
            deepest = max(deepest, depth)
            pending.extend((child, depth) for child in current["children"])
    return deepest


def _flanking(before: str, after: str, marker: str, obsidian: bool) -> tuple[bool, bool]:
    """Whether a run between the characters `before` and `after` can open emphasis, and
    whether it can close it: not next to whitespace on that side, nor on that side next to
    punctuation unless there is whitespace or punctuation on the other; `_` not inside a
    word. Whitespace and punctuation are the flavor's renderer's (`escape`): a control
    character or a combining mark is neither."""
    kinds = _KINDS[obsidian]
    kind_before = kinds.get(before) or _kind(before, obsidian)
    kind_after = kinds.get(after) or _kind(after, obsidian)
    left = kind_after != " " and (kind_after != "." or kind_before != "a")
    right = kind_before != " " and (kind_before != "." or kind_after != "a")
    if marker == "_":
        return left and (not right or kind_before == "."), right and (not left or kind_after == ".")
    return left, right


# Each character's kind once known, for each flavor: " " whitespace, "." punctuation, "a"
# anything else.
_KINDS: dict[bool, dict[str, str]] = {False: {}, True: {}}


def _kind(character: str, obsidian: bool) -> str:
    if is_whitespace(character):
        kind = " "
    elif is_punctuation(character, obsidian):
        kind = "."
    else:
        kind = "a"
    _KINDS[obsidian][character] = kind
    return kind


def _can_pair(opener: _Run, closer: _Run) -> bool:
    """CommonMark's rule of three, on the lengths the runs had as written."""
    if opener.can_close or closer.can_open:
        total = opener.original + closer.original
        return total % 3 != 0 or (opener.original % 3 == 0 and closer.original % 3 == 0)
    return True


class _Line:
    """The parts of a line (text, runs and other tokens) in a linked list, and its runs."""

    def __init__(self, tokens: list[Token], obsidian: bool) -> None:
        self.parts: list[Token] = []
        self.depths: list[int] = []
        self.runs: list[_Run] = []
        source = "".join(_stands_for(token) for token in tokens)
        start = 0
        for token in tokens:
            if token["type"] == "text" and token.get("_emphasis", True):
                self._split(token["raw"], source, start, obsidian)
            else:
                self._add(_clean(token), _depth(token) if "children" in token else 0)
            start += len(token["raw"]) if token["type"] == "text" else 1
        self.following = [*range(1, len(self.parts)), _NONE]

    def _add(self, token: Token, depth: int = 0) -> int:
        self.parts.append(token)
        self.depths.append(depth)
        return len(self.parts) - 1

    def _split(self, text: str, source: str, start: int, obsidian: bool) -> None:
        # (The hot loop of a line full of runs: the lists are appended to directly.)
        parts, depths, runs = self.parts, self.depths, self.runs
        for found in _RUN.finditer(text):
            run = found[0]
            parts.append({"type": "text", "raw": run})
            depths.append(0)
            marker = run[0]
            if marker != "*" and marker != "_":
                continue
            where = start + found.start()
            end = where + len(run)
            can_open, can_close = _flanking(
                source[where - 1] if where else "\n",
                source[end] if end < len(source) else "\n",
                marker,
                obsidian,
            )
            if can_open or can_close:
                index = len(runs)
                runs.append(
                    _Run(
                        len(parts) - 1,
                        marker,
                        len(run),
                        len(run),
                        can_open,
                        can_close,
                        index - 1,
                        index + 1,
                    )
                )

    def pair(self, depth_left: int) -> None:
        """Pair the runs, closers from left to right, each with the nearest opener it can
        close."""
        runs = self.runs
        if not runs:
            return
        runs[-1].next = _NONE
        # Per kind of closer, the first run an opener for it may still be.
        lowest: dict[tuple[str, int, bool], int] = {}
        current = 0
        while current != _NONE:
            closer = runs[current]
            if not closer.can_close or not closer.length:
                current = closer.next
                continue
            kind = (closer.marker, closer.length % 3, closer.can_open)
            opener_index = self._opener(current, lowest.get(kind, 0))
            if opener_index == _NONE:
                lowest[kind] = current
                current = closer.next
                continue
            contents = self._contents_depth(runs[opener_index].part, closer.part)
            if contents is None:
                current = closer.next
                continue
            if contents >= depth_left:
                # Too deep: no later closer of this kind pairs with this opener or one below
                # it, as their contents are deeper still.
                lowest[kind] = current
                current = closer.next
                continue
            self._match(opener_index, current, contents)
            opener = runs[opener_index]
            if opener.length:
                # As mistune does, try the opener's rest as a closer too.
                current = opener_index
            elif not closer.length:
                current = closer.next
            # (else the closer's rest is tried again)

    def _opener(self, closer_index: int, lowest: int) -> int:
        closer = self.runs[closer_index]
        index = closer.previous
        while index != _NONE and index >= lowest:
            run = self.runs[index]
            if run.marker == closer.marker and run.can_open and _can_pair(run, closer):
                return index
            index = run.previous
        return _NONE

    def _contents_depth(self, start: int, end: int) -> int | None:
        """How deep the parts between two parts nest, or None when they are all empty."""
        deepest = 0
        filled = False
        part = self.following[start]
        while part != end:
            token = self.parts[part]
            if token["type"] != "text" or token["raw"]:
                filled = True
            deepest = max(deepest, self.depths[part])
            part = self.following[part]
        return deepest if filled else None

    def _match(self, opener_index: int, closer_index: int, contents: int) -> None:
        runs = self.runs
        opener, closer = runs[opener_index], runs[closer_index]
        used = 2 if opener.length >= 2 and closer.length >= 2 else 1
        opening, closing = self.parts[opener.part], self.parts[closer.part]
        opening["raw"] = opening["raw"][:-used]
        closing["raw"] = closing["raw"][used:]
        children: list[Token] = []
        part = self.following[opener.part]
        while part != closer.part:
            children.append(self.parts[part])
            part = self.following[part]
        # Which character: `_x_` is written again as it was, and `__x__` is Scrapbox's `[* x]`
        # where `**x**` is `[[x]]`.
        token: Token = {
            "type": "strong" if used == 2 else "emphasis",
            "children": children,
            "marker": opener.marker,
        }
        node = self._add(token)
        self.depths[node] = contents + 1
        self.following.append(closer.part)
        self.following[opener.part] = node
        # The runs inside the new node can no longer pair.
        index = opener.next
        while index != closer_index:
            runs[index].length = 0
            index = runs[index].next
        opener.next = closer_index
        closer.previous = opener_index
        opener.length -= used
        closer.length -= used
        if not opener.length:
            opener.can_open = False
            self._unlink(opener)
        if not closer.length:
            closer.can_close = False
            self._unlink(closer)

    def _unlink(self, run: _Run) -> None:
        # `run.next` is kept: the pass goes on from there.
        if run.previous != _NONE:
            self.runs[run.previous].next = run.next
        if run.next != _NONE:
            self.runs[run.next].previous = run.previous

    def tokens(self) -> list[Token]:
        """The parts in order, adjacent texts joined and empty ones left out."""
        result: list[Token] = []
        chunks: list[str] = []
        part = 0
        while part != _NONE:
            token = self.parts[part]
            part = self.following[part]
            if token["type"] != "text":
                if chunks:
                    result.append({"type": "text", "raw": "".join(chunks)})
                    chunks = []
                result.append(token)
                continue
            raw = token["raw"]
            if not raw:
                continue
            chunks.append(raw)
        if chunks:
            result.append({"type": "text", "raw": "".join(chunks)})
        return result


def _stands_for(token: Token) -> str:
    """What a token is, to the rules that tell whether a run can open or close."""
    if token["type"] == "text":
        raw: str = token["raw"]
        return raw
    if token["type"] in ("softbreak", "linebreak"):
        return _BREAK
    return _OTHER
