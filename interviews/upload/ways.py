"""The preview's ways on: how to read a file whose speaker labels the parser cannot find (or
finds wrongly). The choice becomes a ParseOptions for the parser and is kept with the staged
upload, then with the transcript."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from interviews.parsing import ParseError, ParseOptions
from interviews.parsing.options import (
    ALTERNATING,
    MAX_PATTERN,
    MAX_SKIP,
    MAX_SPEAKER,
    PARAGRAPHS,
    PATTERN,
    PLACEHOLDER,
)
from interviews.parsing.questions import ANSWER, QUESTION
from interviews.upload.messages import interface_text

WAY_CHOICES = [
    ("", _("By the speaker labels the parser finds")),
    (ALTERNATING, _("Alternating speakers, each paragraph a turn, starting with …")),
    (PATTERN, _("Labels look like …")),
    (PARAGRAPHS, _("One paragraph per turn, then pick the speakers")),
]


class ParseOptionsForm(forms.Form):
    """One way, with what it needs; `saved` is the way the staged file was last read."""

    way = forms.ChoiceField(label=_("Read the file"), choices=WAY_CHOICES, required=False, widget=forms.RadioSelect)
    first = forms.CharField(label=_("Who speaks first"), max_length=MAX_SPEAKER, required=False)
    second = forms.CharField(label=_("Who answers"), max_length=MAX_SPEAKER, required=False)
    pattern = forms.CharField(
        label=_("What a label looks like"),
        max_length=MAX_PATTERN,
        required=False,
        help_text=_("Write NAME where the speaker's name stands, the rest as in the file: NAME: or [NAME] or NAME -"),
    )
    skip = forms.IntegerField(
        label=_("Paragraphs before the conversation (title, introduction)"),
        min_value=0,
        max_value=MAX_SKIP,
        required=False,
    )

    def __init__(self, data=None, *, saved: dict | None = None):
        self.saved = _saved(saved)
        initial = {
            "way": self.saved.way,
            "first": self.saved.speakers[0] if self.saved.speakers else QUESTION,
            "second": self.saved.speakers[1] if self.saved.speakers else ANSWER,
            "pattern": self.saved.pattern or f"{PLACEHOLDER}:",
            "skip": self.saved.skip,
        }
        # A page that did not post the ways on (an older form) keeps the saved way.
        super().__init__(data if data is not None and "way" in data else None, initial=initial)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        way = cleaned.get("way") or ""
        try:
            cleaned["options"] = ParseOptions(
                way=way,
                speakers=(cleaned.get("first") or "", cleaned.get("second") or "") if way == ALTERNATING else (),
                pattern=cleaned.get("pattern") or "" if way == PATTERN else "",
                skip=cleaned.get("skip") or 0 if way else 0,
            )
        except ParseError as exc:
            self.add_error({ALTERNATING: "first", PATTERN: "pattern"}.get(way), interface_text(exc.message))
        return cleaned

    def options(self) -> ParseOptions:
        """The way chosen, when valid; else the saved one."""
        if self.is_bound and self.is_valid():
            return self.cleaned_data["options"]
        return self.saved

    @property
    def changed(self) -> bool:
        return self.options() != self.saved


def _saved(values: dict | None) -> ParseOptions:
    try:
        return ParseOptions.from_json(values)
    except ParseError:
        return ParseOptions()
