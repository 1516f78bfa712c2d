"""Quote permalinks as readers, crawlers and other sites see them: stable keys, span links,
old URL shapes, sharing meta tags, the JSON twin and the quote card image."""

import io
import logging
import os
from html import unescape
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from PIL import Image, ImageChops

from interviews.ingest import ingest_transcript
from interviews.models import Interview, Turn, TurnAlignment
from interviews.quotes import card_fonts, cards, sharing
from interviews.quotes.cards import card_cache_key
from interviews.quotes.spans import Span, fingerprint
from interviews.sources import read_manifest
from interviews.translations import store as translations
from tests.factories import SEEDS, SHORT_INTERVIEW, ingest_text

pytestmark = pytest.mark.django_db

MANIFEST = SEEDS / "20vc-aidan-gomez.json"


@pytest.fixture(autouse=True)
def card_dir(settings, tmp_path):
    """Cards are cached in a per-test data directory."""
    settings.DATA_DIR = tmp_path
    return tmp_path / "cards"


@pytest.fixture
def seeds():
    call_command("ingest", str(SEEDS), stdout=io.StringIO())
    return Interview.objects.get()


def german_source(edit=lambda text: text):
    source = next(s for s in read_manifest(MANIFEST) if s.transcript.language == "de")
    source.data = edit(source.data.decode("utf-8")).encode("utf-8")
    return source


class Page(HTMLParser):
    """The bits of a page these tests read: meta tags, link tags, <mark> texts, the share URL."""

    def __init__(self, html):
        super().__init__()
        self.meta, self.links, self.marks, self.inputs = {}, {}, [], {}
        self._in_mark = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and ("property" in attrs or "name" in attrs):
            self.meta[attrs.get("property") or attrs["name"]] = attrs.get("content")
        elif tag == "link":
            self.links[attrs.get("rel")] = attrs.get("href")
        elif tag == "mark":
            self._in_mark = True
            self.marks.append("")
        elif tag == "input" and "id" in attrs:
            self.inputs[attrs["id"]] = attrs.get("value")

    def handle_endtag(self, tag):
        if tag == "mark":
            self._in_mark = False

    def handle_data(self, data):
        if self._in_mark:
            self.marks[-1] += data


def span_url(turn, text_of_span, occurrence_after=0):
    start = turn.text.index(text_of_span, occurrence_after)
    span = Span(start, start + len(text_of_span))
    q = span.query(turn.text)
    return f"{turn.get_absolute_url()}?s={q['s']}&h={q['h']}"


# --- Stable keys ----------------------------------------------------------------------------


def test_permalinks_survive_a_corrected_reingest_with_edited_inserted_and_removed_turns(client, seeds):
    """A corrected German transcript (a typo fixed, an exchange added, an exchange dropped):
    every surviving quote keeps its link, the edited one shows the corrected text, the added
    ones get new links, and the dropped ones answer 410 Gone with the text they had."""
    de = seeds.transcripts.get(language="de")
    before = {t.key: t.text for t in de.turns.all()}
    edited = de.turns.get(text__contains="größer macht.Dies")
    dropped = list(de.turns.filter(text__startswith="Wird dieser Fortschritt anhalten?")) + list(
        de.turns.filter(text__startswith="Ja, es erfordert exponentielle Investitionen.")
    )
    assert len(dropped) == 2

    def correct(text):
        text = text.replace("größer macht.Dies", "größer macht. Dies")
        text = text.replace(
            "Aidan Gomez: Ich mag Spiele und ich liebe Technik seit meiner Kindheit.\n",
            "Aidan Gomez: Ich mag Spiele und ich liebe Technik seit meiner Kindheit.\n\n"
            "Q: Welche Spiele zum Beispiel?\n\nAidan Gomez: Vor allem Strategiespiele am Computer.\n",
        )
        start = text.index("Q: Wird dieser Fortschritt anhalten?")
        end = text.index("Q: Wird es in einer Welt")
        return text[:start] + text[end:]

    result = ingest_transcript(german_source(correct))
    assert (result.status, result.turns_added, result.turns_removed, result.turns_edited) == ("updated", 2, 2, 1)

    for key, text in before.items():
        response = client.get(f"/q/{key}/")
        if key in {t.key for t in dropped}:
            assert response.status_code == 410
            assert text[:40] in response.content.decode()
            assert seeds.get_absolute_url() in response.content.decode()
            gone = client.get(f"/q/{key}.json")
            assert gone.status_code == 410 and gone.json()["text"] == text
        else:
            assert response.status_code == 200, key
    assert "größer macht. Dies" in client.get(edited.get_absolute_url()).content.decode()
    added = Turn.objects.get(text="Vor allem Strategiespiele am Computer.")
    assert added.key not in before
    assert client.get(added.get_absolute_url()).status_code == 200


