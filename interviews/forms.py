"""Forms: the search query string, the side-by-side pair, and the admin upload (the file with its details, and who each
speaker label means)."""

from __future__ import annotations

import re
from pathlib import PurePath

from django import forms
from django.conf import settings
from django.utils.html import format_html

from interviews import languages
from interviews.models import Interview, Participant, Speaker, Transcript
from interviews.parsing.decoding import ENCODINGS
from interviews.search.query import FACETS, MAX_FILTER_VALUES, MAX_PAGE, SORTS, SearchParams
from interviews.upload.staging import (
    UPLOAD_SUFFIXES,
    LabelChoice,
    LabelRow,
    UploadError,
    default_choice,
    duplicate_of,
    parse_new_upload,
    size_limit_message,
)

NEW = "new"


class TranscriptDetailsForm(forms.Form):
    """Where the transcript goes and what is known about it; everything but the file."""

    interview = forms.ModelChoiceField(
        queryset=Interview.objects.order_by("title"),
        required=False,
        empty_label="— a new interview —",
        help_text="Choose the interview this file belongs to, or leave it to create a new one.",
    )
    new_title = forms.CharField(
        label="New interview’s title",
        max_length=300,
        required=False,
        help_text="Defaults to the title found in the file.",
    )
    new_date_recorded = forms.DateField(
        label="Date recorded", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    new_original_url = forms.URLField(
        label="Original recording URL", max_length=500, required=False, assume_scheme="https"
    )
    language = forms.CharField(
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs={"list": "upload-languages", "size": 8}),
        help_text="An ISO code such as en, de, zh. Empty: detected from the text.",
    )
    encoding = forms.ChoiceField(
        label="Encoding",
        choices=[("", "Detect")] + list(ENCODINGS),
        required=False,
        help_text="How the file’s bytes are read as text. Detected unless you choose; change it if the "
        "preview shows garbled characters.",
    )
    slug = forms.SlugField(
        label="Rendition slug",
        max_length=40,
        required=False,
        help_text="Names this transcript within its interview; defaults to the language. A file with the "
        "slug of an existing transcript replaces it as a corrected version.",
    )
    title = forms.CharField(
        label="Title as published",
        max_length=500,
        required=False,
        help_text="Defaults to the title found in the file.",
    )
    publisher = forms.CharField(label="Publisher / source", max_length=200, required=False)
    source_url = forms.URLField(label="Source URL", max_length=500, required=False, assume_scheme="https")
    media_url = forms.URLField(
        label="Recording URL",
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text="A YouTube video, audio or video file the time codes refer to: each timed turn links to its moment.",
    )
    published_on = forms.DateField(
        label="Publication date", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    translation = forms.ChoiceField(
        label="Translation kind", choices=[("", "—")] + Transcript.TRANSLATION_CHOICES, required=False
    )
    translator_note = forms.CharField(label="Translator note", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_language(self):
        language = self.cleaned_data["language"].strip()
        if language and not languages.CODE_RE.fullmatch(language):
            raise forms.ValidationError("Use a language code such as en, de or zh (or leave it empty).")
        return languages.base(language)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("interview") is not None:
            extra = [f for f in ("new_title", "new_date_recorded", "new_original_url") if cleaned.get(f)]
            for name in extra:
                self.add_error(name, "Only for a new interview: clear it, or choose “a new interview” above.")
        return cleaned

    def posted_values(self) -> dict:
        """The details as strings, to keep between the upload and the preview."""
        return {name: self.data.get(name, "") for name in TranscriptDetailsForm.base_fields}


class UploadForm(TranscriptDetailsForm):
    """The file and its details. A valid form has read, parsed and checked the file."""

    file = forms.FileField(
        label="Transcript file",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(sorted(UPLOAD_SUFFIXES))}),
        help_text=".txt, .md or .html; UTF-8 or UTF-16, or an older encoding (detected).",
    )
    field_order = ["file"]

    def __init__(self, *args, too_large=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.too_large = too_large  # set by SizeLimitUploadHandler when it skipped the file
        self.file_bytes = b""
        self.filename = ""
        self.parsed = None
        self.first_parse = None  # the parse with the way it was read (staging.FirstParse)

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if self.too_large:
            raise forms.ValidationError(size_limit_message(self.too_large if self.too_large is not True else None))
        if not upload:
            raise forms.ValidationError("Choose a transcript file to upload.")
        name = PurePath(upload.name).name
        if PurePath(name).suffix.lower() not in UPLOAD_SUFFIXES:
            raise forms.ValidationError(
                f"“{name}” is not a transcript file: upload a text (.txt, .md, .html), subtitle (.vtt, .srt), "
                "podcast transcript (.json) or Word (.docx) file."
            )
        # The size is known before the bytes are read: never read more than the limit.
        if upload.size > settings.ARCHIVE_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(size_limit_message(upload.size))
        if upload.size == 0:
            raise forms.ValidationError("The file is empty.")
        self.file_bytes = upload.read()
        self.filename = "".join(ch for ch in name if ch.isprintable())[:255]
        return upload

    def clean(self):
        cleaned = super().clean()
        if self.errors or not self.file_bytes:
            return cleaned
        if self._refuse_duplicate(duplicate_of(self.file_bytes)):
            return cleaned
        try:
            self.first_parse = parse_new_upload(
                self.file_bytes,
                self.filename,
                interview=cleaned.get("interview"),
                slug=cleaned.get("slug", ""),
                language=cleaned.get("language", ""),
                title=cleaned.get("title", ""),
                encoding=cleaned.get("encoding", ""),
            )
        except UploadError as exc:
            self.add_error("file", str(exc))
            return cleaned
        self.parsed = self.first_parse.parsed
        # The same text re-saved (CRLF, BOM, UTF-16, trailing spaces) is the same transcript.
        self._refuse_duplicate(duplicate_of(self.file_bytes, self.parsed.text))
        return cleaned

    def _refuse_duplicate(self, duplicate) -> bool:
        if duplicate is None:
            return False
        self.add_error(
            "file",
            forms.ValidationError(
                format_html(
                    'This file is already in the archive as <a href="{}">{}</a> ({} turns). '
                    'To change its details, <a href="{}">edit that transcript</a>.',
                    duplicate.get_absolute_url(),
                    duplicate,
                    duplicate.turn_count,
                    _admin_change_url(duplicate),
                )
            ),
        )
        return True


def _admin_change_url(transcript):
    from django.urls import reverse

    return reverse("admin:interviews_transcript_change", args=[transcript.pk])


ROLE_CHOICES = [("", "—"), (Participant.GUEST, "Guest"), (Participant.HOST, "Interviewer (host)")]


class LabelMappingForm(forms.Form):
    """For each label found in the file: an existing speaker, or a new one, and their role."""

    def __init__(self, data=None, *, rows: list[LabelRow], interview: Interview | None, saved: dict | None = None):
        self.rows = rows
        self.interview = interview
        saved = saved or {}
        initial = {}
        speaker_choices = self._speaker_choices()
        known_ids = {str(pk) for pk in Speaker.objects.values_list("pk", flat=True)}
        # In a conversation with an interviewer, everyone else is a guest unless said otherwise.
        has_host = any(row.role == Participant.HOST for row in rows)
        for row in rows:
            suggestion = default_choice(row, interview)
            previous = saved.get(row.label) or {}
            if previous.get("speaker") not in known_ids | {NEW}:
                previous = {}
            initial[f"{row.key}-speaker"] = previous.get("speaker") or (
                str(suggestion.speaker.pk) if suggestion.speaker else NEW
            )
            initial[f"{row.key}-name"] = previous.get("name", suggestion.name)
            initial[f"{row.key}-role"] = previous.get(
                "role", suggestion.role or (Participant.GUEST if has_host else "")
            )
        if data is not None:
            # A label that appeared only now (the interview's names changed the parse) keeps its
            # suggestion instead of failing as a missing field.
            merged = dict(initial)
            merged.update({k: data[k] for k in initial if k in data})
            data = merged
        super().__init__(data, initial=initial)
        for row in rows:
            self.fields[f"{row.key}-speaker"] = forms.ChoiceField(
                label=f"Who is “{row.label}”?", choices=speaker_choices
            )
            self.fields[f"{row.key}-name"] = forms.CharField(
                label=f"Name of the new speaker for “{row.label}”", max_length=200, required=False
            )
            self.fields[f"{row.key}-role"] = forms.ChoiceField(
                label=f"Role of “{row.label}”", choices=ROLE_CHOICES, required=False
            )

    def _speaker_choices(self):
        choices = [(NEW, "A new speaker, named →")]
        speakers = list(Speaker.objects.order_by("name").values_list("pk", "name"))
        if self.interview is not None:
            inside = {
                p.speaker_id: f"{p.speaker.name} ({p.get_role_display() or 'speaker'})"
                for p in self.interview.participants.select_related("speaker")
            }
            choices.append(("In this interview", [(str(pk), label) for pk, label in inside.items()]))
            speakers = [(pk, name) for pk, name in speakers if pk not in inside]
        if speakers:
            choices.append(("Everyone in the archive", [(str(pk), name) for pk, name in speakers]))
        return choices

    def clean(self):
        cleaned = super().clean()
        for row in self.rows:
            if cleaned.get(f"{row.key}-speaker") == NEW and not (cleaned.get(f"{row.key}-name") or "").strip():
                self.add_error(f"{row.key}-name", f"Type the name of the person behind “{row.label}”.")
        return cleaned

    def bound_rows(self):
        for row in self.rows:
            yield row, self[f"{row.key}-speaker"], self[f"{row.key}-name"], self[f"{row.key}-role"]

    def _values(self, source) -> dict[str, dict]:
        return {
            row.label: {
                "speaker": source.get(f"{row.key}-speaker", NEW),
                "name": " ".join((source.get(f"{row.key}-name") or "").split()),
                "role": source.get(f"{row.key}-role", ""),
            }
            for row in self.rows
        }

    def saved_values(self) -> dict:
        """The choices as strings, to keep with the staged upload (valid form only)."""
        return self._values(self.cleaned_data)

    def choices(self) -> dict[str, LabelChoice]:
        """Who each label means: from the valid form, else from what it starts with."""
        values = self._values(self.cleaned_data if self.is_bound and self.is_valid() else self.initial)
        speakers = Speaker.objects.in_bulk([int(v["speaker"]) for v in values.values() if v["speaker"] != NEW])
        result = {}
        for label, v in values.items():
            speaker = speakers.get(int(v["speaker"])) if v["speaker"] != NEW else None
            result[label] = LabelChoice(speaker, v["name"], v["role"])
        return result


# --- Search ---------------------------------------------------------------------------------
class FacetValuesField(forms.Field):
    """Several identifiers of one facet. Unknown ones are dropped, never an error: a link to a
    speaker who has since left the archive still shows the other results."""

    widget = forms.MultipleHiddenInput

    def __init__(self, *, known=frozenset(), **kwargs):
        super().__init__(required=False, **kwargs)
        self.known = known

    def to_python(self, value):
        if not value:
            return []
        values = [value] if isinstance(value, str) else list(value)
        return list(dict.fromkeys(v for v in values if v in self.known))[:MAX_FILTER_VALUES]


class ForgivingCharField(forms.CharField):
    """Text as sent, with any NUL made a space: CharField refuses NUL outright, which made the whole
    search form invalid and a query with one answer "No such page of results". The query parser
    drops characters that do not print anyway."""

    def to_python(self, value):
        return super().to_python(value).replace("\x00", " ")


class SearchForm(forms.Form):
    q = ForgivingCharField(required=False, strip=True)
    speaker = FacetValuesField()
    topic = FacetValuesField()
    language = FacetValuesField()
    interview = FacetValuesField()
    year = FacetValuesField()
    sort = ForgivingCharField(required=False)
    page = forms.CharField(required=False)
    translations = forms.CharField(required=False)
    exact = forms.CharField(required=False)
    group = forms.CharField(required=False)

    def __init__(self, data=None, *, vocabulary=None):
        super().__init__(data)
        for name in FACETS:
            self.fields[name].known = frozenset((vocabulary or {}).get(name, ()))

    def clean_sort(self):
        sort = self.cleaned_data.get("sort", "")
        return sort if sort in SORTS else ""  # an unknown order falls back to the default

    def clean_translations(self):
        # Not a BooleanField: its checkbox widget reads "0" as on.
        return self.cleaned_data.get("translations", "").lower() in {"1", "on", "true", "yes"}

    def clean_exact(self):
        return self.cleaned_data.get("exact", "").lower() in {"1", "on", "true", "yes"}

    def clean_group(self):
        # On unless turned off: group=0 shows each language's hits separately.
        return self.cleaned_data.get("group", "").lower() not in {"0", "off", "false", "no"}

    def clean_page(self):
        page = self.cleaned_data.get("page") or "1"
        # Checked as text first: a 300-digit page number is just "not a page".
        if not re.fullmatch(r"[0-9]{1,6}", page) or not 1 <= int(page) <= MAX_PAGE:
            raise forms.ValidationError("No such page.")
        return int(page)

    def params(self) -> SearchParams:
        data = self.cleaned_data
        return SearchParams(
            q=data.get("q", ""),
            filters={name: data.get(name, []) for name in FACETS if data.get(name)},
            sort=data.get("sort", ""),
            page=data.get("page", 1),
            translations=data.get("translations", False),
            exact=data.get("exact", False),
            group=data.get("group", True),
        )


class SideBySideForm(forms.Form):
    """Which two transcripts of an interview to read side by side, by their slugs."""

    left = forms.ChoiceField(required=False)
    right = forms.ChoiceField(required=False)

    def __init__(self, data, *, transcripts):
        super().__init__(data)
        self.transcripts = {t.slug: t for t in transcripts}
        choices = [
            (t.slug, t.language_name if t.slug == t.language else f"{t.language_name} ({t.slug})") for t in transcripts
        ]
        for name in ("left", "right"):
            self.fields[name].choices = choices
            self.fields[name].error_messages["invalid_choice"] = "This interview has no transcript “%(value)s”."

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("left") and cleaned.get("left") == cleaned.get("right"):
            raise forms.ValidationError("Choose two different transcripts.")
        return cleaned

    def pair(self) -> tuple[Transcript, Transcript]:
        """The two transcripts to show: those asked for where they exist and differ, else the
        first others. Call after is_valid() (valid or not: unknown values are ignored)."""
        left = self.transcripts.get(self.cleaned_data.get("left"))
        right = self.transcripts.get(self.cleaned_data.get("right"))
        if right == left:
            right = None
        ordered = list(self.transcripts.values())
        left = left or next(t for t in ordered if t != right)
        right = right or next(t for t in ordered if t != left)
        return left, right


# --- Lists ------------------------------------------------------------------------------------
class InterviewListForm(forms.Form):
    """The /interviews/ filters. A value the archive does not hold is ignored, never an error: a
    link to a speaker who has since left still lists the interviews."""

    NEWEST, OLDEST = "newest", "oldest"

    year = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    language = forms.ChoiceField(required=False)
    speaker = forms.ChoiceField(required=False)
    topic = forms.ChoiceField(required=False)
    sort = forms.ChoiceField(required=False, choices=[(NEWEST, "Newest first"), (OLDEST, "Oldest first")])

    def __init__(self, data, *, years, languages, speakers, topics):
        super().__init__(data)
        self.fields["year"].choices = [("", "Any year")] + [(y, str(y)) for y in years]
        self.fields["language"].choices = [("", "Any language")] + languages
        self.fields["speaker"].choices = [("", "Anyone")] + speakers
        self.fields["topic"].choices = [("", "Any topic")] + topics

    def filters(self) -> dict:
        """The valid filters, unknown values dropped. Call after is_valid()."""
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}
