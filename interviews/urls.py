from django.urls import path

from . import api, views

app_name = "interviews"

urlpatterns = [
    path("", views.home, name="home"),
    path("interviews/<slug:slug>/", views.interview, name="interview"),
    path("interviews/<slug:slug>/<slug:transcript_slug>/", views.interview, name="transcript"),
    path("speakers/<slug:slug>/", views.speaker, name="speaker"),
    path("q/<str:key>/", views.quote, name="quote"),
    path("search/", views.search, name="search"),
    path("api/interviews/", api.interview_list, name="api_interviews"),
    path("api/interviews/<slug:slug>/", api.interview_detail, name="api_interview"),
    path("api/transcripts/<int:pk>/", api.transcript_detail, name="api_transcript"),
    path("api/search", api.search, name="api_search"),
]
