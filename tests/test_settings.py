"""Deployment settings: what a production configuration sends, and what a browser then allows."""

import io
import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.management import call_command

from interviews.models import Interview, Turn
from tests.factories import SEEDS, SHORT_INTERVIEW, ingest_text

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "k7#Qz!v2Lp@9wX$rT4mN&8bY^cJ6hF*3dS(1aG)5eR-0uI+oP=yW",
    "ALLOWED_HOSTS": "archive.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://archive.example.org",
    "ARCHIVE_BEHIND_HTTPS_PROXY": "1",
}


def run_with_env(tmp_path, env, *args):
    """manage.py in a fresh process: settings are read from the environment once, at start-up."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "ARCHIVE_")) and k != "DATABASE_URL"}
    clean.update(env, ARCHIVE_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="archive.settings")
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


# Requests made in a fresh process under a given environment; prints status and headers as JSON.
# robots.txt needs no database and no collected static files (unlike any HTML page, the 404 page
# included, which link the hashed stylesheet).
REQUEST_SCRIPT = """
import json
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings
client = Client()
out = {}
for name, secure in (("http", False), ("https", True)):
    headers = {"HTTP_X_FORWARDED_PROTO": "https"} if secure else {}
    r = client.get("/robots.txt", HTTP_HOST="archive.example.org", **headers)
    out[name] = {"status": r.status_code, "location": r.get("Location", ""), "hsts": r.get("Strict-Transport-Security", "")}
print(json.dumps(out))
"""


def test_deploy_check_is_clean_with_production_environment(tmp_path):
    result = run_with_env(tmp_path, PRODUCTION_ENV, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_deploy_check_names_what_is_missing_without_https_proxy(tmp_path):
    """Debug off but no HTTPS proxy declared (e.g. `make run` with DJANGO_DEBUG=0): the check
    says this is not a production configuration, rather than passing silently."""
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "ARCHIVE_BEHIND_HTTPS_PROXY"}
    result = run_with_env(tmp_path, env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "security.W004" in result.stderr and "security.W008" in result.stderr


def test_production_redirects_http_to_https_and_sends_hsts(tmp_path):
    result = run_with_env(tmp_path, PRODUCTION_ENV, "shell", "-c", REQUEST_SCRIPT)
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    assert answers["http"]["status"] == 301
    assert answers["http"]["location"] == "https://archive.example.org/robots.txt"
    assert answers["https"]["status"] == 200
    assert answers["https"]["hsts"] == "max-age=31536000; includeSubDomains; preload"


def test_plain_http_with_debug_off_still_serves_locally(tmp_path):
    """`make run` with DJANGO_DEBUG=0 on http://127.0.0.1: no redirect to an https:// that is not there."""
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "ARCHIVE_BEHIND_HTTPS_PROXY"}
    result = run_with_env(tmp_path, env, "shell", "-c", REQUEST_SCRIPT)
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    assert answers["http"]["status"] == 200 and answers["http"]["location"] == ""
    assert answers["http"]["hsts"] == ""


# --- Headers on every page ----------------------------------------------------------------------


def csp_directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.django_db
def test_pages_send_a_content_security_policy_without_inline_script(client):
    response = client.get("/")
    assert csp_directives(response) == {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    assert "unsafe" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_pages_forbid_framing_sniffing_and_cross_origin_referrers(client):
    response = client.get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_api_answers_carry_the_same_headers(client):
    response = client.get("/api/interviews/")
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"


class InlineCode(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would block: inline <script> and <style>
    blocks, event-handler attributes, style attributes and javascript: links."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and not attrs.get("src") and attrs.get("type") != "application/json":
            self.found.append(f"inline <script> at line {self.getpos()[0]}")
        if tag == "style":
            self.found.append(f"<style> block at line {self.getpos()[0]}")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.found.append(f"{name}= on <{tag}>")
            if name == "style":
                self.found.append(f"style= on <{tag}>")
            if name in {"href", "src", "action"} and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"javascript: {name} on <{tag}>")


@pytest.mark.django_db
def test_no_page_has_inline_script_or_style(client, settings):
    call_command("ingest", str(SEEDS), stdout=io.StringIO())
    interview = Interview.objects.get()
    turn = Turn.objects.filter(transcript__language="zh").first()
    gone = ingest_text()
    removed = gone.transcript.turns.get(text="And compute?")
    ingest_text(text=SHORT_INTERVIEW.replace("Host: And compute?\n\n", ""))
    settings.ARCHIVE_RATE_LIMIT = "1/60"
    client.get("/api/interviews/")
    pages = {
        "home": "/",
        "interview": interview.get_absolute_url(),
        "transcript": interview.transcripts.get(language="de").get_absolute_url(),
        "speaker": turn.speaker.get_absolute_url(),
        "quote": turn.get_absolute_url(),
        "quote gone": f"/q/{removed.key}/",
        "rate limited": "/search/?q=x",
    }
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code in {200, 410, 429}, (name, response.status_code)
        parser = InlineCode()
        parser.feed(response.content.decode())
        assert parser.found == [], f"{name} page ({url}): {parser.found}"


# --- In a real browser --------------------------------------------------------------------------


def watch_for_csp_violations(page) -> list[str]:
    """Console errors and securitypolicyviolation events, as the page reports them."""
    problems = []
    page.on(
        "console",
        lambda msg: (
            problems.append(f"console {msg.type}: {msg.text} ({msg.location.get('url')})")
            # The archive has no favicon yet; Chrome's request for one is not a policy problem.
            if msg.type == "error" and not msg.location.get("url", "").endswith("/favicon.ico")
            else None
        ),
    )
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.expose_function("reportViolation", lambda text: problems.append(text))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e =>"
        " window.reportViolation(`CSP ${e.violatedDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`));"
    )
    return problems


