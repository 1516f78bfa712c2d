from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Count, Q
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from interviews import editing, outbox
from interviews.models import (
    Interview,
    Participant,
    RemovedTurn,
    Section,
    Speaker,
    SpeakerRedirect,
    Topic,
    Transcript,
    Turn,
    TurnAlignment,
    TurnTopic,
)
from interviews.topics import tagging as topics
from interviews.translations import store as translations
from interviews.upload import views as admin_views


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
                        'Merged {} into <a href="{}">{}</a>: {} turns moved; the old pages redirect there.',
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


# Re-tagging every turn inside an admin request is fine up to this size: measured 3.2 s for 10k
# turns when little changes, 6.8 s when every turn gets new rows (gunicorn's timeout is 60 s);
# beyond it, saving asks for `manage.py retag`.
ADMIN_RETAG_LIMIT = 20_000
KEYWORD_HELP = (
    "One keyword per line. <code>modell</code> matches that word; <code>modell*</code> words starting "
    "with it (Modelle, Modellen); <code>*qualität</code> words ending with it (Datenqualität); "
    "<code>*daten*</code> words containing it; <code>open source</code> the words in sequence, with "
    "spaces or hyphens. Case, accents and Umlauts are ignored. Chinese keywords match anywhere. "
    "A language left empty uses the English list."
)


class TopicForm(forms.ModelForm):
    """Keyword rules as one textarea per language, one keyword per line, checked before saving."""

    keywords_en = forms.CharField(label="Keywords (English)", required=False, widget=forms.Textarea(attrs={"rows": 12}))
    keywords_de = forms.CharField(label="Keywords (German)", required=False, widget=forms.Textarea(attrs={"rows": 12}))
    keywords_zh = forms.CharField(label="Keywords (Chinese)", required=False, widget=forms.Textarea(attrs={"rows": 12}))

    class Meta:
        model = Topic
        fields = ["name_en", "name_de", "name_zh", "slug"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for lang in topics.LANGUAGES:
            self.initial.setdefault(f"keywords_{lang}", "\n".join(self.instance.keywords.get(lang, [])))

    def _clean_keywords(self, lang):
        lines = [line.strip() for line in self.cleaned_data[f"keywords_{lang}"].splitlines()]
        errors = []
        for number, line in enumerate(lines, 1):
            if line:
                try:
                    topics.parse_keyword(line)
                except topics.RuleError as exc:
                    errors.append(f"Line {number}: {exc}")
        if errors:
            raise forms.ValidationError(errors)
        return list(dict.fromkeys(line for line in lines if line))

    def clean_keywords_en(self):
        return self._clean_keywords("en")

    def clean_keywords_de(self):
        return self._clean_keywords("de")

    def clean_keywords_zh(self):
        return self._clean_keywords("zh")

    def save(self, commit=True):
        # Languages this form does not show (added to the JSON by hand) are kept as they were.
        self.instance.keywords = {
            **self.instance.keywords,
            **{lang: self.cleaned_data[f"keywords_{lang}"] for lang in topics.LANGUAGES},
        }
        return super().save(commit)


def _enqueue_turns_of(topic_ids):
    outbox.enqueue(Turn.objects.filter(topic_links__topic__in=topic_ids).values_list("key", flat=True).distinct())


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    form = TopicForm
    list_display = ["name_en", "name_de", "name_zh", "slug", "turns"]
    search_fields = ["slug", "name_en", "name_de", "name_zh"]
    prepopulated_fields = {"slug": ["name_en"]}
    fieldsets = [
        (None, {"fields": ["name_en", "name_de", "name_zh", "slug"]}),
        ("Keyword rules", {"fields": ["keywords_en", "keywords_de", "keywords_zh"], "description": KEYWORD_HELP}),
    ]
    view_on_site = True

    def get_queryset(self, request):
        return super().get_queryset(request).with_turn_counts()

    @admin.display(description="turns", ordering="turn_count")
    def turns(self, obj):
        return obj.turn_count

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and {"slug", "name_en", "name_de", "name_zh"} & set(form.changed_data):
            _enqueue_turns_of([obj.pk])  # the index shows topic names and filters by slug
        if not {f"keywords_{lang}" for lang in topics.LANGUAGES} & set(form.changed_data):
            return
        if Turn.objects.count() > ADMIN_RETAG_LIMIT:
            self.message_user(
                request,
                "Keyword rules saved. Run “manage.py retag” to apply them to the turns already in the archive.",
                messages.WARNING,
            )
            return
        result = topics.tag_transcripts(Transcript.objects.all())
        self.message_user(request, f"Keyword rules applied: {result.summary()}.")

    def delete_model(self, request, obj):
        _enqueue_turns_of([obj.pk])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        _enqueue_turns_of(list(queryset.values_list("pk", flat=True)))
        super().delete_queryset(request, queryset)


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
        fields = ["speaker", "label", "section", "text"]

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
        (None, {"fields": ["key", "transcript", "ordinal", "section", "label", "speaker", "text"]}),
        ("Topics", {"fields": ["topics", "topic_sources"]}),
    ]
    view_on_site = True

    def get_queryset(self, request):
        # str(turn) names its transcript's language: the turn pickers of TurnAlignment show it.
        return super().get_queryset(request).with_topics().select_related("transcript", "speaker")

    def has_add_permission(self, request):
        return False  # turns come from ingesting a transcript; a lone turn has no place in one

    @admin.display(description="text")
    def short_text(self, obj):
        return obj.text[:80]

    @admin.display(description="topics")
    def topic_names(self, obj):
        return ", ".join(topic.name_en for topic in obj.effective_topics())

    @admin.display(description="why")
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


