"""The home page teaches what the archive holds and how to find things in it."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Q

from interviews.models import Interview, Turn, TurnAlignment
from interviews.overview import FEATURED_MAX_CHARS, FEATURED_MIN_CHARS, featured_quotes
from interviews.translations import store as translations
from tests.factories import SEEDS, SHORT_INTERVIEW, ingest_text

pytestmark = pytest.mark.django_db

# The latest interviews (3); index work pending? (3, before each kept value is read); turns per
# speaker and language, and per topic and language (each read once per version of the index);
# interviews with turns, topics, speakers; the links' version, the quotes chosen (once per
# version of the index and the links: among the linked turns, then among all, as too few of the
# seeds' linked turns qualify), the quotes, their speakers' roles.
HOME_QUERIES = 16
# The same once the counts and the quotes' choice are kept.
HOME_QUERIES_KEPT = HOME_QUERIES - 4


@pytest.fixture
def seeds():
    call_command("load_topics", stdout=io.StringIO())
    call_command("ingest", str(SEEDS), stdout=io.StringIO())
    return Interview.objects.get()


def test_home_says_how_many_interviews_languages_speakers_topics_and_quotes(client, seeds):
    html = client.get("/").content.decode()
    assert "<strong>1</strong> interview<" in html
    assert "<strong>2</strong> languages: " in html and "Deutsch" in html and "中文" in html
    assert "<strong>2</strong> speakers" in html
    assert "<strong>199</strong> quotes" in html
    assert "topics</a>" in html


def test_home_offers_example_searches_in_each_language_it_holds(client, seeds):
    html = client.get("/").content.decode()
    assert 'href="/search/?q=Datenqualit%C3%A4t" lang="de"' in html
    assert 'lang="zh">数据质量</a>' in html
    assert '"synthetic data"</a>' not in html  # no English transcript: no English example
    assert "put a phrase in quotes" in html


def test_home_links_topics_and_speakers_to_browse(client, seeds):
    html = client.get("/").content.decode()
    assert 'href="/speakers/aidan-gomez/"' in html and 'href="/speakers/"' in html
    assert 'href="/topics/data-quality/"' in html and 'href="/interviews/"' in html


def test_featured_quotes_follow_the_documented_rule(seeds):
    """Guests' turns of a readable length, the most translated first, one per transcript first."""
    featured = featured_quotes()
    assert len(featured) == 3
    assert {turn.speaker.name for turn in featured} == {"Aidan Gomez"}
    assert all(FEATURED_MIN_CHARS <= len(turn.text) <= FEATURED_MAX_CHARS for turn in featured)
    assert {turn.transcript.language for turn in featured[:2]} == {"de", "zh"}


def test_the_quotes_chosen_among_linked_turns_are_those_the_rule_chooses_among_all(seeds, django_assert_num_queries):
    """The rule ranks turns with links first: when enough of them qualify, only they are read."""
    from interviews.overview import _choose

    for _ in range(2):
        with django_assert_num_queries(1):  # enough linked guests' turns for one quote
            one = _choose(1)
        with django_assert_num_queries(2):  # too few for three: every turn is looked at
            three = _choose(3)
        assert one == three[:1]
        # Rejecting its links ranks the first quote among the unlinked, behind the linked ones.
        translations.reject(TurnAlignment.objects.filter(Q(source_id=one[0]) | Q(target_id=one[0])))
    assert _choose(1) != one


def first_card(html):
    return html.split('class="quote-card"')[1].split("</figure>")[0]


def test_featured_quotes_are_chosen_once_per_version_of_the_index_and_links(client, seeds, django_assert_num_queries):
    first = client.get("/").content.decode()
    with django_assert_num_queries(HOME_QUERIES_KEPT):
        again = client.get("/").content.decode()
    assert first_card(again) == first_card(first)


def test_an_editors_rejected_link_changes_the_featured_quotes_at_once(client, seeds):
    """Rejecting a link changes no index: the links' own version keys the choice."""
    shown = featured_quotes()[0]
    assert shown.text[:40] in first_card(client.get("/").content.decode())
    translations.reject(TurnAlignment.objects.filter(Q(source=shown) | Q(target=shown)))
    assert featured_quotes()[0] != shown
    assert shown.text[:40] not in first_card(client.get("/").content.decode())


def test_featured_quote_cards_name_language_and_translation(client, seeds):
    html = client.get("/").content.decode()
    cards = html.split('class="quote-card"')[1:]
    assert len(cards) == 3
    assert any('<span class="badge">machine translation</span>' in card for card in cards)
    for card in cards:
        assert "Deutsch" in card or "中文" in card


def test_featured_quote_card_of_a_timed_turn_shows_its_time(client, seeds):
    first = featured_quotes()[0]
    Turn.objects.filter(pk=first.pk).update(start=754)
    card = first_card(client.get("/").content.decode())
    assert '<span aria-hidden="true">▶</span> 12:34' in card


def test_home_reads_the_same_number_of_queries_however_big_the_archive(
    client, seeds, django_assert_num_queries, django_capture_on_commit_callbacks
):
    with django_assert_num_queries(HOME_QUERIES):
        client.get("/")
    for n in range(4):
        with django_capture_on_commit_callbacks(execute=True):  # indexed, as a real ingest is
            ingest_text(text=SHORT_INTERVIEW + f"\nHost: Thanks, number {n}.\n", slug=f"t-{n}", filename=f"t{n}.txt")
    assert Turn.objects.count() > 199
    with django_assert_num_queries(HOME_QUERIES):
        client.get("/")
