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


INTERVIEW = """<p>Bob baut seit dreißig Jahren Boote. Ein Gespräch über Holz und Geduld.</p>
<p><b>Anna:</b> Wie fing es an mit der Werft am Hafen?</p>
<p><b>Bob:</b> Klein, mit einem Boot im Hof meines Vaters und viel Geduld.</p>
<p><b>Anna:</b> Und wie sieht die Werft heute aus, dreißig Jahre später?</p>
<p><b>Bob:</b> Groß, mit zwölf Leuten und Aufträgen aus ganz Europa.</p>"""
ONLY_THE_INTERVIEW = ["Anna", "Bob", "Anna", "Bob"]

# A whole page around the interview: site header, cookie banner, related articles, comments.
PAGE_AROUND = """<!DOCTYPE html><html><head><title>Bob | Hafen</title></head><body>
<header class="site-header"><p>Hafenblatt – Nachrichten vom Wasser</p></header>
<div class="cookie-banner"><p>Wir verwenden Cookies. Einverstanden?</p></div>
<h1>Bob baut Boote</h1>
{content}
<section class="related"><h2>Mehr Interviews</h2><ul><li><a href="/c">Carla segelt</a></li></ul>
<p>Carla: Ein Leben auf See.</p></section>
<section id="comments"><h2>Kommentare</h2><p><b>Dora:</b> Tolles Interview!</p>
<p><b>Bob:</b> Danke, Dora!</p><p><b>Dora:</b> Gern, weiter so.</p></section>
</body></html>"""


def speakers_on_page(content):
    return [speaker for speaker, _ in said(parse(PAGE_AROUND.format(content=content), filename="bob.html"))]


def test_html_page_around_one_article_gives_only_the_interview():
    """Header, cookie banner, related articles and the comments (with their own labels) go."""
    result = parse(PAGE_AROUND.format(content=f"<article>{INTERVIEW}</article>"), filename="bob.html")
    assert result.title == "Bob baut Boote"
    assert result.description == "Bob baut seit dreißig Jahren Boote. Ein Gespräch über Holz und Geduld."
    assert [speaker for speaker, _ in said(result)] == ONLY_THE_INTERVIEW


def test_html_container_named_by_its_attributes_is_found():
    """<main>, role="main", itemprop="articleBody" or a class such as "entry-content" mark the content."""
    for opening, closing in [
        ("<main>", "</main>"),
        ('<div role="main">', "</div>"),
        ('<div itemprop="articleBody">', "</div>"),
        ('<div class="post entry-content">', "</div>"),
        ('<section id="article-body">', "</section>"),
    ]:
        assert speakers_on_page(opening + INTERVIEW + closing) == ONLY_THE_INTERVIEW, opening


def test_html_page_without_a_container_is_read_whole():
    assert speakers_on_page(f"<div>{INTERVIEW}</div>")[4:] == ["Dora", "Bob", "Dora"]


def test_html_list_page_with_two_articles_is_read_whole():
    first, second = INTERVIEW.split("<p><b>Anna:</b> Und")
    content = f"<article>{first}</article><article><p><b>Anna:</b> Und{second}</article>"
    assert speakers_on_page(content)[4:] == ["Dora", "Bob", "Dora"]


def test_html_tiny_article_is_a_teaser_and_the_page_is_read_whole():
    """An <article> with under half of the page's paragraph text never hides the transcript."""
    content = f"<article><p>Bob im Gespräch – jetzt lesen</p></article>{INTERVIEW}"
    assert speakers_on_page(content) == [*ONLY_THE_INTERVIEW, "Dora", "Bob", "Dora"]


def test_html_comments_nested_in_the_article_do_not_make_it_a_list_page():
    """Only outermost <article>s count: comments marked up as <article>s inside it do not."""
    content = f"<article>{INTERVIEW}<article><p>Ein Leser: Danke.</p></article></article>"
    assert speakers_on_page(content) == ONLY_THE_INTERVIEW


def test_html_innermost_container_holding_most_of_the_text_wins():
    """<main> holding the article and its comment thread gives way to the article inside it."""
    comments = "<div class='comments'><p><b>Dora:</b> Tolles Interview!</p><p><b>Bob:</b> Danke!</p></div>"
    assert speakers_on_page(f"<main><article>{INTERVIEW}</article>{comments}</main>") == ONLY_THE_INTERVIEW


def test_html_container_with_its_own_heading_does_not_get_the_site_logo_as_title():
    page = PAGE_AROUND.replace("<h1>Bob baut Boote</h1>", "<h1>Hafenblatt</h1>").format(
        content=f"<article><h1>Bob baut Boote</h1>{INTERVIEW}</article>"
    )
    assert parse(page, filename="bob.html").title == "Bob baut Boote"


def test_html_transcript_outside_paragraphs_is_not_cut_away_with_the_page():
    """Turns split by <br> beside a container that holds the page's only <p>s: read whole."""
    turns = "<br>".join(f"<b>{name}:</b> Ein ganz gewöhnlicher Satz im Gespräch." for name in ONLY_THE_INTERVIEW)
    page = f"<html><body><main><p>Hafenblatt – Nachrichten vom Wasser</p></main><div>{turns}</div></body></html>"
    assert [speaker for speaker, _ in said(parse(page, filename="bob.html"))] == ONLY_THE_INTERVIEW