class PossibleMatchFilter(admin.SimpleListFilter):
    title = "match"
    parameter_name = "match"

    def lookups(self, request, model_admin):
        return [
            ("possible", f"Possible match (below {translations.POSSIBLE_MATCH_THRESHOLD:.0%})"),
            ("likely", f"Likely ({translations.POSSIBLE_MATCH_THRESHOLD:.0%} and above)"),
        ]

    def queryset(self, request, queryset):
        below = Q(confidence__lt=translations.POSSIBLE_MATCH_THRESHOLD)
        if self.value() == "possible":
            return queryset.filter(below, status=TurnAlignment.AUTO)
        if self.value() == "likely":
            return queryset.exclude(below & Q(status=TurnAlignment.AUTO))
        return queryset


def titled(title):
    """A list filter over a field's values, under a title of our own (two share "language")."""

    class Filter(admin.AllValuesFieldListFilter):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.title = title

    return Filter


class TurnAlignmentForm(forms.ModelForm):
    """An editor's link: adding one, or changing a link's turns, makes it confirmed."""

    class Meta:
        model = TurnAlignment
        fields = ["source", "target", "status"]
        help_texts = {
            "target": "Type words of the turn, or its key. Changing either turn confirms this link "
            "and records the pair it had as rejected.",
            "status": "Confirmed and rejected links are kept when the interview is aligned again; "
            "automatic ones are replaced.",
        }

    replaces = None  # the automatic row for the same pair of turns, which this decision replaces

    def clean(self):
        cleaned = super().clean()
        source, target = cleaned.get("source"), cleaned.get("target")
        if source and target:
            same_pair = TurnAlignment.objects.filter(
                Q(source=source, target=target) | Q(source=target, target=source)
            ).exclude(pk=self.instance.pk)
            for other in same_pair:
                if other.status != TurnAlignment.AUTO:
                    raise forms.ValidationError(
                        format_html(
                            'An editor already decided about these two turns: <a href="{}">that link</a> is {}.',
                            reverse("admin:interviews_turnalignment_change", args=[other.pk]),
                            other.get_status_display().lower(),
                        )
                    )
                self.replaces = other
        return cleaned

    def _get_validation_exclusions(self):
        exclude = super()._get_validation_exclusions()
        if self.replaces is not None:
            # The unique (source, target) check would only find the automatic row that
            # save_model() deletes in favour of this decision.
            exclude |= {"source", "target"}
        return exclude