def test_span_link_is_refound_after_a_correction_before_it(client, seeds):
    """A span link made before a typo fix earlier in the same turn still highlights the same
    words: the offsets moved by one character and the fingerprint finds them again."""
    turn = Turn.objects.get(transcript__language="de", text__contains="größer macht.Dies")
    url = span_url(turn, "Dies ist der zuverlässigste Weg")
    ingest_transcript(german_source(lambda t: t.replace("größer macht.Dies", "größer macht. Dies")))

    page = Page(client.get(url).content.decode())
    assert page.marks == ["Dies ist der zuverlässigste Weg"]
    assert "no longer" not in client.get(url).content.decode()
    # The share link now carries the corrected offsets.
    shared = parse_qs(urlsplit(page.inputs["share-url"]).query)
    turn.refresh_from_db()
    start = turn.text.index("Dies ist der zuverlässigste Weg")
    assert shared["s"] == [f"{start}-{start + 31}"]


def test_span_link_whose_words_were_corrected_falls_back_to_the_whole_turn_with_a_note(client, seeds):
    turn = Turn.objects.get(transcript__language="de", text__contains="„Lesson Learning“")
    url = span_url(turn, "„Lesson Learning“")
    ingest_transcript(german_source(lambda t: t.replace("„Lesson Learning“", "„Curriculum Learning“")))
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert Page(html).marks == []
    assert "the passage it highlighted is no longer in this quote" in html
    assert "„Curriculum Learning“" in html


# --- Spans ----------------------------------------------------------------------------------


def test_span_link_highlights_exactly_the_span(client, seeds):
    turn = Turn.objects.get(transcript__language="zh", ordinal=5)
    words = turn.text[10:40]
    response = client.get(f"{turn.get_absolute_url()}?s=10-40&h={fingerprint(words)}")
    page = Page(response.content.decode())
    assert page.marks == [words]
    assert page.meta["og:description"] == words
    assert page.inputs["share-url"] == f"http://testserver{turn.get_absolute_url()}?s=10-40&h={fingerprint(words)}"
    # Canonical is the quote itself, whatever the span.
    assert page.links["canonical"] == f"http://testserver{turn.get_absolute_url()}"


def test_span_across_paragraphs_is_marked_in_each(client, seeds):
    turn = Turn.objects.get(transcript__language="de", text__contains="„Lesson Learning“")
    first, second = turn.text.split("\n\n")[:2]
    start = turn.text.index(first[-20:])
    end = len(first) + 2 + 25
    html = client.get(f"{turn.get_absolute_url()}?s={start}-{end}").content.decode()
    assert Page(html).marks == [first[-20:], second[:25]]


def test_span_offsets_without_fingerprint_still_highlight(client, seeds):
    turn = Turn.objects.get(transcript__language="de", ordinal=3)
    assert Page(client.get(f"{turn.get_absolute_url()}?s=0-2").content.decode()).marks == ["Ja"]


@pytest.mark.parametrize(
    "query", ["s=abc", "s=40-10", "s=0-999999", "s=5", "s=1-2-3", "s=0-5&h=!!", "s=%00", "s=9999999-99999999&h=zz"]
)
def test_invalid_span_shows_the_whole_turn_with_a_note(client, seeds, query):
    turn = Turn.objects.get(transcript__language="de", ordinal=3)
    response = client.get(f"{turn.get_absolute_url()}?{query}")
    assert response.status_code == 200
    html = response.content.decode()
    assert Page(html).marks == []
    assert "whole quote is shown" in html
    assert turn.paragraphs[0] in html
    assert client.get(f"/q/{turn.key}.json?{query}").json()["span"] is None
    assert client.get(f"/q/{turn.key}.png?{query}").status_code == 200


