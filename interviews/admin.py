"""The admin: interviews, speakers (with merging), turns and sections here; the transcript and
its upload, topics and translation links are registered by the admin modules of their packages,
imported below so that Django's admin autodiscovery finds them.

The ModelForms in these modules exist only for the admin's change pages, so they live beside the
ModelAdmin that uses them rather than in `interviews/forms.py`.
"""

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Count
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from interviews import editing
from interviews.models import (
    Interview,
    Participant,
    RemovedTurn,
    Section,
    Speaker,
    SpeakerRedirect,
    Topic,
    Turn,
    TurnTopic,
)
from interviews.topics import admin as topic_admin  # noqa: F401  (registers Topic)
from interviews.topics import tagging as topics
from interviews.translations import admin as translation_admin  # noqa: F401  (registers TurnAlignment)
from interviews.upload import admin as upload_admin  # noqa: F401  (registers Transcript)


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
    verbose_name = _("old address")
    verbose_name_plural = _("old addresses (they redirect here)")

    def has_add_permission(self, request, obj=None):
        return False


class AliasesField(forms.CharField):
    """``Speaker.aliases`` as text, one name or label per line, in any script (艾丹·戈麦斯), rather
    than the JSON list it is stored as."""

    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value):
        if isinstance(value, str):  # JSON from the model's form field, or text typed back
            try:
                value = json.loads(value)
            except ValueError:
                return value
        return "\n".join(value or [])

    def to_python(self, value):
        text = super().to_python(value) or ""
        try:  # a JSON list, as the field took it before (scripts posting to the admin)
            lines = json.loads(text) if text.lstrip().startswith("[") else None
        except ValueError:
            lines = None
        if not (isinstance(lines, list) and all(isinstance(line, str) for line in lines)):
            lines = text.splitlines()
        return list(dict.fromkeys(line.strip() for line in lines if line.strip()))


