"""Markdown and HTML sources: markup removed, structure kept (interviews/parsing/html.py and lines.py)."""

from __future__ import annotations

from tests.parsing.helpers import TWO, parse, said


def test_markdown_chrome_is_removed_from_the_text():
    """Images go, links keep their text, emphasis markers and backslash escapes disappear."""
    text = (
        "**Anna:** Schau ![Bild](a.png) auf [unsere Seite](https://x.org/a_(b)) – ***sehr*** *gut* \\& **neu**.\n\n"
        "**Bob:** Ein \\*Stern\\* bleibt.\n\n**Anna:** Ok.\n\n**Bob:** Ok."
    )
    result = parse(text, filename="t.md")
    assert said(result)[:2] == [
        ("Anna", "Schau auf unsere Seite – sehr gut & neu."),
        ("Bob", "Ein *Stern* bleibt."),
    ]


def test_setext_heading_is_the_title():
    result = parse("Ein Titel\n=========\n\n" + TWO, filename="t.md")
    assert result.title == "Ein Titel"


HTML = """<!DOCTYPE html><html><head><title>Bob | Hafen</title>
<style>p { color: red }</style><script>steal()</script></head>
<body><h1>Bob baut Boote</h1>
<p>Bob baut seit dreißig Jahren Boote &amp; Ruder &ndash; von Hand.</p>
<p><b>Anna:</b> Wie fing es an?</p>
<p onclick="track()" onmouseover="x()"><strong>Bob:</strong> Klein.<br>Sehr klein &lt;wirklich&gt;.</p>
<p><b>Anna:</b> Und <a href="/heute" onclick="y()">heute</a>?</p>
<p><b>Bob:</b> Groß.</p><script>track()</script></body></html>"""


def test_html_scripts_styles_and_event_handlers_are_removed_and_reported():
    result = parse(HTML, filename="bob.html")
    joined = result.description + " ".join(turn.text for turn in result.turns)
    assert "steal" not in joined and "track" not in joined and "color" not in joined
    assert "Removed 3 script/style elements and 3 event-handler attributes from the HTML." in result.warnings


def test_html_blocks_become_paragraphs_and_entities_are_unescaped():
    result = parse(HTML, filename="bob.html")
    assert result.title == "Bob baut Boote"
    assert result.description == "Bob baut seit dreißig Jahren Boote & Ruder – von Hand."
    assert said(result) == [
        ("Anna", "Wie fing es an?"),
        ("Bob", "Klein.\nSehr klein <wirklich>."),
        ("Anna", "Und heute?"),
        ("Bob", "Groß."),
    ]


def test_html_is_recognised_without_the_extension():
    assert parse(HTML, filename="upload.txt").turns[0].speaker == "Anna"