def test_every_turn_text_carries_paragraph_offsets_for_the_selection_script(client, seeds):
    """On the interview, speaker and quote pages each paragraph says where it starts in the
    stored text, and the turn says which permalink a selection in it links to."""
    turn = Turn.objects.get(transcript__language="de", text__contains="„Lesson Learning“")
    second_offset = turn.text.index("\n\n") + 2
    for url in (turn.transcript.get_absolute_url(), turn.speaker.get_absolute_url(), turn.get_absolute_url()):
        html = client.get(url).content.decode()
        assert f'data-permalink="{turn.get_absolute_url()}"' in html
        assert f'<p data-offset="{second_offset}">{turn.text.split(chr(10) * 2)[1][:30]}' in html


# --- Old URL shapes -------------------------------------------------------------------------


def test_old_url_shapes_redirect_to_the_canonical_permalink(client, seeds):
    turn = Turn.objects.get(transcript__language="de", ordinal=3)
    upper = turn.key.upper()
    cases = {
        f"/q/{turn.key}": f"/q/{turn.key}/",
        f"/q/{upper}/": f"/q/{turn.key}/",
        f"/q/{upper}": f"/q/{turn.key}/",
        f"/q/{upper}/?s=0-2&h=x&utm_source=feed": f"/q/{turn.key}/?s=0-2&h=x",
        f"/q/{upper}.json": f"/q/{turn.key}.json",
        f"/q/{upper}.png": f"/q/{turn.key}.png",
    }
    for old, new in cases.items():
        response = client.get(old)
        assert (response.status_code, response["Location"]) == (301, new), old


def test_transcript_position_redirects_to_the_turn_there_now(client, seeds):
    """`/interviews/<slug>/<transcript>/t<n>/` is the `#t<n>` anchor as a path: it leads to
    whatever turn is at that position (a temporary redirect, since corrections renumber)."""
    de = seeds.transcripts.get(language="de")
    response = client.get(f"/interviews/{seeds.slug}/de/t3/")
    assert (response.status_code, response["Location"]) == (302, de.turns.get(ordinal=3).get_absolute_url())
    assert client.get(f"/interviews/{seeds.slug}/de/t999/").status_code == 404
    assert client.get(f"/interviews/{seeds.slug}/fr/t3/").status_code == 404


def test_unknown_key_is_404_everywhere(client):
    for url in ("/q/zzzzzzzz/", "/q/zzzzzzzz.json", "/q/zzzzzzzz.png", "/q/not-a-key/"):
        assert client.get(url).status_code == 404, url
    assert client.get("/q/zzzzzzzz.json").json()["error"]["code"] == "not_found"


# --- Page and sharing meta ------------------------------------------------------------------


def test_quote_page_names_speaker_interview_date_language_publisher_and_note(client, seeds):
    turn = Turn.objects.get(transcript__language="de", ordinal=3)
    html = client.get(turn.get_absolute_url()).content.decode()
    assert f'href="{turn.speaker.get_absolute_url()}"' in html
    assert f'href="{seeds.get_absolute_url()}"' in html
    assert "24 August 2024" in html
    assert "Deutsch" in html and "Machine translation" in html
    assert "QbitAI (量子位), German machine translation" in html
    assert "Known mistranslations include" in html
    assert f'href="{turn.get_transcript_url()}"' in html
    assert "Harry Stebbings" in html  # the interviewer, and the previous turn
    text = unescape(html)
    assert "Gomez, A. (2024, August 24)." in text and "@misc{gomez2024_" in text and '"type": "interview"' in text