class SpeakerForm(forms.ModelForm):
    aliases = AliasesField(
        required=False,
        help_text=_(
            "One per line, in any script: other names readers search for (艾丹·戈麦斯, Gomez) and the "
            "labels transcripts use for this person (“Q”, “Aidan”). Search finds the speaker by each."
        ),
    )

    class Meta:
        model = Speaker
        fields = ["name", "slug", "bio", "aliases"]

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        moved = (
            SpeakerRedirect.objects.filter(old_slug=slug).exclude(speaker=self.instance.pk).select_related("speaker")
        )
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
        return (
            super()
            .get_queryset(request)
            .annotate(turn_total=Count("turns", distinct=True), interview_total=Count("participations", distinct=True))
        )

    @admin.display(description=_("turns"), ordering="turn_total")
    def turn_total(self, obj):
        return obj.turn_total

    @admin.display(description=_("interviews"), ordering="interview_total")
    def interview_total(self, obj):
        return obj.interview_total

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "slug" in form.changed_data:
            editing.speaker_slug_changed(obj, form.initial.get("slug", ""))
        if change and {"name", "slug", "aliases"} & set(form.changed_data):  # names are searched
            editing.reindex_speaker(obj)

    @admin.action(description=_("Merge selected speakers into one…"), permissions=["change", "delete"])
    def merge_speakers(self, request, queryset):
        speakers = list(queryset.order_by("-turn_total", "name"))
        if len(speakers) < 2:
            self.message_user(request, _("Select at least two speakers to merge."), messages.WARNING)
            return None
        if request.POST.get("post") == "yes":
            form = MergeSpeakersForm(request.POST, speakers=speakers)
            if form.is_valid():
                kept = form.cleaned_data["keep"]
                result = editing.merge_speakers(kept, [s for s in speakers if s.pk != kept.pk])
                self.message_user(
                    request,
                    format_html(
                        _('Merged {} into <a href="{}">{}</a>: {} turns moved; the old pages redirect there.'),
                        ", ".join(result.merged),
                        kept.get_absolute_url(),
                        kept.name,
                        result.turns_moved,
                    ),
                    messages.SUCCESS,
                )
                return None
        else:
            form = MergeSpeakersForm(initial={"keep": speakers[0].pk}, speakers=speakers)
        # Two people talking to each other in one interview are rarely the same person.
        together = (
            Interview.objects.filter(participants__speaker__in=speakers)
            .annotate(selected=Count("participants", distinct=True))
            .filter(selected__gt=1)
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Merge speakers"),
            "speakers": speakers,
            "together": list(together),
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/interviews/speaker/merge.html", context)


class TurnForm(forms.ModelForm):
    topics = forms.ModelMultipleChoiceField(
        Topic.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=(
            "Ticked: the topics this turn carries now. Tick to add a topic, untick to remove one: "
            "your choice is kept when topics are re-tagged and when the transcript is re-ingested."
        ),
    )

    class Meta:
        model = Turn
        fields = ["speaker", "label", "section", "text", "start", "end"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial.setdefault("topics", [topic.pk for topic in self.instance.effective_topics()])
            language = self.instance.transcript.language
            if language != "en":  # editors read the transcript's language: show its names too
                self.fields["topics"].label_from_instance = lambda topic: (
                    f"{topic.name_en} · {topic.name_in(language)}"
                    if topic.name_in(language) != topic.name_en
                    else topic.name_en
                )


@admin.register(Turn)
class TurnAdmin(admin.ModelAdmin):
    """Editors fix a turn's speaker, text or topics. Turns are added and removed only by uploading
    a corrected file: that keeps permalinks and answers removed ones with 410 Gone."""

    form = TurnForm
    list_display = ["key", "transcript", "ordinal", "speaker", "short_text", "topic_names"]
    list_filter = ["transcript__language", "speaker"]
    search_fields = ["key", "text"]
    list_select_related = ["transcript__interview", "speaker"]
    readonly_fields = ["key", "transcript", "ordinal", "section", "topic_sources"]
    autocomplete_fields = ["speaker"]
    fieldsets = [
        (None, {"fields": ["key", "transcript", "ordinal", "section", "label", "speaker", "text", "start", "end"]}),
        ("Topics", {"fields": ["topics", "topic_sources"]}),
    ]
    view_on_site = True

    def get_queryset(self, request):
        # str(turn) names its transcript's language: the turn pickers of TurnAlignment show it.
        return super().get_queryset(request).with_topics().select_related("transcript", "speaker")

    def has_add_permission(self, request):
        return False  # turns come from ingesting a transcript; a lone turn has no place in one

    @admin.display(description=_("text"))
    def short_text(self, obj):
        return obj.text[:80]

    @admin.display(description=_("topics"))
    def topic_names(self, obj):
        return ", ".join(topic.name_en for topic in obj.effective_topics())

    @admin.display(description=_("why"))
    def topic_sources(self, obj):
        """Where each topic on the turn comes from, with the keywords that matched."""
        if not obj.pk:
            return "—"
        matched = topics.current_rules().explain(obj.text, obj.transcript.language)
        lines = []
        for link in obj.topic_links.select_related("topic").order_by("topic__name_en"):
            if link.source == TurnTopic.RULE:
                why = matched.get(link.topic.slug)
                detail = f"keywords: {', '.join(why)}" if why else "shared between question and answer"
                lines.append(f"{link.topic.name_en}: keyword rule ({detail})")
            else:
                lines.append(f"{link.topic.name_en}: {link.get_source_display().lower()}")
        return "\n".join(lines) or "No topic."

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "text" in form.changed_data:
            # New words may match other rules, and the question/answer sharing around this turn too.
            topics.tag_turns(obj.transcript.turns.all(), enqueue=False)
        before = set(form.initial.get("topics", []))
        after = {topic.pk for topic in form.cleaned_data["topics"]}
        with transaction.atomic():
            for topic_id in after - before:
                TurnTopic.objects.update_or_create(turn=obj, topic_id=topic_id, defaults={"source": TurnTopic.ADDED})
            for topic_id in before - after:
                TurnTopic.objects.update_or_create(turn=obj, topic_id=topic_id, defaults={"source": TurnTopic.REMOVED})
        if form.changed_data:
            editing.turn_changed(obj)  # reindex, and a newly chosen speaker joins the interview

    # Deleting a transcript still deletes its turns: only deleting one turn by hand is refused.
    def delete_view(self, request, object_id, extra_context=None):
        raise PermissionDenied("Remove a turn by uploading a corrected file: its permalink then answers 410 Gone.")

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "show_delete": False})


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
admin.site.site_header = _("Founder Interview Archive")
admin.site.site_title = _("Founder Interview Archive admin")
