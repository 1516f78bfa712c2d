from django.urls import path, register_converter

from interviews import api, feeds, views

app_name = "interviews"


class TurnKeyConverter:
    """A permalink key: letters and digits. Upper case is accepted here so the view can redirect
    it to the canonical lower-case key."""

    regex = "[A-Za-z0-9]{1,32}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(TurnKeyConverter, "turnkey")

urlpatterns = [
    path("", views.home, name="home"),
    path("interviews/", views.interview_list, name="interview_list"),
    path("speakers/", views.speaker_list, name="speakers"),
    path("feeds/interviews/", feeds.NewInterviewsFeed(), name="feed_interviews"),
    path("feeds/speakers/<slug:slug>/", feeds.SpeakerFeed(), name="feed_speaker"),
    path("feeds/topics/<slug:slug>/", feeds.TopicFeed(), name="feed_topic"),
    path("feeds/search/", feeds.SearchFeed(), name="feed_search"),
    path("interviews/<slug:slug>/", views.interview, name="interview"),
    path("interviews/<slug:slug>/side-by-side/", views.side_by_side, name="side_by_side"),
    path("interviews/<slug:slug>/<slug:transcript_slug>/", views.interview, name="transcript"),
    path(
        "interviews/<slug:slug>/<slug:transcript_slug>/transcript.<str:fmt>",
        views.transcript_export,
        name="transcript_export",
    ),
    # A turn by its position, as the transcript page anchors it (#t<n>): redirects to the permalink.
    path("interviews/<slug:slug>/<slug:transcript_slug>/t<int:ordinal>/", views.turn_at, name="turn_at"),
    path("speakers/<slug:slug>/", views.speaker, name="speaker"),
    path("q/<turnkey:key>/", views.quote, name="quote"),
    path("q/<turnkey:key>.json", api.quote_detail, name="quote_json"),
    path("q/<turnkey:key>.png", views.quote_card, name="quote_card"),
    path("q/<turnkey:key>", views.quote_without_slash, name="quote_without_slash"),
    path("topics/", views.topic_list, name="topics"),
    path("charts/", views.archive_charts, name="charts"),
    path("topics/<slug:slug>/", views.topic, name="topic"),
    path("search/", views.search, name="search"),
    path("api/interviews/", api.interview_list, name="api_interviews"),
    path("api/interviews/<slug:slug>/", api.interview_detail, name="api_interview"),
    path("api/interviews/<slug:slug>/alignment/", api.alignment, name="api_alignment"),
    path("api/transcripts/<int:pk>/", api.transcript_detail, name="api_transcript"),
    path("api/search", api.search, name="api_search"),
]
