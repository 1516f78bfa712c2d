import logging
from urllib.parse import urlencode

from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponse, HttpResponseGone, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import get_conditional_response

from . import sharing
from .cards import FontMissing, card_cache_key
from .models import Interview, Participant, RemovedTurn, Speaker, Transcript, Turn

logger = logging.getLogger(__name__)


def _interviews_with_details():
    return Interview.objects.prefetch_related(
        Prefetch("participants", queryset=Participant.objects.select_related("speaker")),
        "transcripts",
    )


def home(request):
    interviews = _interviews_with_details()
    return render(request, "interviews/home.html", {"interviews": interviews})


def interview(request, slug, transcript_slug=None):
    interview = get_object_or_404(_interviews_with_details(), slug=slug)
    transcripts = list(interview.transcripts.all())
    if transcript_slug is None:
        transcript = interview.default_transcript()
    else:
        transcript = next((t for t in transcripts if t.slug == transcript_slug), None)
        if transcript is None:
            raise Http404("No such transcript")
    turns = list(transcript.turns.select_related("speaker", "section", "transcript")) if transcript else []
    roles = {p.speaker_id: p.role for p in interview.participants.all()}
    for turn in turns:
        turn.role = roles.get(turn.speaker_id, "")
    return render(
        request,
        "interviews/interview.html",
        {
            "interview": interview,
            "transcripts": transcripts,
            "transcript": transcript,
            "sections": transcript.sections.annotate(turn_total=Count("turns")) if transcript else [],
            "turns": turns,
        },
    )


def speaker(request, slug):
    speaker = get_object_or_404(Speaker, slug=slug)
    turns = speaker.turns.for_display().order_by("transcript__interview", "transcript__language", "ordinal")
    interviews = (
        Interview.objects.filter(participants__speaker=speaker)
        .prefetch_related("transcripts")
        .distinct()
    )
    return render(
        request,
        "interviews/speaker.html",
        {"speaker": speaker, "turns": turns, "interviews": interviews},
    )


def lower_case_redirect(request, url_name, key):
    """Keys are lower case; a link that upper-cased one (some chat apps and print do) is moved
    permanently to the canonical URL, keeping a span."""
    params = {name: request.GET[name] for name in ("s", "h") if name in request.GET}
    url = reverse(url_name, args=[key.lower()])
    return HttpResponsePermanentRedirect(url + ("?" + urlencode(params) if params else ""))


def turn_or_removed(key):
    """(turn, None) for a live key, (None, removed) for a key a correction removed; else 404."""
    turn = Turn.objects.for_display().filter(key=key).first()
    if turn is not None:
        return turn, None
    removed = RemovedTurn.objects.select_related("transcript__interview").filter(key=key).first()
    if removed is None:
        raise Http404("No quote has this key")
    return None, removed


def quote(request, key):
    if key != key.lower():
        return lower_case_redirect(request, "interviews:quote", key)
    turn, removed = turn_or_removed(key)
    if removed:
        return render(request, "interviews/quote_gone.html", {"removed": removed}, status=410)
    shared = sharing.SharedQuote.from_request(request, turn)
    previous, next_turn = turn.neighbours()
    roles = {p.speaker_id: p.role for p in turn.transcript.interview.participants.all()}
    for each in (turn, previous, next_turn):
        if each is not None:
            each.role = roles.get(each.speaker_id, "")
    context = {
        "turn": turn,
        "shared": shared,
        "previous": previous,
        "next": next_turn,
        "translations": turn.translations(),
        "canonical_url": shared.permalink,
    }
    return render(request, "interviews/quote.html", context)


def quote_without_slash(request, key):
    return lower_case_redirect(request, "interviews:quote", key)


def quote_card(request, key):
    """The quote card PNG (the OpenGraph image); `?s=&h=` draws a span of the stored text, and
    nothing else can be put on a card."""
    if key != key.lower():
        return lower_case_redirect(request, "interviews:quote_card", key)
    turn, removed = turn_or_removed(key)
    if removed:
        return HttpResponseGone("This quote was removed from its transcript.", content_type="text/plain; charset=utf-8")
    content = sharing.SharedQuote.from_request(request, turn).card_content
    # The ETag is the content hash, known before rendering: a revalidation never draws.
    etag = f'"{card_cache_key(content)[:32]}"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=86400"}
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        for name, value in headers.items():
            not_modified[name] = value
        return not_modified
    try:
        png, _ = sharing.card_png(content)
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
    turn = get_object_or_404(
        Turn, transcript__interview__slug=slug, transcript__slug=transcript_slug, ordinal=ordinal
    )
    return redirect(turn)


def robots_txt(request):
    sitemap = request.build_absolute_uri(reverse("sitemap"))
    lines = ["User-agent: *", "Disallow: /admin/", "", f"Sitemap: {sitemap}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
