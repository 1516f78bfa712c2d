"""sitemap.xml and robots.txt, as a search engine reads them."""

import io
import re
import xml.etree.ElementTree as ET

import pytest
from django.core.management import call_command

from interviews.models import Interview, Speaker, Transcript, Turn
from tests.factories import SEEDS, SHORT_INTERVIEW, ingest_text

pytestmark = pytest.mark.django_db

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def locations(client, url):
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/xml")
    return [loc.text for loc in ET.fromstring(response.content).iterfind(".//sm:loc", NS)]


def all_urls(client):
    urls = []
    for section in locations(client, "/sitemap.xml"):
        urls += locations(client, section.removeprefix("http://testserver"))
    return urls


def test_sitemap_index_lists_one_sitemap_per_kind_of_page(client):
    sections = locations(client, "/sitemap.xml")
    assert sections == [
        f"http://testserver/sitemap-{name}.xml" for name in ("interviews", "transcripts", "speakers", "quotes")
    ]


def test_sitemap_lists_every_interview_transcript_speaker_and_quote(client):
    call_command("ingest", str(SEEDS), stdout=io.StringIO())
    urls = all_urls(client)
    absolute = lambda obj: "http://testserver" + obj.get_absolute_url()  # noqa: E731
    expected = [absolute(o) for model in (Interview, Transcript, Speaker, Turn) for o in model.objects.all()]
    assert sorted(urls) == sorted(expected)
    quotes = [u for u in urls if re.fullmatch(r"http://testserver/q/[a-z2-7]+/", u)]
    assert len(quotes) == 199  # 74 German + 125 Chinese turns
    for url in quotes[:3]:
        assert client.get(url.removeprefix("http://testserver")).status_code == 200


def test_large_sections_are_split_into_files_of_a_bounded_size(client, settings):
    """At 50 URLs a file the 199 quotes take four files, listed in the index; every quote is in one."""
    settings.ARCHIVE_SITEMAP_URLS_PER_FILE = 50
    call_command("ingest", str(SEEDS), stdout=io.StringIO())
    sections = locations(client, "/sitemap.xml")
    quote_files = [s for s in sections if "sitemap-quotes.xml" in s]
    assert quote_files == ["http://testserver/sitemap-quotes.xml"] + [
        f"http://testserver/sitemap-quotes.xml?p={n}" for n in (2, 3, 4)
    ]
    per_file = [locations(client, url.removeprefix("http://testserver")) for url in quote_files]
    assert [len(urls) for urls in per_file] == [50, 50, 50, 49]
    assert sorted(u for urls in per_file for u in urls) == sorted(
        "http://testserver" + turn.get_absolute_url() for turn in Turn.objects.all()
    )
    assert client.get("/sitemap-quotes.xml", {"p": 5}).status_code == 404
    # The size that bounds a file at the default 5,000 URLs: about 170 bytes a quote.
    assert len(client.get("/sitemap-quotes.xml").content) / 50 < 200


def test_quote_sitemap_has_lastmod_from_the_transcript(client):
    ingest_text()
    body = client.get("/sitemap-quotes.xml").content.decode()
    updated = Transcript.objects.get().updated_at.date().isoformat()
    assert body.count(f"<lastmod>{updated}") == Turn.objects.count()


def test_removed_quotes_leave_the_sitemap(client):
    ingest_text()
    gone = Turn.objects.get(text="And compute?")
    ingest_text(text=SHORT_INTERVIEW.replace("Host: And compute?\n\n", ""))
    urls = all_urls(client)
    assert f"http://testserver{gone.get_absolute_url()}" not in urls
    assert len([u for u in urls if "/q/" in u]) == Turn.objects.count()


def test_empty_archive_has_a_valid_sitemap(client):
    assert all_urls(client) == []


def test_robots_txt_points_at_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Disallow: /admin/" in lines
    assert "Disallow: /" not in lines  # the archive itself is open to crawlers
