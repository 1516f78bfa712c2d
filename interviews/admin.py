from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from . import outbox, topics, translations
from .models import (
    Interview,
    Participant,
    RemovedTurn,
    Section,
    Speaker,
    Topic,
    Transcript,
    Turn,
    TurnAlignment,
    TurnTopic,
)


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 0
    autocomplete_fields = ["speaker"]


@admin.register(Interview)
class InterviewAdmin(admin.ModelAdmin):
    list_display = ["title", "programme", "date_recorded", "original_language"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [ParticipantInline]
    view_on_site = True


@admin.register(Speaker)
class SpeakerAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "aliases"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Transcript)
class TranscriptAdmin(admin.ModelAdmin):
    list_display = ["interview", "language", "publisher", "turn_count", "uploaded_by", "ingested_at"]
    list_filter = ["language", "translation"]
    search_fields = ["title", "interview__title", "publisher", "sha256"]
    readonly_fields = ["sha256", "original_file", "original_name", "turn_count", "uploaded_by", "ingested_at", "updated_at"]


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
                    f"{topic.name_en} · {topic.name_in(language)}" if topic.name_in(language) != topic.name_en else topic.name_en
                )


@admin.register(Turn)
class TurnAdmin(admin.ModelAdmin):
    form = TurnForm
    list_display = ["key", "transcript", "ordinal", "speaker", "short_text", "topic_names"]
    list_filter = ["transcript__language", "speaker"]
    search_fields = ["key", "text"]
    list_select_related = ["transcript__interview", "speaker"]
    readonly_fields = ["key", "transcript", "ordinal", "topic_sources"]
    autocomplete_fields = ["speaker"]
    fieldsets = [
        (None, {"fields": ["key", "transcript", "ordinal", "speaker", "label", "section", "text"]}),
        ("Topics", {"fields": ["topics", "topic_sources"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).with_topics()

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
            outbox.enqueue([obj.key])
    def get_queryset(self, request):
        # str(turn) names its transcript's language: the turn pickers of TurnAlignment show it.
        return super().get_queryset(request).select_related("transcript", "speaker")


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
                            "An editor already decided about these two turns: <a href=\"{}\">that link</a> is {}.",
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
    and re-ingest never override those decisions (see interviews/translations.py)."""

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


admin.site.register(Section)
admin.site.register(RemovedTurn)
admin.site.site_header = "Founder Interview Archive"
