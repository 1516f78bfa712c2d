"""Every page type passes axe-core's WCAG 2.0 and 2.1 A and AA rules, in light and dark, at 1280
and 390 px, in the three interface languages.

Each page is loaded once per interface language (the ``django_language`` cookie: en, de, zh-hans)
and audited four times on that load: at 1280 and 390 px, each in light and dark (the viewport
and ``prefers-color-scheme`` change in place; the stylesheet's media queries follow them). One
browser, one live server. axe-core is vendored in tests/vendor/axe-core/ (the npm package's
``axe.min.js`` and its MPL-2.0 licence), so the audit runs offline.

The same page types, as served, also go through the W3C Nu HTML checker (vnu.jar, installed by
`make vnu`), in one run over all the files: no errors; warnings are printed. `make a11y` runs
this module alone.
"""

import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LANGUAGES = ["en", "de", "zh-hans"]
WIDTHS = [1280, 390]
SCHEMES = ["light", "dark"]

INTERVIEW = "/interviews/20vc-aidan-gomez-cohere/"

# Every page type a reader or an editor meets; the feeds are XML, not pages. Quote pages are found
# from the transcript (their keys are content hashes), the upload page needs an editor's login.
PAGES = {
    "home": "/",
    "search with hits": "/search/?q=Daten",
    "search without hits": "/search/?q=zyxwvutsrq",
    "interview list": "/interviews/",
    "speaker list": "/speakers/",
    "speaker": "/speakers/aidan-gomez/",
    "topic list": "/topics/",
    "topic": "/topics/data-quality/",
    "charts": "/charts/",
    "interview": INTERVIEW,
    "transcript de": INTERVIEW + "de/",
    "transcript zh": INTERVIEW + "zh/",
    "side by side": INTERVIEW + "side-by-side/?left=de&right=zh",
    "quote de": "quote:de:5",
    "quote zh with a highlight": "quote:zh:27:highlight",
    "not found": "/no/such/page/",
    "admin login": "/admin/login/",
    "admin upload": "editor:/admin/interviews/transcript/upload/",
}

EDITOR = ("a11y-editor", "a11y-editor-password-1234")


def quote_url(page, base, spec):
    """``quote:<language>:<n>[:highlight]``: the permalink of the n-th turn of that transcript."""
    _, language, nth, *highlight = spec.split(":")
    page.goto(f"{base}{INTERVIEW}{language}/")
    href = page.locator("article.turn .permalink").nth(int(nth)).get_attribute("href")
    return href + "?s=0-12" if highlight else href  # a passage: its first twelve characters


def open_as_needed(page, base, name, resolved={}):  # noqa: B006 (quote links resolved once per run)
    """The path of page type ``name``, logging the tab's context in when the page is an editor's."""
    spec = PAGES[name]
    if spec.startswith("quote:"):
        if spec not in resolved:
            resolved[spec] = quote_url(page, base, spec)
        return resolved[spec]
    if spec.startswith("editor:"):
        if not any(c["name"] == "sessionid" for c in page.context.cookies()):
            log_in(page, base)
        return spec.removeprefix("editor:")
    return spec


def log_in(page, base):
    page.goto(base + "/admin/login/")
    page.locator("#id_username").fill(EDITOR[0])  # by id: the label is translated
    page.locator("#id_password").fill(EDITOR[1])
    page.locator("#login-form [type=submit]").click()
    page.wait_for_url("**/admin/")


@pytest.fixture(scope="module")
def editor(live_archive):
    run = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "createsuperuser",
            "--noinput",
            "--username",
            EDITOR[0],
            "--email",
            "editor@example.org",
        ],
        cwd=Path(__file__).parent.parent,
        env={**live_archive.env, "DJANGO_SUPERUSER_PASSWORD": EDITOR[1]},
        capture_output=True,
        text=True,
        check=False,
    )
    # The module run twice on one archive finds its editor there already.
    assert run.returncode == 0 or "already taken" in run.stderr, run.stderr
    return EDITOR


@pytest.fixture(scope="module")
def language_pages(live_archive, browser, editor):
    """One browser context per interface language, each with one tab (logged in as an editor at the
    first page that needs it, so the login page is audited as a visitor sees it)."""
    pages = {}
    for language in LANGUAGES:
        context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900}, bypass_csp=True)
        context.add_cookies([{"name": "django_language", "value": language, "url": live_archive.url}])
        pages[language] = context.new_page()
    yield pages
    for page in pages.values():
        page.context.close()


def audit(page):
    """axe's violations on the page as it is now: rule, impact, targets."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, targets: v.nodes.map(n => n.target.join(' '))}));
        }""",
        WCAG_TAGS,
    )
    return result


def describe(page_name, path, language, found):
    """One line per rule and set of targets, with the widths and schemes it was seen at."""
    seen = {}
    for where, violations in found:
        for v in violations:
            seen.setdefault((v["id"], v["impact"], tuple(v["targets"])), []).append(where)
    lines = [f"{page_name} ({path}, interface language {language}):"]
    for (rule, impact, targets), where in seen.items():
        shown = ", ".join(targets[:6]) + (f" and {len(targets) - 6} more" if len(targets) > 6 else "")
        lines.append(f"  {rule} ({impact}) at {', '.join(where)}: {shown}")
    return "\n".join(lines)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", list(PAGES))