@admin.register(TurnAlignment)
class TurnAlignmentAdmin(admin.ModelAdmin):
    """Links between translations. Editors confirm, reject, change or add them; re-alignment
    and re-ingest never override those decisions (see interviews/translations/store.py)."""

    form = TurnAlignmentForm
    list_display = ["source_text", "target_text", "confidence_display", "status"]
    list_filter = [
        "status",
        PossibleMatchFilter,
        "source__transcript__interview",
        ("source__transcript__language", titled("language of the turn")),
        ("target__transcript__language", titled("language of its counterpart")),
    ]
    list_select_related = ["source__transcript", "source__speaker", "target__transcript", "target__speaker"]
    search_fields = ["source__key", "target__key", "source__text", "target__text"]
    autocomplete_fields = ["source", "target"]
    readonly_fields = ["source_full", "target_full", "confidence", "updated_at"]
    fields = ["source", "source_full", "target", "target_full", "status", "confidence", "updated_at"]
    actions = ["confirm", "reject"]
    ordering = ["source__transcript", "source__ordinal", "target__ordinal"]
    view_on_site = True
    list_per_page = 50

    def _turn(self, turn):
        return format_html(
            '<span lang="{}">[{} ¶{}] {}: {}</span>',
            turn.transcript.language,
            turn.transcript.language,
            turn.ordinal + 1,
            turn.speaker,
            turn.text if len(turn.text) <= 90 else turn.text[:90] + "…",
        )

    @admin.display(description="turn", ordering="source__ordinal")
    def source_text(self, obj):
        return self._turn(obj.source)

    @admin.display(description="says the same as")
    def target_text(self, obj):
        return self._turn(obj.target)

    def _full(self, turn):
        if turn is None:
            return "—"
        paragraphs = format_html_join("", "<p>{}</p>", ((p,) for p in turn.paragraphs))
        return format_html('<div lang="{}">{}</div>', turn.transcript.language, paragraphs)

    @admin.display(description="its text")
    def source_full(self, obj):
        return self._full(obj.source if obj.source_id else None)

    @admin.display(description="its text")
    def target_full(self, obj):
        return self._full(obj.target if obj.target_id else None)

    @admin.display(description="confidence", ordering="confidence")
    def confidence_display(self, obj):
        text = f"{obj.confidence:.0%}"
        if translations.is_possible_match(obj.confidence, obj.status):
            text += " · possible match"
        return text

    def get_changeform_initial_data(self, request):
        return {"status": TurnAlignment.CONFIRMED, **super().get_changeform_initial_data(request)}

    def save_model(self, request, obj, form, change):
        moved = change and {"source", "target"} & set(form.changed_data)
        old_pair = TurnAlignment.objects.values_list("source_id", "target_id").get(pk=obj.pk) if moved else None
        if (moved or not change) and obj.status == TurnAlignment.AUTO:
            obj.status = TurnAlignment.CONFIRMED
        if obj.status == TurnAlignment.CONFIRMED:
            obj.confidence = 1.0
        if form.replaces is not None:
            form.replaces.delete()
        super().save_model(request, obj, form, change)
        if old_pair:
            # The editor moved this link away from its old pair: keep that as a rejection, or
            # the next alignment would bring the old pair back.
            translations.record_rejection(*old_pair)

    @admin.action(description="Confirm the selected links")
    def confirm(self, request, queryset):
        count = translations.confirm(queryset)
        self.message_user(request, f"Confirmed {count} links; re-alignment will keep them.", messages.SUCCESS)

    @admin.action(description="Reject the selected links")
    def reject(self, request, queryset):
        count = translations.reject(queryset)
        self.message_user(request, f"Rejected {count} links; re-alignment will not bring them back.", messages.SUCCESS)


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
