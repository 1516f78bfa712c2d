from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Count
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from . import admin_views, editing
from .models import Interview, Participant, RemovedTurn, Section, Speaker, SpeakerRedirect, Transcript, Turn


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 0
    autocomplete_fields = ["speaker"]


@admin.register(Interview)
class InterviewAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["title", "programme", "date_recorded", "original_language"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [ParticipantInline]
    view_on_site = True

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change:  # title and people are part of every document of the interview
            editing.reindex_turns(Turn.objects.filter(transcript__interview=form.instance))

    def delete_model(self, request, obj):
        editing.forget_turns(Turn.objects.filter(transcript__interview=obj))
        super().delete_model(request, obj)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        editing.forget_turns(Turn.objects.filter(transcript__interview__in=queryset))
        super().delete_queryset(request, queryset)


class SpeakerRedirectInline(admin.TabularInline):
    model = SpeakerRedirect
    extra = 0
    fields = ["old_slug", "created_at"]
    readonly_fields = ["old_slug", "created_at"]
    can_delete = False
    verbose_name = "old address"
    verbose_name_plural = "old addresses (they redirect here)"

    def has_add_permission(self, request, obj=None):
        return False


class SpeakerForm(forms.ModelForm):
    class Meta:
        model = Speaker
        fields = ["name", "slug", "bio", "aliases"]

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        moved = SpeakerRedirect.objects.filter(old_slug=slug).exclude(speaker=self.instance.pk).select_related("speaker")
        if moved.exists():
            raise forms.ValidationError(
                f"/speakers/{slug}/ already redirects to {moved[0].speaker}; choose another slug."
            )
        return slug


class MergeSpeakersForm(forms.Form):
    keep = forms.ModelChoiceField(queryset=Speaker.objects.none(), widget=forms.RadioSelect, empty_label=None)

    def __init__(self, *args, speakers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].queryset = Speaker.objects.filter(pk__in=[s.pk for s in speakers])
        self.fields["keep"].label_from_instance = lambda s: s.name


@admin.register(Speaker)
class SpeakerAdmin(admin.ModelAdmin):
    form = SpeakerForm
    list_display = ["name", "slug", "turn_total", "interview_total"]
    search_fields = ["name", "aliases", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [SpeakerRedirectInline]
    actions = ["merge_speakers"]
    view_on_site = True

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            turn_total=Count("turns", distinct=True), interview_total=Count("participations", distinct=True)
        )

    @admin.display(description="turns", ordering="turn_total")
    def turn_total(self, obj):
        return obj.turn_total

    @admin.display(description="interviews", ordering="interview_total")
    def interview_total(self, obj):
        return obj.interview_total

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "slug" in form.changed_data:
            editing.speaker_slug_changed(obj, form.initial.get("slug", ""))
        if change and {"name", "slug"} & set(form.changed_data):
            editing.reindex_speaker(obj)

    @admin.action(description="Merge selected speakers into one…", permissions=["change", "delete"])
    def merge_speakers(self, request, queryset):
        speakers = list(queryset.order_by("-turn_total", "name"))
        if len(speakers) < 2:
            self.message_user(request, "Select at least two speakers to merge.", messages.WARNING)
            return None
        if request.POST.get("post") == "yes":
            form = MergeSpeakersForm(request.POST, speakers=speakers)
            if form.is_valid():
                kept = form.cleaned_data["keep"]
                result = editing.merge_speakers(kept, [s for s in speakers if s.pk != kept.pk])
                self.message_user(
                    request,
                    format_html(
                        "Merged {} into <a href=\"{}\">{}</a>: {} turns moved; the old pages redirect there.",
                        ", ".join(result.merged), kept.get_absolute_url(), kept.name, result.turns_moved,
                    ),
                    messages.SUCCESS,
                )
                return None
        else:
            form = MergeSpeakersForm(initial={"keep": speakers[0].pk}, speakers=speakers)
        # Two people talking to each other in one interview are rarely the same person.
        together = Interview.objects.filter(participants__speaker__in=speakers).annotate(
            selected=Count("participants", distinct=True)
        ).filter(selected__gt=1)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Merge speakers",
            "speakers": speakers,
            "together": list(together),
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/interviews/speaker/merge.html", context)


@admin.register(Transcript)
class TranscriptAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["interview", "language", "publisher", "turn_count", "uploaded_by", "ingested_at"]
    list_filter = ["language", "translation"]
    list_select_related = ["interview", "uploaded_by"]
    search_fields = ["title", "interview__title", "publisher", "sha256"]
    readonly_fields = ["original", "sha256", "turn_count", "uploaded_by", "ingested_at", "updated_at"]
    exclude = ["original_file", "original_name"]
    view_on_site = True

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(view)

        return [
            path("upload/", wrap(self.upload_view), name="interviews_transcript_upload"),
            path("upload/done/<int:pk>/", wrap(self.upload_done_view), name="interviews_transcript_upload_done"),
            path("upload/<str:token>/", wrap(self.upload_preview_view), name="interviews_transcript_upload_preview"),
            path("<path:object_id>/original/", wrap(self.original_view), name="interviews_transcript_original"),
        ] + super().get_urls()

    def upload_view(self, request):
        return admin_views.upload(request, self)

    def upload_preview_view(self, request, token):
        return admin_views.preview(request, self, token)

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


@admin.register(Turn)
class TurnAdmin(admin.ModelAdmin):
    """Editors fix a turn's speaker or text. Turns are added and removed only by uploading a
    corrected file: that keeps permalinks and answers removed ones with 410 Gone."""

    list_display = ["key", "transcript", "ordinal", "speaker", "short_text"]
    list_filter = ["transcript__language", "speaker"]
    search_fields = ["key", "text"]
    list_select_related = ["transcript__interview", "speaker"]
    fields = ["key", "transcript", "ordinal", "section", "label", "speaker", "text"]
    readonly_fields = ["key", "transcript", "ordinal", "section"]
    autocomplete_fields = ["speaker"]
    view_on_site = True

    @admin.display(description="text")
    def short_text(self, obj):
        return obj.text[:80]

    def has_add_permission(self, request):
        return False

    # Deleting a transcript still deletes its turns: only deleting one turn by hand is refused.
    def delete_view(self, request, object_id, extra_context=None):
        raise PermissionDenied("Remove a turn by uploading a corrected file: its permalink then answers 410 Gone.")

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "show_delete": False})

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        editing.turn_changed(obj)


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["heading", "transcript", "ordinal"]
    list_select_related = ["transcript__interview"]
    readonly_fields = ["transcript", "ordinal"]

    def has_add_permission(self, request):
        return False  # sections come from the file, like turns

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        editing.reindex_turns(obj.turns.all())  # search hits show the section heading

admin.site.register(RemovedTurn)
admin.site.site_header = "Founder Interview Archive"
admin.site.site_title = "Founder Interview Archive admin"
