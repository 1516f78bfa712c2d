from django import forms
from django.contrib import admin, messages
from django.db import transaction

from . import outbox, topics
from .models import Interview, Participant, RemovedTurn, Section, Speaker, Topic, Transcript, Turn, TurnTopic


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


admin.site.register(Section)
admin.site.register(RemovedTurn)
admin.site.site_header = "Founder Interview Archive"
