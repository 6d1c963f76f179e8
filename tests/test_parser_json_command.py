"""`python -m scrapconv.scrapbox.parser_json`: the reference oracle's command, in Python."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .oracle import oracle_script

COMMAND = [sys.executable, "-m", "scrapconv.scrapbox.parser_json"]


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([*COMMAND, *args], input=stdin, capture_output=True, text=True)


def test_one_page_from_the_command_line() -> None:
    result = run("--text", "Title\n[* bold] #tag")
    assert result.returncode == 0
    blocks = json.loads(result.stdout)
    assert blocks[0] == {"type": "title", "text": "Title"}
    assert [node["type"] for node in blocks[1]["nodes"]] == ["decoration", "plain", "hashTag"]


def test_pages_on_standard_input() -> None:
    result = run("--no-title", stdin=json.dumps(["[a]", "`b`"]))
    assert result.returncode == 0
    pages = json.loads(result.stdout)
    assert [page[0]["nodes"][0]["type"] for page in pages] == ["link", "code"]


def test_a_lone_string_is_one_page() -> None:
    result = run(stdin=json.dumps("T\nx"))
    assert json.loads(result.stdout)[0][0] == {"type": "title", "text": "T"}


def test_unescape_and_pretty() -> None:
    result = run("--unescape", "--pretty", "--text", "T\\n\\ta")
    assert result.stdout.startswith("[\n  {\n")
    assert json.loads(result.stdout)[1]["indent"] == 1


def test_any_text_gives_json_even_where_the_reference_would_fail() -> None:
    # encodeURIComponent throws on a lone surrogate in a map's place name; scrapconv does not.
    result = run("--no-title", stdin=json.dumps(["[\ud800 N35,E139]"]))
    assert result.returncode == 0
    node = json.loads(result.stdout)[0][0]["nodes"][0]
    assert node["place"] == "\ud800"
    assert node["url"].startswith("https://www.google.com/maps/place/%ED%A0%80/@35,139,14z")


def test_reference_bugs_switch() -> None:
    kept = json.loads(run("--no-title", "--text", "x http://] y").stdout)
    lost = json.loads(run("--no-title", "--reference-bugs", "--text", "x http://] y").stdout)
    assert [node["raw"] for node in kept[0]["nodes"]] == ["x http://] y"]
    assert [node["raw"] for node in lost[0]["nodes"]] == ["x ", " y"]


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("--frobnicate",), "", "unknown argument"),
        (("--text",), "", "--text needs a value"),
        ((), "not json", "not JSON"),
        ((), "[1, 2]", "array of strings"),
    ],
)
def test_usage_errors_exit_2_with_one_message(
    args: tuple[str, ...], stdin: str, message: str
) -> None:
    result = run(*args, stdin=stdin)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    "args",
    [(), ("--no-title",), ("--pretty",), ("--no-title", "--pretty")],
)
def test_output_is_byte_for_byte_the_reference_commands(args: tuple[str, ...]) -> None:
    pages = [
        "Title\n[* bold] #tag [a]? b `x` [https://a.com/x.png] [me.icon*2]\n 1. 2. x",
        "東京\n[東京駅 N35.6812362,E139.7649361,Z14]\ntable:t\n\ta\t[b]\ncode:a.js\n x",
        '\u3000全角 [$ x^2 ] [https://example.com Example] "quoted" \\ \x7f\u2028',
        "lone \ud800 surrogate \udfff\n\x00\x1f\U0001f600 [\U0001f600.icon] [$ \ud83d ]",
    ]
    ours = run(*args, stdin=json.dumps(pages))
    reference = subprocess.run(
        ["node", str(oracle_script()), *args],
        input=json.dumps(pages),
        capture_output=True,
        text=True,
        check=True,
    )
    assert ours.stdout == reference.stdout
