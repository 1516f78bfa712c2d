"""Hostile and huge input: no hangs, no crashes, and the parser stays pure Python."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interviews.parsing import ParseError, parse_transcript
from tests.parsing.helpers import GERMAN_SEED, TESTS, parse

TAIL = "\n\nAnna: Hallo.\n\nBob: Hi.\n\nAnna: Gut.\n\nBob: Ja."


# A hang guard, not a speed target (those live in `manage.py bench`): the broken versions took
# 12 s or never finished; a healthy parse takes about 0.1 s even on a loaded machine.
HANG_SECONDS = 8.0


def _timed(data, **kwargs):
    started = time.perf_counter()
    result = parse(data, **kwargs)
    return result, time.perf_counter() - started


def test_html_tag_with_50000_attributes_parses_fast():
    """html5ever is quadratic in attributes per tag; we strip them before nh3 sees the tag."""
    tag = "<p " + " ".join(f'data-a{i}="v" onclick{i}="x()"' for i in range(25000)) + ">Vorwort.</p>"
    result, seconds = _timed(tag + TAIL.replace("\n\n", "<br><br>"), filename="evil.html")
    assert len(result.turns) == 4
    assert seconds < HANG_SECONDS


def test_13000_nested_brackets_parse_fast():
    for data, filename in [
        ("[" * 13000 + "x" + "](" * 13000 + TAIL, "evil.md"),
        ("(" * 13000 + "x" + ")" * 13000 + TAIL, "evil.txt"),
        ("<div>" * 13000 + TAIL.replace("\n\n", "<br><br>") + "</div>" * 13000, "evil.html"),
    ]:
        result, seconds = _timed(data, filename=filename)
        assert len(result.turns) == 4
        assert seconds < HANG_SECONDS


def test_five_megabyte_transcript_parses_completely():
    """The largest accepted upload parses whole: every repeated exchange becomes turns."""
    source = GERMAN_SEED.read_text(encoding="utf-8")
    body = source[source.index("Q: Bevor") : source.index("Videoadresse")]
    copies = 5_000_000 // len(body) + 1
    result = parse((body * copies).encode("utf-8"), language="de")
    assert len(result.turns) == 74 * copies


FRAGMENTS = [
    "Q:",
    "A:",
    "Anna:",
    "**",
    "*",
    "__",
    "[",
    "]",
    "(",
    ")",
    "![",
    "](",
    "http://x.y",
    "\n",
    "\n\n",
    " ",
    "：",
    "主持人",
    "Aidan Gomez",
    "Fast",
    "## ",
    "---",
    "===",
    "<p>",
    "</p>",
    "<b>",
    "<br>",
    "<script>",
    "&amp;",
    "\\&",
    "[00:01]",
    "(00:01:02)",
    "END",
    "公众号",
    "。",
    ".",
    "?",
    "Hallo",
    "\u200b",
    "e\u0301",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=60), st.sampled_from(["t.txt", "t.md", "t.html"]))
def test_any_text_parses_or_fails_with_a_message(fragments, filename):
    """Whatever is uploaded, the user gets a transcript or a ParseError, never a crash."""
    try:
        result = parse("".join(fragments), filename=filename)
    except ParseError as error:
        assert str(error)
        return
    assert all(turn.text for turn in result.turns)
    assert all(turn.section is None or 0 <= turn.section < len(result.sections) for turn in result.turns)
    assert {turn.speaker for turn in result.turns} == {speaker.name for speaker in result.speakers}


def test_parser_does_not_import_django():
    """The parser is pure: it runs (and is tested) without Django settings."""
    code = (
        "import sys; from interviews.parsing import parse_transcript;"
        "parse_transcript('Anna: Hallo.\\n\\nBob: Hi.\\n\\nAnna: Gut.\\n\\nBob: Ja.', language='de');"
        "sys.exit(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    subprocess.run([sys.executable, "-c", code], cwd=TESTS.parents[1], check=True)


def test_absurd_number_of_tiny_turns_is_refused_before_parsing_in_under_two_seconds():
    """816,000 one-word turns in 4.9 MB: refused by counting label-like lines, not after a full parse."""
    data = ("A: x\n" * 816_000).encode("utf-8")
    started = time.perf_counter()
    with pytest.raises(ParseError, match="816,000 lines that start with a speaker label; .* at most 20,000 turns"):
        parse_transcript(data, language="en", max_turns=20_000)
    assert time.perf_counter() - started < 2


def test_absurd_number_of_lines_is_refused_before_parsing():
    with pytest.raises(ParseError, match="The file has 1,000,001 lines"):
        parse_transcript(("x\n" * 1_000_000).encode(), language="en", max_turns=20_000)


def test_a_long_transcript_within_the_limit_passes_the_precheck():
    text = "".join(f"{'Host' if n % 2 else 'Guest'}: Turn {n}, with a note: colons inside.\n\n" for n in range(300))
    assert len(parse_transcript(text, language="en", max_turns=300).turns) == 300
