import pytest

from tests.live import DESKTOP, PHONE

# Fixtures shared across packages: the search fixtures (a small three-language archive, the seeds).
pytest_plugins = ["tests.search.fixtures"]


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language: a request with another Accept-Language leaves
    the language it activated on the thread, and a later test would then draw in it."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    """Uploaded originals and staged uploads go to a per-test directory, never the developer's var/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ARCHIVE_STAGING_DIR = tmp_path / "staging"
    settings.ARCHIVE_JOBS_DIR = tmp_path / "jobs"


@pytest.fixture(autouse=True)
def _isolated_data_dir(settings, tmp_path):
    """Files read from the data directory (the bilingual dictionaries, share cards) come from a
    per-test directory: a developer's var/dictionaries.sqlite3 would otherwise translate every
    test's queries once `make data` has built it."""
    settings.DATA_DIR = tmp_path


@pytest.fixture(autouse=True)
def _isolated_rate_limits(settings, tmp_path):
    """Fresh rate-limit counters per test: they never leak between tests or from var/."""
    settings.ARCHIVE_RATE_LIMIT_DB = tmp_path / "ratelimit.sqlite3"


@pytest.fixture(autouse=True)
def _isolated_search_index(settings, tmp_path):
    """Each test gets its own empty search index, never the developer's var/whoosh."""
    from haystack import connections

    settings.HAYSTACK_CONNECTIONS = {
        "default": {**settings.HAYSTACK_CONNECTIONS["default"], "PATH": str(tmp_path / "whoosh")}
    }
    connections.reload("default")
    yield
    connections["default"].get_backend().close()


@pytest.fixture(autouse=True)
def _isolated_search_cache(settings, tmp_path):
    """The search result cache (on, as in production) keeps its files per test, never in var/."""
    settings.CACHES = {**settings.CACHES, "search": {**settings.CACHES["search"], "LOCATION": str(tmp_path / "cache")}}


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Tests render templates without running collectstatic first."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(scope="session")
def live_archive(tmp_path_factory):
    """The seed archive served by gunicorn, set up exactly as `make data` does."""
    from tests.live import LiveArchive, free_port

    archive = LiveArchive(data_dir=tmp_path_factory.mktemp("live-archive"), port=free_port())
    archive.setup()
    archive.start()
    yield archive
    archive.stop()


def _chromium_path():
    import os
    import shutil

    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed: browser tests must run in CI (.ci/run installs it)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return path


@pytest.fixture(scope="session")
def browser():
    """Debian's headless chromium driven by Playwright (no browser download needed)."""
    from playwright.sync_api import sync_playwright

    executable = _chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture(params=[DESKTOP, PHONE], ids=["desktop", "phone"])
def sized_page(request, browser):
    """A fresh page at desktop and at phone size: (page, size); `size is PHONE` tells them apart."""
    context = browser.new_context(viewport=request.param)
    yield context.new_page(), request.param
    context.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


def pytest_collection_modifyitems(items):
    """Browser tests are slow too, so `pytest -m "not slow"` leaves them out."""
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)