def test_page_has_no_wcag_violations(live_archive, language_pages, name, language):
    """axe-core finds nothing at WCAG 2.1 AA on this page type, in light and dark, desktop and phone."""
    page = language_pages[language]
    path = open_as_needed(page, live_archive.url, name)
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    load(page, live_archive.url + path)
    found = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        found += audit_in_both_schemes(page, f"{width}px")
    assert not found, "axe-core found WCAG violations on " + describe(name, path, language, found)


def test_states_reached_by_a_click_have_no_wcag_violations(live_archive, language_pages):
    """What only appears after a click passes too, light and dark: the popover offering a link to
    a selected passage (desktop), and the folds a phone reader opens (the transcript's find box,
    source and contents; the search's filters)."""
    page = language_pages["en"]
    found = []
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    load(page, live_archive.url + INTERVIEW + "de/")
    paragraph = page.locator("article.turn p[data-offset]").nth(3)
    paragraph.scroll_into_view_if_needed()
    paragraph.dblclick()  # selects a word
    page.get_by_role("link", name="Link to this quote", exact=True).wait_for()
    found += audit_in_both_schemes(page, "the passage popover on the German transcript at 1280px")
    page.set_viewport_size({"width": WIDTHS[1], "height": 900})
    for path, fold in [(INTERVIEW + "de/", ".fold > summary"), ("/search/?q=Daten", ".fold--filters > summary")]:
        load(page, live_archive.url + path)
        page.locator(fold).click()
        found += audit_in_both_schemes(page, f"{path} with its fold open at 390px")
    assert not found, "axe-core found WCAG violations on " + describe("states after a click", "", "en", found)


def load(page, url):
    page.goto(url)
    # Colours change with the scheme at once, not through the admin's 0.15 s link transitions,
    # which axe would otherwise measure halfway.
    page.add_style_tag(content="*, *::before, *::after { transition: none !important; }")


def audit_in_both_schemes(page, where):
    found = []
    for scheme in SCHEMES:
        page.emulate_media(color_scheme=scheme)
        violations = audit(page)
        if violations:
            found.append((f"{where} {scheme}", violations))
    page.emulate_media(color_scheme="light")
    return found


def vnu_jar():
    """The Nu HTML checker `make vnu` installs (or $VNU_JAR); None when there is none."""
    if os.environ.get("VNU_JAR"):
        return Path(os.environ["VNU_JAR"])
    found = sorted(Path.home().glob(".cache/founder-archive/vnu-*/node_modules/vnu-jar/build/dist/vnu.jar"))
    return found[-1] if found else None


def served_html(page, url, language, *, as_editor):
    """The HTML as served (not the DOM after scripts): with the tab's login for an editor's page,
    else as a visitor with only the language cookie (the login page redirects a logged-in editor)."""
    if as_editor:
        response = page.context.request.get(url, max_redirects=0)
        assert response.status == 200, (url, response.status)
        return response.body()
    request = urllib.request.Request(url, headers={"Cookie": f"django_language={language}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.read()
    except urllib.error.HTTPError as error:  # the 404 page is a page type too
        assert error.code == 404, (url, error.code)
        return error.read()


def test_every_page_type_is_valid_html(live_archive, language_pages, tmp_path):
    """The W3C Nu HTML checker finds no error in any page type's HTML as served, in the three
    interface languages (warnings are printed, not failed). One checker run over all the files."""
    jar = vnu_jar()
    if jar is None or not jar.exists() or shutil.which("java") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("the Nu HTML checker must run in CI: `make vnu` installs it (needs npm and java)")
        pytest.skip("the Nu HTML checker is not installed (`make vnu`; needs npm and java)")
    files = {}
    for language, page in language_pages.items():
        for name in PAGES:
            path = open_as_needed(page, live_archive.url, name)
            file = tmp_path / f"{name.replace(' ', '-')}.{language}.html"
            file.write_bytes(
                served_html(page, live_archive.url + path, language, as_editor=PAGES[name].startswith("editor:"))
            )
            files[str(file)] = f"{name} ({path}, {language})"
    run = subprocess.run(
        ["java", "-jar", str(jar), "--format", "json", "--exit-zero-always", *files],
        capture_output=True,
        text=True,
        check=True,
    )
    messages = json.loads(run.stderr or run.stdout)["messages"]
    errors, warnings = [], {}
    for m in messages:
        where = files.get(m.get("url", "").removeprefix("file:"), m.get("url"))
        if m["type"] == "info":  # a warning: printed once per message, with the pages it is on
            warnings.setdefault(m["message"], set()).add(where.split(" (")[0])
        else:
            errors.append(f"{where}, line {m.get('lastLine', '?')}: {m['message']}")
    for message, pages in warnings.items():
        print(f"Nu HTML checker warning on {', '.join(sorted(pages))}: {message}")
    assert not errors, f"The Nu HTML checker found {len(errors)} errors:\n" + "\n".join(errors)


def test_axe_is_the_vendored_4x_release():
    """The audit runs on the axe-core file in tests/vendor/, with its licence beside it."""
    head = AXE.read_text(encoding="utf-8")[:200]
    assert head.startswith("/*! axe v4.")
    assert (AXE.parent / "LICENSE").exists()