@pytest.fixture(scope="module")
def admin_login(live_archive):
    env = {**live_archive.env, "DJANGO_SUPERUSER_PASSWORD": "correct horse battery staple"}
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "createsuperuser",
            "--noinput",
            "--username",
            "csp-editor",
            "--email",
            "e@example.org",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    return "csp-editor", "correct horse battery staple"


@pytest.mark.browser
def test_public_pages_run_without_csp_violations(live_archive, page):
    problems = watch_for_csp_violations(page)
    page.goto(live_archive.url + "/")
    page.get_by_role("link", name="20VC: Aidan Gomez, Cohere, with Harry Stebbings").click()
    page.get_by_role("navigation", name="Languages").get_by_role("link", name="中文").click()
    page.locator("article.turn a[href^='/q/']").first.click()
    page.wait_for_load_state("networkidle")
    assert "/q/" in page.url
    assert problems == []


@pytest.mark.browser
def test_admin_works_under_the_content_security_policy(live_archive, page, admin_login):
    """The Django admin loads its scripts and styles from files, so it needs no CSP exception:
    logging in, lists with filters, change forms with inlines and autocomplete all run clean."""
    username, password = admin_login
    problems = watch_for_csp_violations(page)
    page.goto(live_archive.url + "/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")
    for path in [
        "/admin/interviews/interview/",
        "/admin/interviews/interview/add/",
        "/admin/interviews/interview/1/change/",
        "/admin/interviews/transcript/?language__exact=zh",
        "/admin/interviews/turn/?q=Daten",
        "/admin/interviews/speaker/1/change/",
        "/admin/auth/user/",
    ]:
        response = page.goto(live_archive.url + path)
        page.wait_for_load_state("networkidle")
        assert response.status == 200, path
    # Scripts really ran: the prepopulated slug field follows the title as one types.
    page.goto(live_archive.url + "/admin/interviews/interview/add/")
    page.locator("#id_title").press_sequentially("Ein Gespräch über Daten")
    assert page.locator("#id_slug").input_value() == "ein-gesprach-uber-daten"
    assert problems == []


# --- The search engine, chosen by SEARCH_URL ----------------------------------------------------


@pytest.mark.parametrize(
    "url, expected",
    [
        ("", {"ENGINE": "interviews.search.whoosh_backend.ArchiveWhooshEngine", "PATH": "/data/whoosh"}),
        (
            "whoosh:///srv/index/",
            {"ENGINE": "interviews.search.whoosh_backend.ArchiveWhooshEngine", "PATH": "/srv/index"},
        ),
        (
            "elasticsearch://es1:9200/archive",
            {
                "ENGINE": "interviews.search.elasticsearch.ArchiveElasticsearch7Engine",
                "URL": "http://es1:9200/",
                "INDEX_NAME": "archive",
                "SILENTLY_FAIL": False,
            },
        ),
        (
            "elasticsearch+https://u:p@es.example.org/proxy/archive",
            {
                "ENGINE": "interviews.search.elasticsearch.ArchiveElasticsearch7Engine",
                "URL": "https://u:p@es.example.org/proxy/",
                "INDEX_NAME": "archive",
                "SILENTLY_FAIL": False,
            },
        ),
        (
            "solr://solr1:8983/solr/archive",
            {
                "ENGINE": "haystack.backends.solr_backend.SolrEngine",
                "URL": "http://solr1:8983/solr/archive",
                "TIMEOUT": 30,
                "SILENTLY_FAIL": False,
            },
        ),
    ],
)
def test_search_url_chooses_the_engine(url, expected):
    from archive.settings import search_connection

    assert search_connection(url, Path("/data")) == expected


@pytest.mark.parametrize(
    "url, message",
    [
        ("sqlite:///x", "scheme must be whoosh, elasticsearch or solr"),
        ("whoosh://var/whoosh", "three slashes"),
        ("whoosh+https:///x", "scheme must be"),
        ("elasticsearch://es1:9200", "name the host and the index"),
        ("solr:///solr/archive", "name the host and the index"),
    ],
)
def test_a_bad_search_url_is_refused_with_the_reason(url, message):
    from django.core.exceptions import ImproperlyConfigured

    from archive.settings import search_connection

    with pytest.raises(ImproperlyConfigured, match=message):
        search_connection(url, Path("/data"))


def test_a_bad_search_url_stops_start_up_with_the_reason(tmp_path):
    result = run_with_env(tmp_path, {"DJANGO_DEBUG": "1", "SEARCH_URL": "elastic://es1/archive"}, "check")
    assert result.returncode != 0
    assert "SEARCH_URL 'elastic://es1/archive': the scheme must be whoosh, elasticsearch or solr" in result.stderr


CLIENT_IP_SCRIPT = """
from django.conf import settings
from django.test import RequestFactory
from archive.client_ip import client_ip
request = RequestFactory().post("/admin/login/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
print(settings.ARCHIVE_PROXY_COUNT, client_ip(request))
"""


def test_login_throttling_sees_the_client_behind_the_https_proxy(tmp_path):
    """Behind nginx every request comes from 127.0.0.1: counting failed logins per that address
    would let five wrong passwords from anyone lock an editor out. The production settings trust
    the one proxy, as the rate limits do."""
    result = run_with_env(tmp_path, PRODUCTION_ENV, "shell", "-c", CLIENT_IP_SCRIPT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == ["1", "203.0.113.9"]
