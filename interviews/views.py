import logging
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import InvalidPage, Paginator
from django.db.models import Count, Min, Prefetch, prefetch_related_objects
from django.http import Http404, HttpResponse, HttpResponseGone
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import defaults

from interviews import (
    api_errors,
    exports,
    languages,
    lists,
    overview,
    page_cache,
    queries,
    ratelimit,
    search_pages,
    timecodes,
    transcript_pages,
)
from interviews.charts import data as charts
from interviews.forms import InterviewListForm, SearchForm, SideBySideForm
from interviews.models import (
    Interview,
    Participant,
    Speaker,
    SpeakerRedirect,
    Topic,
    Transcript,
    Turn,
    TurnTopic,
)
from interviews.quotes import sharing
from interviews.quotes.card_fonts import FontMissing
from interviews.quotes.cards import card_cache_key
from interviews.search import query as archive_search
from interviews.translations import store as translations

TOPIC_TURNS_PER_PAGE = 50
FIND_SHOWN = 100  # matches listed by a transcript's find box; the whole-archive search pages through more
SPEAKER_TURNS_PER_PAGE = 50
# Interviews listed a page: at a million turns the archive holds some 8,000 interviews, and listing
# them all made a page of 3.6 MB that took 2.7 s of CPU to draw.
INTERVIEWS_PER_PAGE = 50

logger = logging.getLogger(__name__)


HOME_INTERVIEWS = 5


def _page(request, rows, per_page, *, missing=None):
    """The page of ``rows`` that ``?page=`` asks for (the first without one); 404 with ``missing``
    (else "No such page.") for a page that is not a number or not there."""
    try:
        return Paginator(rows, per_page).page(request.GET.get("page") or 1)
    except InvalidPage:
        raise Http404(missing or _("No such page.")) from None


def home(request):
    interviews = queries.interviews_with_details()[:HOME_INTERVIEWS]
    return render(request, "interviews/home.html", {"interviews": interviews, "overview": overview.archive_overview()})


def interview_list(request):
    """Every interview, newest first; `?year=&language=&speaker=&topic=&sort=oldest` narrow and
    reorder it (a value the archive does not hold is ignored)."""
    form = InterviewListForm(request.GET, **lists.interview_filter_choices())
    form.is_valid()  # invalid values are dropped by filters(), never an error
    filters = form.filters()
    page = _page(request, lists.interviews(**filters), INTERVIEWS_PER_PAGE)
    return render(request, "interviews/interview_list.html", {"form": form, "filters": filters, "page": page})


def speaker_list(request):
    return render(request, "interviews/speaker_list.html", {"speakers": lists.speakers()})


def interview(request, slug, transcript_slug=None):
    interview = get_object_or_404(page_cache.with_index_pending(queries.interviews_with_details()), slug=slug)
    transcripts = list(interview.transcripts.all())
    if transcript_slug is None:
        transcript = interview.default_transcript()
    else:
        transcript = next((t for t in transcripts if t.slug == transcript_slug), None)
        if transcript is None:
            raise Http404(_("No such transcript."))
    others = [t for t in transcripts if t != transcript]
    context = {
        "interview": interview,
        "transcripts": transcripts,
        "transcript": transcript,
        "side_by_side": interview.get_side_by_side_url(transcript, others[0]) if transcript and others else None,
        "sections": [],
    }
    if not transcript:
        return render(request, "interviews/interview.html", context)
    number = _transcript_page_number(request, transcript)
    context.update(_transcript_page(request, transcript, number))
    aligned, pending = len(transcripts) > 1, interview.index_pending

    def drawn_parts():
        """The turns and the charts: each kept in the shared cache on its own."""
        return {
            "turn_list": transcript_pages.turn_list(transcript, number, aligned=aligned, index_pending=pending),
            **transcript_pages.transcript_charts(transcript, index_pending=pending),
        }

    words = request.GET.get("find", "").strip()
    if words or settings.DEBUG:  # the find panel is this request's own; templates are read again while developing
        context.update(drawn_parts())
        if words:
            context["find"] = _find_in_transcript(transcript, words, clear_url=context["page_url"])
        return render(request, "interviews/interview.html", context)
    return transcript_pages.page_response(
        request, context, drawn_parts, number=number, aligned=aligned, index_pending=pending
    )


