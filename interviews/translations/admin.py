"""The alignment admin: editors confirm, reject, change or add links between translations."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from interviews.models import (
    TurnAlignment,
)
from interviews.translations import store as translations


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
                            _('An editor already decided about these two turns: <a href="{}">that link</a> is {}.'),
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

    @admin.display(description=pgettext_lazy("column", "turn"), ordering="source__ordinal")
    def source_text(self, obj):
        return self._turn(obj.source)

    @admin.display(description=_("says the same as"))
    def target_text(self, obj):
        return self._turn(obj.target)

    def _full(self, turn):
        if turn is None:
            return "—"
        paragraphs = format_html_join("", "<p>{}</p>", ((p,) for p in turn.paragraphs))
        return format_html('<div lang="{}">{}</div>', turn.transcript.language, paragraphs)

    @admin.display(description=_("its text"))
    def source_full(self, obj):
        return self._full(obj.source if obj.source_id else None)

    @admin.display(description=_("its text"))
    def target_full(self, obj):
        return self._full(obj.target if obj.target_id else None)

    @admin.display(description=_("confidence"), ordering="confidence")
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

    @admin.action(description=_("Confirm the selected links"))
    def confirm(self, request, queryset):
        count = translations.confirm(queryset)
        self.message_user(
            request, _("Confirmed %(count)d links; re-alignment will keep them.") % {"count": count}, messages.SUCCESS
        )

    @admin.action(description=_("Reject the selected links"))
    def reject(self, request, queryset):
        count = translations.reject(queryset)
        self.message_user(
            request,
            _("Rejected %(count)d links; re-alignment will not bring them back.") % {"count": count},
            messages.SUCCESS,
        )