def test_sharing_meta_tags_describe_the_quote(client, seeds):
    """Pasting a quote link into a chat or social network shows the speaker and interview as the
    title, the quote (cut at a word) as the description and the card as a large image."""
    turn = Turn.objects.get(transcript__language="de", ordinal=3)
    page = Page(client.get(turn.get_absolute_url()).content.decode())
    title = "Aidan Gomez in “20VC: Aidan Gomez, Cohere, with Harry Stebbings”"
    assert page.meta["og:title"] == page.meta["twitter:title"] == title
    assert page.meta["og:type"] == "article"
    assert page.meta["og:url"] == f"http://testserver/q/{turn.key}/"
    assert page.meta["og:image"] == page.meta["twitter:image"] == f"http://testserver/q/{turn.key}.png"
    assert (page.meta["og:image:width"], page.meta["og:image:height"]) == ("1200", "630")
    assert page.meta["twitter:card"] == "summary_large_image"
    description = page.meta["og:description"]
    assert description == page.meta["twitter:description"] == page.meta["description"]
    assert len(description) <= 200 and description.endswith("…")
    flat = " ".join(turn.text.split())
    cut = description[:-1]
    assert flat.startswith(cut) and flat[len(cut)] in " ,.;:"  # whole words only
    assert page.links["canonical"] == f"http://testserver/q/{turn.key}/"


def test_chinese_description_is_cut_between_characters(client, seeds):
    turn = next(t for t in Turn.objects.filter(transcript__language="zh") if len(t.text) > 300)
    description = Page(client.get(turn.get_absolute_url()).content.decode()).meta["og:description"]
    assert description.endswith("…") and 150 < len(description) <= 200
    assert " ".join(turn.text.split()).startswith(description[:-1])
    assert description[-2] not in "，。、；："


def test_span_page_shares_the_span_and_its_card(client, seeds):
    turn = Turn.objects.get(transcript__language="de", ordinal=3)
    url = span_url(turn, "„Lesson Learning“")
    page = Page(client.get(url).content.decode())
    assert page.meta["og:description"] == "„Lesson Learning“"
    query = urlsplit(url).query
    assert page.meta["og:image"] == f"http://testserver/q/{turn.key}.png?{query}"
    assert page.meta["og:url"] == f"http://testserver{url}"


def test_excerpt_keeps_short_text_and_cuts_long_text_at_a_word():
    assert sharing.excerpt("Kurz und gut.") == "Kurz und gut."
    assert sharing.excerpt("eins zwei drei vier fünf", 12) == "eins zwei…"
    assert sharing.excerpt("数据质量至关重要，我们花了很多时间清洗数据。", 10) == "数据质量至关重要…"
    assert sharing.excerpt("a" * 50, 10) == "a" * 9 + "…"


def test_canonical_link_on_every_page(client, seeds):
    de = seeds.transcripts.get(language="de")
    turn = de.turns.first()
    for path in (
        "/",
        seeds.get_absolute_url(),
        de.get_absolute_url(),
        turn.speaker.get_absolute_url(),
        turn.get_absolute_url(),
    ):
        assert (
            Page(client.get(path + "?utm_source=x").content.decode()).links["canonical"] == f"http://testserver{path}"
        )


# --- Translations ---------------------------------------------------------------------------


@pytest.fixture
def aligned(seeds):
    de = seeds.transcripts.get(language="de")
    zh = seeds.transcripts.get(language="zh")
    de_turn = de.turns.get(ordinal=3)
    sure, unsure, rejected = zh.turns.filter(ordinal__in=[7, 8, 9]).order_by("ordinal")
    TurnAlignment.objects.all().delete()  # replace the automatic alignment with known rows
    TurnAlignment.objects.create(source=de_turn, target=sure, confidence=0.92)
    TurnAlignment.objects.create(source=de_turn, target=unsure, confidence=0.31)
    TurnAlignment.objects.create(source=de_turn, target=rejected, confidence=0.88, status=TurnAlignment.REJECTED)
    return de_turn, sure, unsure, rejected


def test_quote_page_shows_the_same_quote_in_other_languages(client, aligned):
    de_turn, sure, unsure, rejected = aligned
    html = client.get(de_turn.get_absolute_url()).content.decode()
    section = html[html.index("The same quote in other languages") :]
    assert sure.get_absolute_url() in section and unsure.get_absolute_url() in section
    assert rejected.get_absolute_url() not in section
    assert section.count("possible match") == 1
    assert section.index(unsure.get_absolute_url()) < section.index("possible match")


def test_translation_links_work_in_both_directions(client, aligned):
    """The Chinese turn, the target of the alignment row, links back to the German one."""
    de_turn, sure, unsure, rejected = aligned
    back = client.get(f"/q/{sure.key}.json").json()["translations"]
    assert [(t["language"], t["key"]) for t in back] == [("de", de_turn.key)]
    assert client.get(f"/q/{rejected.key}.json").json()["translations"] == []


