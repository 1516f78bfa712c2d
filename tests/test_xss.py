"""Stored XSS: 40 payloads in everything an archive stores and shows, rendered on every page type
in headless chromium; none may run.

The payloads (tests/hostile_inputs.py) go in through the real ingest (transcript text, section
headings, speaker names and labels, bios, titles, programme, publisher, source and original URLs,
translator notes, topic names, a quote a correction removed) and through the admin upload in the
browser (file, title, publisher, source URL, note, new speakers' names). Then every page type is
visited twice: once as served, once with the Content-Security-Policy switched off (Playwright's
``bypass_csp``), so that escaping is proven on its own and not only behind the CSP. On each page:
no alert dialog, no script error, no CSP violation, and in the DOM no event-handler attribute, no
link, frame, object or form that could run script, and no script that is not ours.
"""

import html
import json
import re
import secrets
from urllib.parse import quote, urlencode, urlsplit

import pytest
from django.urls import Resolver404, resolve
from playwright.sync_api import expect

from tests.hostile_inputs import XSS_PAYLOADS, XSS_URLS
from tests.live import LiveArchive, free_port

pytestmark = pytest.mark.browser

EDITOR, PASSWORD = "xss-editor", "a-long-editor-password-" + secrets.token_hex(4)
MARK = "xsspayload"  # in every payload turn: one search finds them all

# Recorded in the page before any of its own script runs.
HOOKS = """
window.__xss = [];
window.addEventListener('error', e => window.__xss.push('error: ' + e.message));
document.addEventListener('securitypolicyviolation',
  e => window.__xss.push('CSP blocked ' + e.violatedDirective + ' ' + (e.blockedURI || e.sample)));
"""

# What in a rendered page could run script, if a payload had become markup.
DOM_CHECK = """
() => {
  const found = [];
  const here = location.origin;
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      if (/^on/i.test(attr.name)) found.push(`${el.localName}[${attr.name}]`);
      if (/^(xlink:)?href$|^src$|^action$|^formaction$|^data$/i.test(attr.name) && /^\\s*(javascript|vbscript|data:text)/i.test(attr.value.replace(/[\\s\\u0000-\\u001f]/g, '')))
        found.push(`${el.localName}[${attr.name}=${attr.value}]`);
      if (attr.name === 'srcdoc' || (attr.name === 'style' && /expression|javascript/i.test(attr.value)))
        found.push(`${el.localName}[${attr.name}]`);
    }
  }
  for (const a of document.querySelectorAll('a[href], area[href]')) {
    // An SVG link (the charts) has no .protocol: read its address as the browser resolves it.
    const protocol = a.protocol ?? new URL(a.getAttribute('href'), location.href).protocol;
    if (!['http:', 'https:', 'mailto:'].includes(protocol)) found.push(`link to ${protocol}`);
  }
  for (const s of document.querySelectorAll('script'))
    if (s.type !== 'application/json' && (!s.src || new URL(s.src).origin !== here)) found.push('script: ' + (s.src || s.textContent.slice(0, 60)));
  for (const el of document.querySelectorAll('iframe, frame, object, embed, base, meta[http-equiv], link[rel=import], svg script, math'))
    found.push(el.localName);
  for (const f of document.querySelectorAll('form[action]'))
    if (new URL(f.action, location.href).origin !== here) found.push('form to ' + f.action);
  return found;
}
"""

# Payloads that try to leave an attribute or an element: each gets its own quote page visited.
QUOTED = [2, 33, 3, 34, 25, 26, 27]

ADMIN_MODELS = ("interview", "transcript", "turn", "speaker", "topic", "turnalignment", "section", "removedturn")
REQUIRED_PUBLIC = {
    "home",
    "interview",
    "transcript",
    "side_by_side",
    "speaker",
    "quote",
    "quote_json",
    "topics",
    "topic",
    "search",
    "api_search",
    "api_interviews",
    "api_interview",
    "api_transcript",
    "api_alignment",
}


def turn_line(label, number, payload):
    return f"{label}: Payload {number} {MARK}: {payload}"


