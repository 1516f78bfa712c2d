"""The topic admin: editing the controlled vocabulary and its keyword rules, and re-tagging turns when
they change."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from interviews.models import (
    Topic,
    Transcript,
    Turn,
)
from interviews.topics import tagging as topics

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

    @admin.display(description=_("turns"), ordering="turn_count")
    def turns(self, obj):
        return obj.turn_count

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and {"slug", "name_en", "name_de", "name_zh"} & set(form.changed_data):
            topics.reindex_turns_of([obj.pk])  # the index shows topic names and filters by slug
        if not {f"keywords_{lang}" for lang in topics.LANGUAGES} & set(form.changed_data):
            return
        if Turn.objects.count() > ADMIN_RETAG_LIMIT:
            self.message_user(
                request,
                _("Keyword rules saved. Run “manage.py retag” to apply them to the turns already in the archive."),
                messages.WARNING,
            )
            return
        result = topics.tag_transcripts(Transcript.objects.all())
        self.message_user(request, _("Keyword rules applied: %(summary)s.") % {"summary": result.summary()})

    def delete_model(self, request, obj):
        topics.reindex_turns_of([obj.pk])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        topics.reindex_turns_of(list(queryset.values_list("pk", flat=True)))
        super().delete_queryset(request, queryset)