def _transcript_page_number(request, transcript):
    """The page asked for: a fixed range of turn positions (Transcript.page_of), so a link to any
    turn names its page without a query, and a 20,000-turn transcript stays light."""
    page_count = _page_count(transcript)
    try:
        number = int(request.GET.get("page") or 1)
    except ValueError:
        raise Http404(_("No such page of this transcript.")) from None
    if not 1 <= number <= page_count:
        raise Http404(_("No such page of this transcript."))
    return number


def _page_count(transcript):
    # turn_count is stored with the turns (one ingest writes both): no query for the last position.
    return transcript.page_of(transcript.turn_count - 1) if transcript.turn_count else 1


def _transcript_page(request, transcript, number):
    """What page ``number`` of a transcript shows around its turns: the contents and the page links."""
    # An aggregate groups the query, and Django leaves Meta.ordering out of grouped queries: without
    # order_by() PostgreSQL listed the contents in hash order.
    sections = list(transcript.sections.annotate(first_ordinal=Min("turns__ordinal")).order_by("ordinal"))
    for section in sections:  # the contents link each section on the page that holds its first turn
        on_page = section.first_ordinal is None or transcript.page_of(section.first_ordinal) == number
        page_url = "" if on_page else transcript.get_page_url(transcript.page_of(section.first_ordinal))
        section.url = f"{page_url}#{section.anchor}"
    return {
        "sections": sections,
        "pages": _page_links(transcript, number, _page_count(transcript)),
        "page_url": transcript.get_page_url(number),
        # Page 1 keeps the address it was reached by as canonical; later pages are pages of their own.
        "canonical_url": request.build_absolute_uri(f"{request.path}?page={number}") if number > 1 else None,
    }


def _find_in_transcript(transcript, words, *, clear_url):
    """The turns of one transcript that match ``words``, in reading order, each linked on its page:
    the archive's search (stemming, Chinese words, translations of the query) narrowed to it."""
    params = archive_search.SearchParams(
        q=words, transcript=(transcript.interview.slug, transcript.slug), sort="date", page_size=FIND_SHOWN
    )
    results = archive_search.search(params, facet_limit=0)  # no facets shown
    starts = dict(transcript.turns.filter(key__in=[hit.key for hit in results.results]).values_list("key", "start"))
    matches = [
        {
            "hit": hit,
            "url": transcript.get_turn_url(hit.ordinal),
            "clock": timecodes.clock(starts[hit.key]) if starts.get(hit.key) is not None else "",
        }
        for hit in results.results
    ]
    return {
        "words": words,
        "count": results.count,
        "matches": matches,
        "notes": results.query.notes,
        "archive_url": reverse("interviews:search") + "?" + urlencode({"q": words}),
        "suggestion": results.suggestion,
        "suggestion_url": transcript.get_absolute_url() + "?" + urlencode({"find": results.suggestion or ""}),
        "clear_url": clear_url,
    }


def _page_links(transcript, number, page_count):
    if page_count == 1:
        return None
    return {
        "number": number,
        "count": page_count,
        "previous_url": transcript.get_page_url(number - 1) if number > 1 else None,
        "next_url": transcript.get_page_url(number + 1) if number < page_count else None,
        "links": [
            {"number": n, "url": transcript.get_page_url(n), "current": n == number} if n else None
            for n in _page_window(number, page_count)
        ],
    }


def _page_window(number, page_count, *, around=2):
    """Page numbers to link: the first, the last and a few around this one; None marks a gap."""
    wanted = sorted({1, page_count, *range(max(1, number - around), min(page_count, number + around) + 1)})
    window = []
    for n in wanted:
        if window and n - window[-1] > 1:
            window.append(None)
        window.append(n)
    return window


