"""The transcript admin: the change list and the upload pages (`upload/views.py`) it routes to."""

from django.contrib import admin
from django.db import models, transaction
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.html import format_html

from interviews import editing
from interviews.models import (
    Transcript,
    Turn,
)
from interviews.upload import views as admin_views


@admin.register(Transcript)
class TranscriptAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["interview", "language", "publisher", "turn_count", "uploaded_by", "ingested_at"]
    list_filter = ["language", "translation"]
    list_select_related = ["interview", "uploaded_by"]
    search_fields = ["title", "interview__title", "publisher", "sha256"]
    readonly_fields = ["original", "sha256", "turn_count", "parse_options", "uploaded_by", "ingested_at", "updated_at"]
    exclude = ["original_file", "original_name"]
    view_on_site = True

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(view)

        return [
            path("upload/", wrap(self.upload_view), name="interviews_transcript_upload"),
            path("upload/done/<int:pk>/", wrap(self.upload_done_view), name="interviews_transcript_upload_done"),
            path("upload/jobs/<int:pk>/", wrap(self.upload_job_view), name="interviews_transcript_upload_job"),
            path(
                "upload/jobs/<int:pk>/progress/",
                wrap(self.upload_job_progress_view),
                name="interviews_transcript_upload_job_progress",
            ),
            path("upload/<str:token>/", wrap(self.upload_preview_view), name="interviews_transcript_upload_preview"),
            path("<path:object_id>/original/", wrap(self.original_view), name="interviews_transcript_original"),
        ] + super().get_urls()

    def upload_view(self, request):
        return admin_views.upload(request, self)

    def upload_preview_view(self, request, token):
        return admin_views.preview(request, self, token)

    def upload_job_view(self, request, pk):
        return admin_views.job(request, self, pk)

    def upload_job_progress_view(self, request, pk):
        return admin_views.job_progress(request, self, pk)

    def upload_done_view(self, request, pk):
        return admin_views.done(request, self, pk)

    def original_view(self, request, object_id):
        return admin_views.original(request, self, object_id)

    @admin.display(description="original file")
    def original(self, obj):
        if not obj.pk or not obj.original_file:
            return "—"
        try:
            size = filesizeformat(obj.original_file.size)
        except OSError:
            return format_html("{} <strong>(missing from storage)</strong>", obj.original_name)
        return format_html(
            '<a href="{}" download>{}</a> ({})',
            reverse("admin:interviews_transcript_original", args=[obj.pk]),
            obj.original_name,
            size,
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:  # language, titles and publisher are shown with every search hit
            editing.reindex_turns(obj.turns.all())

    def delete_model(self, request, obj):
        editing.forget_turns(obj.turns.all())
        super().delete_model(request, obj)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        editing.forget_turns(Turn.objects.filter(transcript__in=queryset))
        super().delete_queryset(request, queryset)
