"""Span links (`?s=<start>-<end>&h=<fingerprint>`): offsets, re-finding and rendering, no Django."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interviews.quotes import spans
from interviews.quotes.spans import EXACT, INVALID, MISSING, MOVED, NONE, Span, find, fingerprint, paragraphs, resolve

TEXT = "Daten sind alles. Ohne gute Daten lernt kein Modell.\n\nRechenleistung hilft, aber wenig."


def link(text, start, end):
    return Span(start, end).query(text)


def test_offsets_count_characters_of_the_stored_text_including_paragraph_breaks():
    """A span across a paragraph break covers the two newline characters between paragraphs."""
    start = TEXT.index("kein Modell")
    end = TEXT.index("Rechenleistung") + len("Rechenleistung")
    result = resolve(TEXT, **link(TEXT, start, end))
    assert result.status == EXACT
    assert result.span.text(TEXT) == "kein Modell.\n\nRechenleistung"


def test_offsets_are_code_points_not_utf16_units():
    """An emoji before the span counts as one character (JavaScript counts two; the page script
    converts before it builds the link)."""
    text = "Ein 😀 Emoji und 𝔘nicode."
    start = text.index("Emoji")
    assert start == 6
    result = resolve(text, f"{start}-{start + 5}", fingerprint("Emoji"))
    assert result.status == EXACT and result.span.text(text) == "Emoji"


def test_fingerprint_is_short_and_lowercase_base36():
    assert fingerprint("Daten") == fingerprint("Daten")
    assert fingerprint("Daten") != fingerprint("daten")
    for text in ("", "a", "中国", "😀" * 50, TEXT):
        assert len(fingerprint(text)) <= 6
        assert fingerprint(text).isalnum() and fingerprint(text) == fingerprint(text).lower()


def test_fingerprint_known_values():
    """Pinned values: static/js/permalinks.js must produce exactly these (the browser test
    checks the script against this function)."""
    assert fingerprint("") == "0"
    assert fingerprint("a") == "2p"
    assert fingerprint("中国😀") == fingerprint("中国😀")
    h = 0
    for ch in "中国😀":
        h = (h * 1_000_003 + ord(ch)) % 2_147_483_647
    assert int(fingerprint("中国😀"), 36) == h


def test_span_without_fingerprint_is_taken_as_is():
    """A hand-made `?s=0-5` link still highlights, it just cannot survive a correction."""
    result = resolve(TEXT, "0-5")
    assert result.status == EXACT and result.span.text(TEXT) == "Daten"


def test_edited_text_before_the_span_moves_it():
    """After a typo fix earlier in the turn, the span's text is found at its new place."""
    start = TEXT.index("Ohne gute Daten")
    params = link(TEXT, start, start + len("Ohne gute Daten"))
    corrected = TEXT.replace("Daten sind alles.", "Die Daten sind wirklich alles.")
    result = resolve(corrected, **params)
    assert result.status == MOVED
    assert result.span.text(corrected) == "Ohne gute Daten"


def test_repeated_text_is_found_nearest_the_old_offset():
    text = "Ja. Daten. Nein. Daten. Vielleicht. Daten."
    second = text.index("Daten", 6)
    params = link(text, second, second + 5)
    corrected = "Also: " + text
    result = resolve(corrected, **params)
    assert result.span == Span(second + 6, second + 11)


def test_span_whose_text_was_changed_is_missing():
    start = TEXT.index("Ohne gute Daten")
    params = link(TEXT, start, start + len("Ohne gute Daten"))
    corrected = TEXT.replace("Ohne gute Daten", "Ohne saubere Daten")
    result = resolve(corrected, **params)
    assert result.status == MISSING and result.span is None
    assert "corrected" in result.note


@pytest.mark.parametrize(
    "s,h",
    [
        ("abc", None),
        ("5", None),
        ("10-5", None),
        ("5-5", None),
        ("-1-5", None),
        ("0-99999", None),  # beyond the text, no fingerprint to search with
        ("0-99999999999999", None),
        ("1-2-3", None),
        ("0-5", "NOT-A-HASH"),
        ("0-5", "x" * 40),
        ("0 - 5", None),
        ("0-5\x00", None),
        ("٣-٥", None),  # Arabic-Indic digits are not offsets
    ],
)
def test_invalid_parameters_show_the_whole_turn_with_a_note(s, h):
    result = resolve(TEXT, s, h)
    assert result.status == INVALID and result.span is None
    assert result.note


def test_no_span_parameter_is_no_span():
    assert resolve(TEXT, None).status == NONE
    assert resolve(TEXT, "").status == NONE
    assert resolve(TEXT, None, "abc").status == NONE
    assert resolve(TEXT, None).note == ""


def test_whitespace_at_the_edges_is_trimmed():
    start = TEXT.index("Modell.") - 1  # the space before
    end = TEXT.index("Rechenleistung")  # through the paragraph break
    result = resolve(TEXT, f"{start}-{end}")
    assert result.span.text(TEXT) == "Modell."


def test_whitespace_only_span_is_invalid():
    start = TEXT.index("\n\n")
    assert resolve(TEXT, f"{start}-{start + 2}").status == INVALID


def test_span_covering_the_whole_turn_is_no_span():
    assert resolve(TEXT, f"0-{len(TEXT)}").status == NONE


def test_find_is_linear_enough_for_a_huge_turn():
    """Re-finding scans with a rolling hash: a 200,000-character turn is searched at once."""
    text = "Wort " * 40_000 + "Ende gut."
    assert find(text, 9, fingerprint("Ende gut."), near=0) == len(text) - 9


def test_paragraphs_carry_offsets_and_marks():
    start = TEXT.index("kein")
    end = TEXT.index("hilft")
    parts = paragraphs(TEXT, Span(start, end))
    assert [p.offset for p in parts] == [0, TEXT.index("Rechenleistung")]
    assert [p.text for p in parts] == TEXT.split("\n\n")
    marked = [s.text for p in parts for s in p.segments if s.marked]
    assert marked == ["kein Modell.", "Rechenleistung "]


def test_paragraphs_without_span_are_unmarked_and_keep_empty_pieces():
    parts = paragraphs("Eins\n\n\n\nZwei")
    assert [(p.offset, p.text) for p in parts] == [(0, "Eins"), (6, ""), (8, "Zwei")]
    assert not any(s.marked for p in parts for s in p.segments)


@given(
    text=st.text(st.sampled_from(list("ab 中😀\n")), min_size=1, max_size=40),
    data=st.data(),
)
def test_any_valid_span_round_trips(text, data):
    """Whatever the text (CJK, astral characters, newlines), a link made for a span of it
    resolves back to that span (after trimming whitespace), and rendering marks exactly it."""
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    result = resolve(text, **link(text, start, end))
    a, b = spans.trim(text, start, end)
    if a >= b:
        assert result.status == INVALID
    elif (a, b) == (0, len(text)):
        assert result.status == NONE
    else:
        assert result.status == EXACT and result.span == Span(a, b)
        marked = set()
        for paragraph in paragraphs(text, result.span):
            position = paragraph.offset
            for segment in paragraph.segments:
                if segment.marked:
                    marked.update(range(position, position + len(segment.text)))
                position += len(segment.text)
        inside = {i for p in paragraphs(text) for i in range(p.offset, p.offset + len(p.text))}
        assert marked == set(range(a, b)) & inside