def test_confirmed_link_is_not_a_possible_match_whatever_its_score(client, aligned):
    de_turn, sure, unsure, rejected = aligned
    TurnAlignment.objects.filter(target=unsure).update(status=TurnAlignment.CONFIRMED)
    html = client.get(de_turn.get_absolute_url()).content.decode()
    assert "possible match" not in html[html.index("The same quote in other languages") :]


def test_quote_json_lists_translations(client, aligned):
    de_turn, sure, unsure, rejected = aligned
    translations = client.get(f"/q/{de_turn.key}.json").json()["translations"]
    assert [(t["language"], t["key"], t["text"]) for t in translations] == [
        ("zh", sure.key, sure.text),
        ("zh", unsure.key, unsure.text),
    ]
    assert [(t["confidence"], t["possible_match"]) for t in translations] == [(0.92, False), (0.31, True)]


def test_quote_without_alignment_says_so(client, seeds):
    TurnAlignment.objects.all().delete()
    turn = Turn.objects.get(transcript__language="de", ordinal=3)
    assert "No translation of this passage is linked yet." in client.get(turn.get_absolute_url()).content.decode()


# --- JSON -----------------------------------------------------------------------------------


def test_quote_json_has_the_fields_of_the_page(client, seeds):
    turn = Turn.objects.get(transcript__language="de", ordinal=3)
    data = client.get(f"/q/{turn.key}.json").json()
    assert data["key"] == turn.key
    assert data["permalink"] == f"http://testserver/q/{turn.key}/"
    assert data["speaker"]["name"] == "Aidan Gomez"
    assert data["interview"]["title"] == "20VC: Aidan Gomez, Cohere, with Harry Stebbings"
    assert data["interview"]["date"] == "2024-08-24"
    assert data["language"] == "de" and data["text"] == turn.text
    assert data["transcript_url"] == f"http://testserver{turn.get_transcript_url()}"
    previous, following = turn.neighbours()
    assert data["context"] == {"previous": previous.key, "next": following.key}
    # Ingest aligned the seeds: the German answer has its Chinese counterpart.
    aligned = [(t.turn.transcript.language, t.turn.key, t.turn.text) for t in translations.translations_of(turn)]
    assert aligned and all(language == "zh" for language, _, _ in aligned)
    assert [(t["language"], t["key"], t["text"]) for t in data["translations"]] == aligned
    citation = data["citation"]
    assert citation["interviewers"] == ["Harry Stebbings"]
    assert citation["programme"] == "20VC (The Twenty Minute VC)"
    assert citation["publisher"] == "QbitAI (量子位), German machine translation"
    assert citation["translation"] == "German machine translation"
    assert citation["translator_note"].startswith("Machine translation into German")
    assert citation["text"].startswith("Gomez, A. (2024, August 24).")
    assert citation["bibtex"].startswith("@misc{") and citation["csl"][0]["type"] == "interview"
    assert client.get(data["card_url"]).status_code == 200


def test_quote_json_with_a_span(client, seeds):
    turn = Turn.objects.get(transcript__language="de", ordinal=3)
    url = span_url(turn, "„Lesson Learning“")
    data = client.get(url.replace("/?", ".json?")).json()
    assert data["span"]["text"] == "„Lesson Learning“"
    assert data["url"] == f"http://testserver{url}"
    assert data["citation"]["url"] == data["url"]


def test_first_and_last_turns_have_one_neighbour(client, seeds):
    zh = seeds.transcripts.get(language="zh")
    first, last = zh.turns.get(ordinal=0), zh.turns.get(ordinal=124)
    assert client.get(f"/q/{first.key}.json").json()["context"]["previous"] is None
    assert client.get(f"/q/{last.key}.json").json()["context"]["next"] is None
    assert client.get(last.get_absolute_url()).status_code == 200


# --- The card image -------------------------------------------------------------------------


def decode(content) -> Image.Image:
    image = Image.open(io.BytesIO(content))
    image.load()
    return image.convert("RGB")


def differing_pixels(a, b, threshold=60):
    return sum(1 for v in ImageChops.difference(a, b).convert("L").getdata() if v > threshold)


