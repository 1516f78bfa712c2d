"""Atom feeds (Django's syndication framework): new interviews, a speaker's new interviews, new
quotes on a topic, and the newest results of a saved search. Pages link theirs with
<link rel="alternate" type="application/atom+xml">."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from interviews import queries
from interviews.forms import SearchForm
from interviews.models import Speaker, Topic, Turn, TurnTopic
from interviews.search import query as archive_search

FEED_ITEMS = 30
SITE = settings.ARCHIVE_SITE_NAME


def _midnight(date):
    return datetime.datetime.combine(date, datetime.time(), tzinfo=datetime.UTC) if date else None


class NewInterviewsFeed(Feed):
    feed_type = Atom1Feed
    title = f"{SITE}: new interviews"
    subtitle = "Interviews with AI founders, as they are added to the archive."

    def link(self):
        return reverse("interviews:interview_list")

    def items(self):
        return queries.interviews_with_details().order_by("-created_at", "-pk")[:FEED_ITEMS]

    def item_title(self, interview):
        return interview.title

    def item_description(self, interview):
        people = ", ".join(p.speaker.name for p in interview.participants.all())
        renditions = ", ".join(f"{t.language_name} ({t.turn_count} turns)" for t in interview.transcripts.all())
        return f"{people}. In {renditions}."

    def item_pubdate(self, interview):
        return interview.created_at

    def item_updateddate(self, interview):
        return max((t.updated_at for t in interview.transcripts.all()), default=interview.created_at)


class SpeakerFeed(NewInterviewsFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Speaker, slug=slug)

    def title(self, speaker):
        return f"{SITE}: new interviews with {speaker.name}"

    def subtitle(self, speaker):
        return f"Interviews in which {speaker.name} speaks, as they are added."

    def link(self, speaker):
        return speaker.get_absolute_url()

    def items(self, speaker):
        return (
            queries.interviews_with_details()
            .filter(participants__speaker=speaker)
            .order_by("-created_at", "-pk")[:FEED_ITEMS]
        )


class TopicFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, slug):
        return get_object_or_404(Topic, slug=slug)

    def title(self, topic):
        return f"{SITE}: {topic.name_en}"

    def subtitle(self, topic):
        return f"New quotes on {topic.name_en}, in every language."

    def link(self, topic):
        return topic.get_absolute_url()

    def items(self, topic):
        return (
            Turn.objects.for_display()
            .filter(topic_links__topic=topic, topic_links__source__in=[TurnTopic.RULE, TurnTopic.ADDED])
            .order_by("-transcript__ingested_at", "transcript__pk", "ordinal")[:FEED_ITEMS]
        )

    def item_title(self, turn):
        return f"{turn.speaker.name} in {turn.transcript.interview.title} ({turn.transcript.language_name})"

    def item_description(self, turn):
        return turn.text

    def item_pubdate(self, turn):
        return turn.transcript.ingested_at


class SearchFeed(Feed):
    """The newest results of a search, by interview date: subscribe to a query and its filters."""

    feed_type = Atom1Feed

    def get_object(self, request):
        form = SearchForm(request.GET, vocabulary=archive_search.facet_vocabulary())
        if not form.is_valid():
            raise Http404("No such search.")
        params = form.params()
        params.sort, params.page = "date", 1
        # The feed object is shared by every request: the query string travels with the params.
        params.query_string = request.GET.urlencode()
        return params

    def title(self, params):
        return f"{SITE}: search for {params.q}" if params.q else f"{SITE}: search"

    def link(self, params):
        return reverse("interviews:search") + (f"?{params.query_string}" if params.query_string else "")

    def items(self, params):
        return archive_search.search(params).results[:FEED_ITEMS]

    def item_title(self, hit):
        return f"{hit.speaker} in {hit.interview} ({hit.language_name})"

    def item_description(self, hit):
        return hit.text

    def item_link(self, hit):
        return hit.permalink

    def item_pubdate(self, hit):
        return _midnight(hit.date)
