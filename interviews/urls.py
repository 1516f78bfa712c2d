from django.urls import path

from . import api, views

app_name = "interviews"

urlpatterns = [
    path("", views.home, name="home"),
    path("interviews/<slug:slug>/", views.interview, name="interview"),
    path("interviews/<slug:slug>/side-by-side/", views.side_by_side, name="side_by_side"),
    path("interviews/<slug:slug>/<slug:transcript_slug>/", views.interview, name="transcript"),
    path("speakers/<slug:slug>/", views.speaker, name="speaker"),
    path("q/<str:key>/", views.quote, name="quote"),
    path("topics/", views.topic_list, name="topics"),
    path("topics/<slug:slug>/", views.topic, name="topic"),
    path("api/interviews/", api.interview_list, name="api_interviews"),
    path("api/interviews/<slug:slug>/", api.interview_detail, name="api_interview"),
    path("api/interviews/<slug:slug>/alignment/", api.alignment, name="api_alignment"),
    path("api/transcripts/<int:pk>/", api.transcript_detail, name="api_transcript"),
]