def transcript_text(language, skip=()):
    labels = ["Host", "Guest", XSS_PAYLOADS[1], "Guest", "Third"]
    lines = [f"# {XSS_PAYLOADS[26]}", ""]
    for number, payload in enumerate(XSS_PAYLOADS):
        if number % 8 == 0:
            lines += [f"## Section {number // 8} {XSS_PAYLOADS[(number + 15) % len(XSS_PAYLOADS)]}", ""]
        if number in skip:
            continue
        word = "Nutzlast" if language == "de" else "payload"
        lines += [turn_line(labels[number % len(labels)], number, payload) + f" {word}", ""]
    return "\n".join(lines)


def manifest():
    return {
        "interview": {
            "slug": "xss",
            "title": f"Interview {XSS_PAYLOADS[0]} {XSS_PAYLOADS[2]}",
            "programme": XSS_PAYLOADS[16],
            "original_url": XSS_URLS[0],
            "original_language": "en",
            "participants": [
                {"name": XSS_PAYLOADS[1], "role": "host", "aliases": ["Host"], "bio": XSS_PAYLOADS[5]},
                {"name": XSS_PAYLOADS[3], "role": "guest", "aliases": ["Guest"], "bio": XSS_PAYLOADS[6]},
                {"name": XSS_PAYLOADS[33], "role": "guest", "aliases": ["Third"], "bio": XSS_PAYLOADS[18]},
            ],
        },
        "transcripts": [
            {
                "file": "en.md",
                "slug": "en",
                "language": "en",
                "title": XSS_PAYLOADS[26],
                "publisher": XSS_PAYLOADS[4],
                "source_url": XSS_URLS[1],
                "published_on": "2024-01-01",
                "translation": "original",
                "translator_note": XSS_PAYLOADS[27],
            },
            {
                "file": "de.md",
                "slug": "de",
                "language": "de",
                "title": XSS_PAYLOADS[25],
                "publisher": XSS_PAYLOADS[7],
                "source_url": XSS_URLS[2],
                "published_on": "2024-02-01",
                "translation": "human",
                "translator_note": XSS_PAYLOADS[8] + " " + XSS_PAYLOADS[9],
            },
        ],
    }