def test_card_is_a_1200_by_630_png_cached_on_disk(client, seeds, card_dir):
    turn = Turn.objects.get(transcript__language="de", ordinal=3)
    response = client.get(f"/q/{turn.key}.png")
    assert response["Content-Type"] == "image/png"
    assert decode(response.content).size == (1200, 630)
    content = sharing.SharedQuote(turn, sharing.spans.resolve(turn.text, None), lambda u: u).card_content
    cached = card_dir / f"{card_cache_key(content)}.png"
    assert cached.read_bytes() == response.content
    assert "max-age" in response["Cache-Control"] and response["ETag"]


def test_chinese_card_through_the_view_is_not_tofu(client, seeds, monkeypatch):
    """The Chinese quote card is drawn with real glyphs: it differs widely from the same card
    drawn with a font that has no Chinese characters (boxes)."""
    turn = Turn.objects.filter(transcript__language="zh", speaker__name="Aidan Gomez").first()
    served = decode(client.get(f"/q/{turn.key}.png").content)
    content = sharing.SharedQuote(turn, sharing.spans.resolve(turn.text, None), lambda u: u).card_content
    real_font_for_text = cards.font_for_text

    def without_cjk(text, language, weight="regular", style="sans"):
        if style == "serif":
            return card_fonts.FontInfo(
                "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 0, "DejaVu Serif", "serif", "regular", cjk=False
            )
        return real_font_for_text(text, language, weight, style)

    monkeypatch.setattr(cards, "font_for_text", without_cjk)
    tofu = decode(cards.render_card(content))
    box = cards.QUOTE_BOX
    assert differing_pixels(served.crop(box), tofu.crop(box)) > 10000
    background = Image.new("RGB", served.size, cards.BACKGROUND)
    assert differing_pixels(served.crop(box), background.crop(box)) > 5000  # ink, not blank


def test_span_card_draws_only_the_span(client, seeds, card_dir):
    turn = Turn.objects.get(transcript__language="de", ordinal=3)
    url = span_url(turn, "„Lesson Learning“")
    query = urlsplit(url).query
    span_card = client.get(f"/q/{turn.key}.png?{query}").content
    whole_card = client.get(f"/q/{turn.key}.png").content
    assert decode(span_card).size == (1200, 630)
    assert span_card != whole_card
    start = turn.text.index("„Lesson Learning“")
    content = sharing.SharedQuote(
        turn, sharing.spans.resolve(turn.text, f"{start}-{start + 17}"), lambda u: u
    ).card_content
    assert content.quote == "…„Lesson Learning“…"  # only the span, marked as part of the turn
    assert content.provenance == "German, machine translation"
    assert (card_dir / f"{card_cache_key(content)}.png").read_bytes() == span_card


def test_card_parameters_are_not_free_form(client, seeds, card_dir):
    """Nothing but a span of the stored text reaches the card: other parameters are ignored,
    and no request can make the site draw words the quote does not contain."""
    turn = Turn.objects.get(transcript__language="de", ordinal=3)
    plain = client.get(f"/q/{turn.key}.png").content
    for query in ("text=Hacked", "quote=Hacked&speaker=Someone", "s=0-9999999", "s=x"):
        assert client.get(f"/q/{turn.key}.png?{query}").content == plain, query
    assert len(list(card_dir.iterdir())) == 1


