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
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from interviews import languages, queries
from interviews.forms import SearchForm
from interviews.models import Speaker, Topic, Turn, TurnTopic
from interviews.search import query as archive_search

FEED_ITEMS = 30


def site() -> str:
    """The site's name in the interface language (translated when it is the default name)."""
    return _(settings.ARCHIVE_SITE_NAME)


def topic_name(topic) -> str:
    return topic.name_in(languages.base(get_language()))


def _midnight(date):
    return datetime.datetime.combine(date, datetime.time(), tzinfo=datetime.UTC) if date else None


class NewInterviewsFeed(Feed):
    feed_type = Atom1Feed

    def title(self):
        return _("%(site)s: new interviews") % {"site": site()}

    def subtitle(self):
        return _("Interviews with AI founders, as they are added to the archive.")

    def link(self):
        return reverse("interviews:interview_list")

    def items(self):
        return queries.interviews_with_details().order_by("-created_at", "-pk")[:FEED_ITEMS]

    def item_title(self, interview):
        return interview.title

    def item_description(self, interview):
        people = ", ".join(p.speaker.name for p in interview.participants.all())
        renditions = ", ".join(
            ngettext("%(language)s (%(count)d turn)", "%(language)s (%(count)d turns)", t.turn_count)
            % {"language": t.language_name, "count": t.turn_count}
            for t in interview.transcripts.all()
        )
        return _("%(people)s. In %(renditions)s.") % {"people": people, "renditions": renditions}

    def item_pubdate(self, interview):
        return interview.created_at

    def item_updateddate(self, interview):
        return max((t.updated_at for t in interview.transcripts.all()), default=interview.created_at)


class SpeakerFeed(NewInterviewsFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Speaker, slug=slug)

    def title(self, speaker):
        return _("%(site)s: new interviews with %(name)s") % {"site": site(), "name": speaker.name}

    def subtitle(self, speaker):
        return _("Interviews in which %(name)s speaks, as they are added.") % {"name": speaker.name}

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
        return f"{site()}: {topic_name(topic)}"

    def subtitle(self, topic):
        return _("New quotes on %(topic)s, in every language.") % {"topic": topic_name(topic)}

    def link(self, topic):
        return topic.get_absolute_url()

    def items(self, topic):
        return (
            Turn.objects.for_display()
            .filter(topic_links__topic=topic, topic_links__source__in=[TurnTopic.RULE, TurnTopic.ADDED])
            .order_by("-transcript__ingested_at", "transcript__pk", "ordinal")[:FEED_ITEMS]
        )

    def item_title(self, turn):
        return _("%(speaker)s in %(interview)s (%(language)s)") % {
            "speaker": turn.speaker.name,
            "interview": turn.transcript.interview.title,
            "language": turn.transcript.language_name,
        }

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
            raise Http404(_("No such search."))
        params = form.params()
        params.sort, params.page = "date", 1
        # The feed object is shared by every request: the query string travels with the params.
        params.query_string = request.GET.urlencode()
        return params

    def title(self, params):
        if params.q:
            return _("%(site)s: search for %(query)s") % {"site": site(), "query": params.q}
        return _("%(site)s: search") % {"site": site()}

    def link(self, params):
        return reverse("interviews:search") + (f"?{params.query_string}" if params.query_string else "")

    def items(self, params):
        return archive_search.search(params, facet_limit=0).results[:FEED_ITEMS]  # no facets shown

    def item_title(self, hit):
        return _("%(speaker)s in %(interview)s (%(language)s)") % {
            "speaker": hit.speaker,
            "interview": hit.interview,
            "language": hit.language_name,
        }

    def item_description(self, hit):
        return hit.text

    def item_link(self, hit):
        return hit.permalink

    def item_pubdate(self, hit):
        return _midnight(hit.date)