@pytest.fixture(scope="module")
def payload_archive(tmp_path_factory):
    """An archive holding the payloads, loaded by the real commands and served by gunicorn."""
    root = tmp_path_factory.mktemp("xss")
    first, corrected = root / "first", root / "corrected"
    for folder, skip in ((first, ()), (corrected, (0,))):  # the correction removes the <script> turn
        folder.mkdir()
        (folder / "manifest.json").write_text(json.dumps(manifest(), ensure_ascii=False), encoding="utf-8")
        (folder / "en.md").write_text(transcript_text("en", skip), encoding="utf-8")
        (folder / "de.md").write_text(transcript_text("de"), encoding="utf-8")
    topics = root / "topics.json"
    topics.write_text(
        json.dumps(
            {
                "topics": [
                    {
                        "slug": "xss-topic",
                        "name_en": XSS_PAYLOADS[0],
                        "name_de": XSS_PAYLOADS[1],
                        "name_zh": XSS_PAYLOADS[14],
                        "keywords": {"en": [MARK, "payload"], "de": [MARK, "nutzlast"]},
                    }
                ]
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )

    archive = LiveArchive(data_dir=root / "data", port=free_port())
    archive.setup(transcripts=None)
    archive.manage("load_topics", str(topics))
    archive.manage("ingest", str(first))
    archive.manage("ingest", str(corrected))
    archive.manage(
        "shell",
        "-c",
        "from django.contrib.auth.models import User\n"
        f"User.objects.create_superuser({EDITOR!r}, 'xss@example.org', {PASSWORD!r})",
    )
    archive.start()
    yield archive
    archive.stop()


class Watcher:
    """Visits pages in two browser contexts (CSP enforced, CSP bypassed) and records anything a
    payload did."""

    def __init__(self, browser, base_url):
        self.base_url = base_url
        self.problems: list[str] = []
        self.kinds: set[str] = set()
        self.visited: list[str] = []
        self.pages = {}
        for name, bypass in (("as served", False), ("without CSP", True)):
            context = browser.new_context(bypass_csp=bypass)
            context.add_init_script(HOOKS)
            page = context.new_page()
            page.on("dialog", lambda dialog, name=name: self._dialog(dialog, name))
            self.pages[name] = page

    def _dialog(self, dialog, mode):
        self.problems.append(
            f"{mode}: a {dialog.type} dialog said {dialog.message!r} on {dialog.page.url if hasattr(dialog, 'page') else ''}"
        )
        dialog.dismiss()

    def login(self):
        for page in self.pages.values():
            page.goto(self.base_url + "/admin/login/")
            page.get_by_label("Username").fill(EDITOR)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            expect(page.get_by_role("button", name="Log out")).to_be_visible()

    def check(self, page, mode):
        page.wait_for_timeout(20)  # let focus and late load handlers run
        html_page = page.evaluate("document.contentType") == "text/html"
        for entry in page.evaluate("window.__xss || []"):
            if entry.startswith("CSP") and not html_page:
                continue  # chromium's own XML viewer styles the sitemap inline; not the page's doing
            self.problems.append(f"{mode}: {entry} on {page.url}")
        if mode == "without CSP":
            for found in page.evaluate(DOM_CHECK):
                self.problems.append(f"{found} on {page.url}")

    def visit(self, path, status=200):
        self.visited.append(path)
        # JSON and XML are not rendered as pages: one mode is enough to see nothing runs there.
        data = path.startswith("/api/") or ".json" in path or ".xml" in path
        for mode, page in self.pages.items():
            if data and mode == "as served":
                continue
            response = page.goto(self.base_url + path)
            if response.status != status:
                self.problems.append(f"{mode}: {path} answered {response.status}, expected {status}")
            self.check(page, mode)
        try:
            match = resolve(urlsplit(path).path)
            self.kinds.add(match.url_name)
        except Resolver404:
            pass
        return self.pages["without CSP"]

    def links(self, pattern):
        page = self.pages["without CSP"]
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(a => a.getAttribute('href'))")
        return list(dict.fromkeys(h for h in hrefs if re.match(pattern, h)))


def test_no_payload_runs_on_any_page(payload_archive, browser, tmp_path):
    watcher = Watcher(browser, payload_archive.url)
    visit = watcher.visit

    # The reader's pages.
    visit("/")
    visit("/interviews/xss/")
    transcripts = watcher.links(r"^/interviews/xss/[a-z]+/$")
    speakers = watcher.links(r"^/speakers/")
    side_by_side = watcher.links(r"^/interviews/xss/side-by-side/")
    for path in transcripts + speakers + side_by_side:
        visit(path)
    page = visit(f"/search/?q={MARK}")
    assert page.locator("ol.results > li").count() == 20
    visit(f"/search/?q={MARK}&page=2")
    visit(f"/search/?q={quote(XSS_PAYLOADS[0])}")
    visit(f"/search/?q={MARK}&speaker=nobody&topic=xss-topic")
    visit("/topics/")
    assert "/topics/xss-topic/" in watcher.links(r"^/topics/[a-z0-9-]+/$")  # the payload-named topic
    visit("/topics/xss-topic/")
    visit("/topics/xss-topic/?language=de")
    # Quote pages put the text in attributes too (description, OpenGraph, the share field): the
    # payloads that break out of attributes and elements, each on its own permalink.
    for number in QUOTED:
        found = json.loads(
            watcher.pages["without CSP"]
            .request.get(
                payload_archive.url + "/api/search?" + urlencode({"q": f'"payload {number} {MARK}"', "language": "en"})
            )
            .text()
        )
        path = urlsplit(found["results"][0]["permalink"]).path
        visit(path)
        if number in QUOTED[:2]:
            visit(path + "?s=0-30")  # a passage link: highlighted on the server
            visit(path.rstrip("/") + ".json")
        card = watcher.pages["without CSP"].request.get(payload_archive.url + path.rstrip("/") + ".png")
        assert card.status == 200 and card.headers["content-type"] == "image/png", path
    visit(f"/api/search?q={MARK}")
    visit("/api/interviews/")
    visit("/api/interviews/xss/")
    visit("/api/interviews/xss/alignment/?left=en&right=de")
    visit("/sitemap.xml")
    visit("/sitemap-quotes.xml")
    data = json.loads(watcher.pages["without CSP"].request.get(payload_archive.url + "/api/interviews/xss/").text())
    for transcript in data["transcripts"]:
        visit(urlsplit(transcript["api_url"]).path)
    english = json.loads(
        watcher.pages["without CSP"].request.get(payload_archive.url + f"/api/search?q={MARK}&language=en").text()
    )
    assert english["count"] == len(XSS_PAYLOADS) - 1  # the correction removed one payload turn

    # The editor's pages, and an upload of more payloads through the browser.
    watcher.login()
    for model in ADMIN_MODELS:
        visit(f"/admin/interviews/{model}/")
        for path in watcher.links(rf"^/admin/interviews/{model}/\d+/change/")[:1]:
            visit(path)
    visit(f"/admin/interviews/turn/?q={MARK}")
    visit("/admin/interviews/removedturn/")
    removed = watcher.pages["without CSP"].eval_on_selector_all(
        "#result_list a[href*='/change/']", "els => els.map(a => a.textContent.trim())"
    )
    assert len(removed) == 1
    visit(f"/q/{removed[0]}/", status=410)  # the removed quote's text, on its 410 page
    visit(f"/q/{removed[0]}.json", status=410)
    upload_payloads(watcher, tmp_path)

    required = REQUIRED_PUBLIC | {
        f"interviews_{model}_{view}" for model in ADMIN_MODELS for view in ("changelist", "change")
    }
    assert required <= watcher.kinds, required - watcher.kinds
    print(
        f"{len(watcher.visited)} addresses of {len(watcher.kinds)} kinds, pages in 2 modes; "
        f"{len(watcher.problems)} problems"
    )
    assert watcher.problems == []


def upload_payloads(watcher, tmp_path):
    """Upload an HTML transcript full of payloads, type more into the preview, confirm; the upload
    page, both previews and the result page are checked like every other page."""
    # Payloads as the file's text (escaped in the HTML), then a few as live markup the sanitiser meets.
    body = "".join(
        f"<p>{'Host' if n % 2 == 0 else 'Guest'}: upload {n} {MARK} {html.escape(p)}</p>"
        for n, p in enumerate(XSS_PAYLOADS)
    )
    body += "".join(f"<p>Guest: raw {n} {p}</p>" for n, p in enumerate(XSS_PAYLOADS[:12]))
    for mode, page in watcher.pages.items():
        file = tmp_path / "upload.html"
        file.write_text(
            f"<html><head><title>{XSS_PAYLOADS[27]}</title></head><body><h1>{html.escape(mode)}</h1>"
            f"{body}<script>alert(99)</script></body></html>",
            encoding="utf-8",
        )
        page.goto(watcher.base_url + "/admin/interviews/transcript/upload/")
        watcher.check(page, mode)
        page.get_by_label("Transcript file").set_input_files(
            {"name": "<svg onload=alert(4)>.html", "mimeType": "text/html", "buffer": file.read_bytes()}
        )
        page.get_by_label("New interview’s title").fill(f"Upload {mode} {XSS_PAYLOADS[0]}")
        page.get_by_label("Publisher / source").fill(XSS_PAYLOADS[3])
        page.get_by_label("Source URL").fill(XSS_URLS[0])
        page.get_by_label("Translator note").fill(XSS_PAYLOADS[26])
        page.get_by_role("button", name="Preview").click()
        errors = page.locator(".errorlist, .errornote").all_inner_texts()
        assert not errors, errors
        expect(page.get_by_role("heading", name="Speakers: who is each label?")).to_be_visible()
        watcher.check(page, mode)
        page.get_by_label("Name of the new speaker for “Host”").fill(XSS_PAYLOADS[22] + " " + mode)
        page.get_by_label("Name of the new speaker for “Guest”").fill(XSS_PAYLOADS[34] + " " + mode)
        page.get_by_role("button", name="Update preview").click()
        expect(page.locator(".upload-turns li").first.locator("strong")).to_contain_text(XSS_PAYLOADS[22])
        watcher.check(page, mode)
        page.get_by_role("button", name="Confirm and ingest").click()
        # The progress page (the file name shown in it), until the job runner has written it.
        watcher.check(page, mode)
        expect(page.get_by_text("is in the archive")).to_be_visible(timeout=60_000)
        watcher.check(page, mode)
        page.get_by_role("link", name="Read it on the site").click()
        watcher.check(page, mode)