def test_card_revalidation_answers_not_modified(client, seeds):
    turn = Turn.objects.get(transcript__language="de", ordinal=3)
    first = client.get(f"/q/{turn.key}.png")
    again = client.get(f"/q/{turn.key}.png", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again["ETag"] == first["ETag"]


def test_card_is_served_from_the_cache_without_drawing(client, seeds, monkeypatch):
    turn = Turn.objects.get(transcript__language="de", ordinal=3)
    first = client.get(f"/q/{turn.key}.png").content

    def fail(content):
        raise AssertionError("drew a cached card again")

    monkeypatch.setattr(sharing, "render_card", fail)
    assert client.get(f"/q/{turn.key}.png").content == first


def test_corrected_text_gives_a_new_card(client, card_dir):
    ingest_text()
    turn = Turn.objects.get(text="And compute?")
    before = client.get(f"/q/{turn.key}.png")
    ingest_text(text=SHORT_INTERVIEW.replace("And compute?", "And compute, then?"))
    after = client.get(f"/q/{turn.key}.png")
    assert before["ETag"] != after["ETag"] and before.content != after.content
    assert len(list(card_dir.glob("*.png"))) == 2


def test_missing_cjk_font_answers_503_naming_the_package_and_logs_it(client, seeds, monkeypatch, caplog, card_dir):
    """On a server without fonts-noto-cjk a Chinese card is not drawn as boxes: the image URL
    answers 503 with a message naming the package, and the error is logged."""
    turn = Turn.objects.filter(transcript__language="zh").first()
    monkeypatch.setattr(card_fonts, "CJK_FONT_CANDIDATES", {})
    monkeypatch.setattr(card_fonts, "USE_FONTCONFIG", False)
    card_fonts.clear_font_cache()
    try:
        with caplog.at_level(logging.ERROR, logger="interviews.views"):
            response = client.get(f"/q/{turn.key}.png")
    finally:
        monkeypatch.undo()
        card_fonts.clear_font_cache()
    assert response.status_code == 503
    assert "fonts-noto-cjk" in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert any("fonts-noto-cjk" in record.getMessage() for record in caplog.records)
    assert not card_dir.exists() or not list(card_dir.glob("*.png"))


def test_removed_quote_card_is_gone(client):
    ingest_text()
    turn = Turn.objects.get(text="And compute?")
    ingest_text(text=SHORT_INTERVIEW.replace("Host: And compute?\n\n", ""))
    assert client.get(f"/q/{turn.key}.png").status_code == 410


def test_card_cache_is_bounded(tmp_path):
    """Span links make many distinct cards possible; the cache deletes its oldest files."""
    for i in range(12):
        (tmp_path / f"{i:02d}.png").write_bytes(b"x")
        os.utime(tmp_path / f"{i:02d}.png", (i, i))
    sharing._prune(tmp_path, limit=10)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{i:02d}.png" for i in range(3, 12)]


def test_card_still_served_when_the_cache_cannot_be_written(client, seeds, settings, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    settings.DATA_DIR = blocker  # cards/ cannot be created under a file
    turn = Turn.objects.get(transcript__language="de", ordinal=3)
    response = client.get(f"/q/{turn.key}.png")
    assert response.status_code == 200 and decode(response.content).size == (1200, 630)


def test_quote_page_leads_with_the_quote_then_its_context(client):
    """The quote comes first on the page (a phone shows it on the first screen); the turns around
    it follow under "In context"."""
    from interviews.models import Turn
    from tests.factories import ingest_text

    ingest_text()
    turn = Turn.objects.get(ordinal=1)
    html = client.get(turn.get_absolute_url()).content.decode()
    assert html.index('<blockquote class="quote"') < html.index('id="context-heading"')
    assert html.index('id="context-heading"') < html.index('class="context context--before"')
    assert html.index('class="context context--before"') < html.index('class="context context--after"')


def test_card_marks_a_span_that_starts_the_turn_only_at_its_end(seeds):
    turn = Turn.objects.get(transcript__language="zh", ordinal=3)
    whole = sharing.SharedQuote(turn, sharing.spans.resolve(turn.text, None), lambda u: u).card_content
    start = sharing.SharedQuote(turn, sharing.spans.resolve(turn.text, "0-5"), lambda u: u).card_content
    assert whole.quote == turn.text and whole.provenance.startswith("Chinese")
    assert start.quote == turn.text[:5].strip() + "…"


def test_card_of_a_timed_turn_carries_its_time_and_the_quote_page_shows_it(client, seeds):
    """The card says where the quote is in the recording ("▶ 1:02:03"), as the quote page does."""
    turn = Turn.objects.get(transcript__language="de", ordinal=3)
    untimed = sharing.SharedQuote(turn, sharing.spans.resolve(turn.text, None), lambda u: u).card_content
    turn.start = 3723
    turn.save(update_fields=["start"])
    timed = sharing.SharedQuote(turn, sharing.spans.resolve(turn.text, None), lambda u: u).card_content
    assert untimed.time == "" and timed.time == "1:02:03"
    assert card_cache_key(timed) != card_cache_key(untimed)  # a cached card without the time is not served
    assert "1:02:03" in client.get(turn.get_absolute_url()).content.decode()
