"""The interface speaks English, German or Chinese: chosen by the reader's browser (Accept-Language)
or by the switcher in the header (remembered in a cookie), never by the address. Permalinks and
quote cards are the same for everyone; every string we own has a German and a Chinese translation."""

import gettext
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation

from interviews.models import Turn
from interviews.quotes import sharing
from interviews.quotes.cards import card_cache_key

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
LOCALES = ("de", "zh_Hans")
# What `make messages` reads: the app, the settings and the templates (not tests or benchmarks).
SOURCES = ("archive", "interviews", "templates", "manage.py")


def page(client, url, **headers):
    response = client.get(url, **headers)
    assert response.status_code in (200, 404), (url, response.status_code)
    return response.content.decode()


def german(client, url):
    return page(client, url, HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9,en;q=0.5")


def permalinks(html):
    return sorted(set(re.findall(r'href="(/q/[a-z0-9]+/)"', html)))


# --- Choosing the language ------------------------------------------------------------------------
def test_english_is_the_default(client, archive):
    html = page(client, "/")
    assert '<html lang="en">' in html
    assert "Search the interviews" in html


def test_accept_language_german_gives_german_labels_on_home_search_transcript_and_quote(client, archive):
    turn = Turn.objects.filter(transcript__language="de").first()
    home = german(client, "/")
    assert '<html lang="de">' in home
    assert "Interviews durchsuchen" in home and "Neueste Interviews" in home
    search = german(client, "/search/?q=daten")
    assert "Jedes Wort muss vorkommen" in search and "Filter anwenden" in search
    transcript = german(client, turn.get_transcript_url())
    assert "In diesem Transkript suchen" in transcript
    quote = german(client, turn.get_absolute_url())
    assert "Dieses Zitat zitieren" in quote and "Link zu diesem Zitat" in quote


def test_error_pages_follow_the_readers_language(client, archive):
    html = german(client, "/q/zzzzzzzz/")
    assert "Diese Seite ist nicht im Archiv" in html
    assert "Kein Zitat hat den Link" in html


def test_the_rate_limit_page_and_message_follow_the_readers_language(client, archive, settings):
    """Refused before LocaleMiddleware runs: the limiter picks the language itself."""
    settings.ARCHIVE_RATE_LIMIT = "1/60"
    client.get("/search/", HTTP_ACCEPT_LANGUAGE="de")
    response = client.get("/search/", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 429
    assert "Zu viele Anfragen" in response.content.decode()
    assert "Accept-Language" in response["Vary"]
    error = client.get("/api/interviews/", HTTP_ACCEPT_LANGUAGE="zh").json()["error"]
    assert error["code"] == "rate_limited" and "请求过多" in error["message"]


def test_chinese_browser_gets_chinese(client, archive):
    html = page(client, "/search/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert '<html lang="zh-hans">' in html
    assert "搜索访谈" in html


def test_the_cookie_overrides_the_browsers_language(client, archive):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    html = german(client, "/")
    assert '<html lang="zh-hans">' in html and "搜索访谈" in html


def test_pages_vary_on_language_and_cookie(client, archive):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="de")
    vary = {part.strip() for part in response["Vary"].split(",")}
    assert {"Accept-Language", "Cookie"} <= vary
    assert response["Content-Language"] == "de"


def test_the_switcher_posts_and_comes_back_to_the_same_address_with_the_same_query(client, archive):
    url = "/search/?q=daten&language=de"
    html = page(client, url)
    form = re.search(r'<form class="language-switch".*?</form>', html, re.S).group(0)
    assert 'action="/i18n/setlang/"' in form and 'aria-label="Interface language"' in form
    assert 'name="next" value="/search/?q=daten&amp;language=de"' in form
    assert re.findall(r'name="language" value="([^"]+)"', form) == ["en", "de", "zh-hans"]
    assert '<button type="submit" name="language" value="de" lang="de">Deutsch</button>' in form

    response = client.post("/i18n/setlang/", {"language": "de", "next": "/search/?q=daten&language=de"})
    assert response.status_code == 302
    assert response["Location"] == url
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "de"
    assert "Filter anwenden" in page(client, url)  # remembered


def test_the_switcher_names_each_language_in_itself_and_marks_the_current_one(client, archive):
    html = german(client, "/")
    form = re.search(r'<form class="language-switch".*?</form>', html, re.S).group(0)
    assert ">English<" in form and ">中文<" in form
    assert 'value="de" lang="de" aria-current="true">Deutsch<' in form
    assert 'aria-label="Sprache der Oberfläche"' in form


# --- One address, one card ------------------------------------------------------------------------
def test_permalinks_are_the_same_in_every_language(client, archive):
    turn = Turn.objects.filter(transcript__language="de").first()
    for url in ("/search/?q=daten", turn.get_transcript_url(), turn.get_absolute_url()):
        english = page(client, url, HTTP_ACCEPT_LANGUAGE="en")
        links = permalinks(english)
        assert links
        for language in ("de", "zh-CN"):
            assert permalinks(page(client, url, HTTP_ACCEPT_LANGUAGE=language)) == links
    canonical = re.compile(r'<link rel="canonical" href="([^"]+)"')
    quote = [page(client, turn.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=lang) for lang in ("en", "de", "zh")]
    assert len({canonical.search(html).group(1) for html in quote}) == 1


def test_the_quote_card_does_not_depend_on_the_interface_language(archive):
    turn = Turn.objects.filter(transcript__language="de").first()
    turn.transcript.translation = turn.transcript.MACHINE
    turn.transcript.save()
    request = RequestFactory().get(turn.get_absolute_url())
    keys = set()
    for language in ("en", "de", "zh-hans"):
        with translation.override(language):
            content = sharing.SharedQuote.from_request(request, turn).card_content
            keys.add(card_cache_key(content))
            assert content.provenance == "German, machine translation"
    assert len(keys) == 1


# --- API, dates, numbers -------------------------------------------------------------------------
def test_api_error_message_is_german_and_the_code_is_the_same(client, archive):
    english = client.get("/api/search?q=daten&page=99").json()["error"]
    german_error = client.get("/api/search?q=daten&page=99", HTTP_ACCEPT_LANGUAGE="de").json()["error"]
    assert english == {"code": "not_found", "message": "No such page of results."}
    assert german_error == {"code": "not_found", "message": "Diese Ergebnisseite gibt es nicht."}


def test_dates_are_written_the_german_and_the_chinese_way(client, archive):
    assert "1 March 2024" in page(client, "/interviews/ein-gespraech/")
    assert "1. März 2024" in german(client, "/interviews/ein-gespraech/")
    assert "2024年3月1日" in page(client, "/interviews/ein-gespraech/", HTTP_ACCEPT_LANGUAGE="zh")
    # The machine-readable date stays as it is.
    assert 'datetime="2024-03-01"' in german(client, "/interviews/ein-gespraech/")


def test_counts_are_grouped_the_german_and_the_chinese_way():
    """The filter the search page's result count uses: grouped per language, never in URLs or ids."""
    template = Template("{% load humanize %}{{ n|intcomma }} · {{ n }}")
    rendered = {}
    for language in ("en", "de", "zh-hans"):
        with translation.override(language):
            rendered[language] = template.render(Context({"n": 12345}))
    assert rendered == {"en": "12,345 · 12345", "de": "12.345 · 12345", "zh-hans": "12,345 · 12345"}


def test_topic_names_follow_the_interface_language(client, archive):
    call_command("load_topics", "--no-retag", stdout=io.StringIO())
    assert "Data quality and synthetic data</a>" in page(client, "/topics/")
    assert "Datenqualität und synthetische Daten</a>" in german(client, "/topics/")
    assert "数据质量与合成数据</a>" in page(client, "/topics/", HTTP_ACCEPT_LANGUAGE="zh")


# --- Every string translated -----------------------------------------------------------------------
def read_po(path: Path) -> list[dict]:
    """The entries of a PO file: msgid, msgstr values, flags (no polib on purpose: ten lines)."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.splitlines() if line and not line.startswith("#~")]
        flags = " ".join(line for line in lines if line.startswith("#,"))
        fields, current = {}, None
        for line in lines:
            match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) "(.*)"$', line)
            if match:
                current = match.group(1)
                fields[current] = match.group(2)
            elif line.startswith('"') and current:
                fields[current] += line[1:-1]
        if fields.get("msgid"):
            strs = [value for key, value in fields.items() if key.startswith("msgstr")]
            entries.append({"msgid": fields["msgid"], "msgstrs": strs, "fuzzy": "fuzzy" in flags})
    return entries


@pytest.fixture(scope="module")
def fresh_catalogs(tmp_path_factory):
    """The catalogs as `make messages` would leave them: makemessages run on a copy of the sources
    (merging the committed translations), so a string added without its translations shows up."""
    if not shutil.which("xgettext") or not shutil.which("msgmerge"):
        pytest.skip("GNU gettext (xgettext, msgmerge) is not installed: apt-get install gettext")
    copy = tmp_path_factory.mktemp("sources")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, copy / name)
    shutil.copytree(ROOT / "locale", copy / "locale")
    args = ["makemessages", *(f"--locale={locale}" for locale in LOCALES), "--add-location=file"]
    env = {**os.environ, "ARCHIVE_DATA_DIR": str(copy / "var")}
    subprocess.run([sys.executable, "manage.py", *args], cwd=copy, check=True, capture_output=True, env=env)
    return copy / "locale"


@pytest.mark.parametrize("locale", LOCALES)
def test_every_interface_string_has_a_translation(fresh_catalogs, locale):
    entries = read_po(fresh_catalogs / locale / "LC_MESSAGES" / "django.po")
    assert len(entries) > 300
    untranslated = [e["msgid"] for e in entries if not all(e["msgstrs"]) or e["fuzzy"]]
    assert untranslated == [], f"run `make messages` and translate these in locale/{locale}: {untranslated}"


@pytest.mark.parametrize("locale", LOCALES)
def test_the_committed_mo_files_are_compiled_from_the_po_files(tmp_path, locale):
    if not shutil.which("msgfmt"):
        pytest.skip("GNU gettext (msgfmt) is not installed: apt-get install gettext")
    po = ROOT / "locale" / locale / "LC_MESSAGES" / "django.po"
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(compiled), str(po)], check=True, capture_output=True)
    with open(compiled, "rb") as fresh, open(po.with_suffix(".mo"), "rb") as committed:
        assert gettext.GNUTranslations(committed)._catalog == gettext.GNUTranslations(fresh)._catalog, (
            f"locale/{locale}: run `make messages` to recompile the .mo file"
        )


def test_no_translated_string_is_looked_up_inside_an_f_string():
    """makemessages (xgettext) does not read calls inside an f-string's braces: a string looked up
    there silently leaves the catalogues, and German and Chinese readers see it in English."""
    call = re.compile(r"\{(?:gettext|ngettext|pgettext|npgettext|gettext_lazy|_)\(")
    offenders = [
        f"{path.relative_to(settings.BASE_DIR)}:{number}"
        for path in sorted((Path(settings.BASE_DIR) / "interviews").rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if call.search(line)
    ]
    assert offenders == []