def transcript_export(request, slug, transcript_slug, fmt):
    """The transcript as a file to download: text, WebVTT, SRT or podcast JSON."""
    if fmt not in exports.FORMATS:
        raise Http404(_("No such format."))
    transcript = get_object_or_404(
        Transcript.objects.select_related("interview"), interview__slug=slug, slug=transcript_slug
    )
    turns = [
        exports.ExportTurn(turn.speaker.name, turn.text, turn.start, turn.end)
        for turn in transcript.turns.select_related("speaker").order_by("ordinal")
    ]
    suffix, content_type = exports.FORMATS[fmt]
    response = HttpResponse(exports.render(fmt, transcript.title, turns), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{slug}-{transcript_slug}.{suffix}"'
    return response


def speaker(request, slug):
    speaker = Speaker.objects.filter(slug=slug).first()
    if speaker is None:  # merged into another speaker, or renamed: the old address keeps working
        moved = get_object_or_404(SpeakerRedirect.objects.select_related("speaker"), old_slug=slug)
        return redirect(moved.speaker, permanent=True)
    turns = (
        speaker.turns.for_display().with_topics().order_by("transcript__interview", "transcript__language", "ordinal")
    )
    # Paged like a topic: a founder heard in many interviews has thousands of turns.
    page = _page(request, turns, SPEAKER_TURNS_PER_PAGE)
    interviews = Interview.objects.filter(participants__speaker=speaker).prefetch_related("transcripts").distinct()
    return render(
        request,
        "interviews/speaker.html",
        {"speaker": speaker, "page": page, "interviews": interviews},
    )


def quote(request, key):
    if key != key.lower():
        return sharing.lower_case_redirect(request, "interviews:quote", key)
    turns = page_cache.with_index_pending(Turn.objects.for_display())
    if settings.ARCHIVE_SEARCH_CACHE:  # what the page's cache key needs, read with the quote
        turns = translations.with_links_version(turns)
    turn, removed = queries.turn_or_removed(key, turns=turns)
    if removed:
        return render(request, "interviews/quote_gone.html", {"removed": removed}, status=410)
    if settings.DEBUG:  # templates are read again on every request while developing: so is the page
        return render(request, "interviews/quote.html", _quote_context(request, turn))
    return page_cache.response(
        request,
        "interviews/quote.html",
        {"canonical_url": request.build_absolute_uri(turn.get_absolute_url())},
        key=lambda: sharing.quote_page_key(request, turn),
        index_pending=turn.index_pending,
        more=lambda: _quote_context(request, turn),
    )


def _quote_context(request, turn):
    interview = turn.transcript.interview
    # The roles and the citation both read the interview's participants and their names: one query.
    prefetch_related_objects(
        [interview], Prefetch("participants", queryset=Participant.objects.select_related("speaker"))
    )
    shared = sharing.SharedQuote.from_request(request, turn)
    # The turns just before and after, drawn with their topics: the topics of both in one query.
    previous, next_turn = turn.neighbours(Turn.objects.for_display().with_topics())
    queries.attach_roles([turn, previous, next_turn], interview=interview)
    return {
        "turn": turn,
        "shared": shared,
        "previous": previous,
        "next": next_turn,
        "translations": translations.translations_of(turn),
        "canonical_url": shared.permalink,
    }


def side_by_side(request, slug):
    interview = get_object_or_404(Interview, slug=slug)
    transcripts = list(interview.transcripts.order_by("language", "slug"))
    context = {"interview": interview, "transcripts": transcripts}
    if len(transcripts) < 2:
        return render(request, "interviews/side_by_side.html", context)
    form = SideBySideForm(request.GET, transcripts=transcripts)
    problems = [] if form.is_valid() else [e for errors in form.errors.values() for e in errors]
    left, right = form.pair()
    rows = translations.side_by_side(left, right)
    # Paged like a transcript, by rows: a pair of 20,000-turn transcripts stays a light page.
    page = _page(
        request, rows, settings.ARCHIVE_TRANSCRIPT_TURNS_PER_PAGE, missing=_("No such page of this comparison.")
    )
    queries.attach_roles([turn for row in page.object_list for turn in row.left + row.right], interview=interview)
    translations.fold_unmatched(page.object_list)
    context.update(
        pages=_side_by_side_pages(interview, left, right, page),
        problems=problems,
        form=SideBySideForm({"left": left.slug, "right": right.slug}, transcripts=transcripts),
        left=left,
        right=right,
        rows=page.object_list,
        swap_url=interview.get_side_by_side_url(right, left),
        left_linked=sum(len(row.left) for row in rows if row.right),
        right_linked=sum(len(row.right) for row in rows if row.left),
        possible=sum(row.is_possible_match for row in rows),
    )
    return render(request, "interviews/side_by_side.html", context)


def _side_by_side_pages(interview, left, right, page):
    if not page.has_other_pages():
        return None
    base = interview.get_side_by_side_url(left, right)

    def url(n):
        return base if n == 1 else f"{base}&page={n}"

    count = page.paginator.num_pages
    return {
        "number": page.number,
        "count": count,
        "previous_url": url(page.number - 1) if page.has_previous() else None,
        "next_url": url(page.number + 1) if page.has_next() else None,
        "links": [
            {"number": n, "url": url(n), "current": n == page.number} if n else None
            for n in _page_window(page.number, count)
        ],
    }


def topic_list(request):
    return render(request, "interviews/topic_list.html", {"topics": lists.topics()})


def archive_charts(request):
    """Who talks about what across the archive: speaker × topic and topic × year, each cell a search."""
    return render(request, "interviews/charts.html", {"charts": charts.archive_charts()})


def topic(request, slug):
    """Every turn that carries the topic, grouped by interview and transcript; `?language=` narrows
    to one language (an unknown one is ignored, not an error)."""
    topic = get_object_or_404(Topic, slug=slug)
    turns = Turn.objects.filter(
        topic_links__topic=topic, topic_links__source__in=[TurnTopic.RULE, TurnTopic.ADDED]
    )  # one filter() call: the topic and the source must be the same link
    counts = dict(turns.values_list("transcript__language").annotate(n=Count("pk")).order_by("transcript__language"))
    language = request.GET.get("language", "")
    if language not in counts:
        language = ""
    if language:
        turns = turns.filter(transcript__language=language)
    turns = (
        turns.for_display()
        .with_topics()
        .order_by(
            "-transcript__interview__date_recorded",
            "transcript__interview__title",
            "transcript__interview_id",
            "transcript__language",
            "transcript__slug",
            "ordinal",
        )
    )
    page = _page(request, turns, TOPIC_TURNS_PER_PAGE)
    queries.attach_roles(page.object_list)
    # Named in the language of the turns shown, else in the interface's.
    shown = language or languages.base(get_language())
    return render(
        request,
        "interviews/topic.html",
        {
            "topic": topic,
            "name": topic.name_in(shown),
            "other_names": [(code, topic.name_in(code)) for code in languages.SUPPORTED if code != shown],
            "languages": [(code, languages.name(code), n) for code, n in counts.items()],
            "language": language,
            "total": sum(counts.values()),
            "page": page,
        },
    )


def quote_without_slash(request, key):
    return sharing.lower_case_redirect(request, "interviews:quote", key)


def quote_card(request, key):
    """The quote card PNG (the OpenGraph image); `?s=&h=` draws a span of the stored text, and
    nothing else can be put on a card."""
    if key != key.lower():
        return sharing.lower_case_redirect(request, "interviews:quote_card", key)
    turn, removed = queries.turn_or_removed(key)
    if removed:
        return HttpResponseGone(
            _("This quote was removed from its transcript."), content_type="text/plain; charset=utf-8"
        )
    content = sharing.SharedQuote.from_request(request, turn).card_content
    # The ETag is the content hash, known before rendering: a revalidation never draws.
    etag = f'"{card_cache_key(content)[:32]}"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=86400"}
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        for name, value in headers.items():
            not_modified[name] = value
        return not_modified
    if not sharing.card_is_cached(content):  # drawing costs CPU and disk: a budget per client
        refused = ratelimit.check(request, "card", settings.ARCHIVE_CARD_RENDER_LIMIT)
        if refused is not None:
            return refused
    try:
        png, _drawn = sharing.card_png(content)
    except FontMissing as exc:
        # Boxes instead of characters would be shared as the quote's image: refuse, and say why.
        logger.error("Quote card %s cannot be drawn: %s", key, exc)
        return HttpResponse(
            f"The quote card cannot be drawn on this server: {exc}\n",
            status=503,
            content_type="text/plain; charset=utf-8",
            headers={"Retry-After": "3600", "Cache-Control": "no-store"},
        )
    return HttpResponse(png, content_type="image/png", headers=headers)


def turn_at(request, slug, transcript_slug, ordinal):
    """A turn by its position in a transcript (the `#t<n>` anchor as a path): a temporary redirect
    to its permalink, because a corrected transcript renumbers positions but keeps keys."""
    turn = get_object_or_404(Turn, transcript__interview__slug=slug, transcript__slug=transcript_slug, ordinal=ordinal)
    return redirect(turn)


# Address prefixes and the kind of page the 404 page names when nothing answers there.
NOT_FOUND_KINDS = [
    ("/q/", "quote"),
    ("/interviews/", "interview"),
    ("/speakers/", "speaker"),
    ("/topics/", "topic"),
    ("/search/", "search"),
]


# get_object_or_404's message ("No Interview matches the given query."): the page's kind says it better.
GET_OBJECT_OR_404_SUFFIX = "matches the given query."


def page_not_found(request, exception):
    """The 404 page (handler404): says what kind of address was not found and offers search. The
    JSON API's addresses get JSON, so that a client parsing the body is not handed a web page."""
    if api_errors.is_json_path(request.path):
        return api_errors.error_response(404, _("Nothing at this address."), path=request.path)
    kind = next((kind for prefix, kind in NOT_FOUND_KINDS if request.path.startswith(prefix)), "")
    reason = reason_of(exception)
    if reason.endswith(GET_OBJECT_OR_404_SUFFIX):  # names a model class, not something a reader knows
        reason = ""
    return render(request, "404.html", {"kind": kind, "request_path": request.path, "reason": reason}, status=404)


def reason_of(exception) -> str:
    """The view's own reason ("No such page of results."); a URL that matched nothing has a dict here."""
    return exception.args[0] if exception and exception.args and isinstance(exception.args[0], str) else ""


def bad_request(request, exception):
    """handler400: JSON for the JSON addresses, Django's plain 400 page elsewhere."""
    if api_errors.is_json_path(request.path):
        return api_errors.error_response(400, _("The request could not be understood."))
    return defaults.bad_request(request, exception)


def server_error(request):
    """handler500: JSON for the JSON addresses, the plain 500 page (no database, no layout) elsewhere."""
    if api_errors.is_json_path(request.path):
        return api_errors.error_response(500, _("Something went wrong on our side; it has been logged."))
    return defaults.server_error(request)


def favicon(request):
    """Browsers ask for /favicon.ico on pages that name no icon (JSON, the admin): send them to the
    SVG icon that every page links."""
    response = redirect(static("favicon.svg"))
    response["Cache-Control"] = "public, max-age=86400"
    return response


def robots_txt(request):
    sitemap = request.build_absolute_uri(reverse("sitemap"))
    lines = ["User-agent: *", "Disallow: /admin/", "", f"Sitemap: {sitemap}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


def search(request):
    form = SearchForm(request.GET, vocabulary=archive_search.facet_vocabulary())
    if not form.is_valid():  # only the page number can be invalid; everything else is forgiven
        raise Http404(_("No such page of results."))
    try:
        found = archive_search.find(form.params(), facet_limit=search_pages.facet_limit())
    except archive_search.PageNotFound:
        raise Http404(_("No such page of results.")) from None
    return search_pages.page_response(request, found)
