"""Whole pages drawn once and kept in the search result cache (interviews/search/cache.py), with
what is the request's own filled in on every request.

A transcript page (interviews/transcript_pages.py) or a quote page is the same for every reader
in one interface language, but for three values: the CSRF token of the language menu, the address
that menu returns to, and the absolute canonical address. The page is drawn with a marker for
each, split at the markers and kept; a request joins the parts with its own values, escaped as
the template would escape them. The key is the caller's (everything the page shows that the
index's version does not), with the index's version, the interface language, the address's name
and prefix, the static files' manifest, and a digest of the code, templates and translated
strings; while index work is pending nothing is read or kept (`shared`).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.db.models import Exists
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from interviews.models import IndexTask
from interviews.search import cache
from interviews.search.engines import engine

#: A digest of the app's code, its templates and its translated strings: a deploy that changes any
#: of them changes the key of every page drawn (transcript, quote and search pages).
CODE_STAMP = cache.files_stamp(
    [
        *Path(__file__).resolve().parent.rglob("*.py"),
        *(Path(settings.BASE_DIR) / "templates").rglob("*.html"),
        *Path(settings.BASE_DIR).glob("locale/*/LC_MESSAGES/*.mo"),
    ]
)

#: The page's values that are the request's own, drawn as markers and filled in per request.
SLOTS = ("csrf_token", "this_page_url", "canonical_url")
# A marker no text of the archive holds: random for each process (what is kept is already split).
_NONCE = secrets.token_hex(8)
_MARKERS = re.compile(f"zq{_NONCE}slot([a-z_]+)zq")


def marker(name: str) -> str:
    """What a page is drawn with in place of the request's own value ``name``: text that
    escaping leaves alone and no text of the archive holds."""
    return mark_safe(f"zq{_NONCE}slot{name}zq")


def split(html: str) -> list[str]:
    """A page drawn with markers, split at them: ``[text, name, text, name, ..., text]``."""
    return _MARKERS.split(html)


def fill(parts: list[str], values: dict) -> str:
    """The page of `split` with each marker's value put in, escaped as the template would."""
    return "".join(conditional_escape(values[part]) if i % 2 else part for i, part in enumerate(parts))


def response(request, template: str, context: dict, *, key: Callable[[], tuple], index_pending: bool, more=dict):
    """``template`` drawn with ``context`` and ``more()`` (what only drawing needs, such as parts
    kept in the cache on their own), or read from the cache under ``key()``; the request's own
    values (`SLOTS`) filled in. ``context["canonical_url"]``, when set, is the page's canonical
    address (else this path's)."""
    values = {
        "csrf_token": get_token(request),
        "this_page_url": request.get_full_path(),
        "canonical_url": context.get("canonical_url") or request.build_absolute_uri(request.path),
    }

    def draw():
        markers = {name: marker(name) for name in SLOTS}
        parts = split(render_to_string(template, {**context, **more(), **markers}, request=request))
        if sorted(parts[1::2]) != sorted(SLOTS):
            raise ValueError(f"{template} must draw each of {SLOTS} once (base.html does)")
        return parts

    parts = shared(
        lambda: (
            "page",
            CODE_STAMP,
            template,
            request.resolver_match.url_name,
            get_script_prefix(),
            getattr(staticfiles_storage, "manifest_hash", None),
            *key(),
        ),
        draw,
        index_pending=index_pending,
    )
    return HttpResponse(fill(parts, values))


def shared(request: Callable[[], tuple], draw: Callable, *, index_pending: bool):
    """``draw()``, or what it drew for the same ``request()`` (the key's parts that the database
    decides) in the current version of the index and interface language. Never read or kept
    while index work is pending: a write committed whose index commit is not made yet has not
    changed the index's version."""
    if index_pending or not settings.ARCHIVE_SEARCH_CACHE:
        return draw()
    # The index's version is read before anything drawn: a write landing in between is then drawn
    # under the old version (which no reader asks for once the index has the write), never the
    # reverse.
    stamp = engine().index_stamp()
    return cache.cached(stamp, (*request(), get_language()), draw)


def with_index_pending(rows):
    """The rows (interviews, turns) annotated with ``index_pending``: whether any index work is
    pending, read with them rather than by a query of its own."""
    return rows.annotate(index_pending=Exists(IndexTask.objects.all()))


def columns(instance) -> tuple | None:
    """Every column of a model instance as read (None for none): a part of a page's key."""
    if instance is None:
        return None
    return tuple(getattr(instance, field.attname) for field in instance._meta.concrete_fields)


def per_index_version(
    name: str, count: Callable, *, also: Callable[[], tuple] = tuple, from_index: Callable | None = None
):
    """``count()``, or what it gave in the current version of the index: for counts of turns
    (per topic, per speaker, per language) that the index's version decides, since every write
    that adds, removes or re-tags a turn re-indexes it. ``also()`` gives what else the value
    depends on that the index's version does not (read only when the cache is). Shared by the
    workers, and the same in every interface language; counted by one worker at a time (up to a
    second at a million turns). Neither read nor kept while index work is pending, as
    `shared`. ``from_index()``, when given, counts the same from the index, or gives None when
    it cannot: used only while no index work is pending, when the index holds what the
    database does."""
    if IndexTask.objects.exists():
        return count()

    def counted():
        value = from_index() if from_index else None
        return count() if value is None else value

    if not settings.ARCHIVE_SEARCH_CACHE:
        return counted()
    return cache.cached(engine().index_stamp(), ("counts", CODE_STAMP, name, *also()), counted, one_at_a_time=True)
