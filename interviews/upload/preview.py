"""The upload preview: what the editor sees before confirming (the parse, who each label means,
what a corrected re-upload changes, and warnings the parser cannot give). Reads only."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from interviews import languages
from interviews.ingest import match_turns
from interviews.models import Interview, Speaker, Transcript, Turn
from interviews.parsing import ParsedTranscript
from interviews.upload.messages import interface_text
from interviews.upload.staging import LabelChoice, LabelRow, label_rows, transcript_slug

PREVIEW_TURNS = 5  # the first turns shown as they will read


@dataclass
class TextChange:
    key: str
    old: str
    new: str

    def segments(self, context: int = 80) -> list[tuple[str, str]]:
        """("equal" | "delete" | "insert", text) runs of a word diff (CJK by character); long
        unchanged stretches are cut to `context` characters either side of a change."""
        old, new = _diff_tokens(self.old), _diff_tokens(self.new)
        opcodes = difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes()
        out: list[tuple[str, str]] = []
        for n, (tag, i1, i2, j1, j2) in enumerate(opcodes):
            if tag == "equal":
                text = "".join(old[i1:i2])
                first, last = n == 0, n == len(opcodes) - 1
                if len(text) > 2 * context + 1:
                    head = "" if first else text[:context]
                    tail = "" if last else text[-context:]
                    text = f"{head}…{tail}" if not first and not last else (f"…{tail}" if first else f"{head}…")
                elif first and len(text) > context:
                    text = "…" + text[-context:]
                elif last and len(text) > context:
                    text = text[:context] + "…"
                out.append(("equal", text))
                continue
            if i2 > i1:
                out.append(("delete", "".join(old[i1:i2])))
            if j2 > j1:
                out.append(("insert", "".join(new[j1:j2])))
        return out


_TOKEN_SPLIT_RE = re.compile(rf"[{languages.HAN}{languages.KANA}]|\w+|\s+|[^\w\s]")


def _diff_tokens(text: str) -> list[str]:
    return _TOKEN_SPLIT_RE.findall(text)


@dataclass
class Changes:
    """What confirming does to the transcript this file replaces (a corrected re-upload)."""

    transcript: Transcript
    kept: int = 0
    edited: list[TextChange] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[Turn] = field(default_factory=list)

    @property
    def permalinks_kept(self) -> int:
        return self.kept + len(self.edited)


def changes_for(transcript: Transcript, parsed: ParsedTranscript) -> Changes:
    """The same alignment ingest uses (`match_turns`), so the preview promises what confirm does."""
    old_turns = list(transcript.turns.order_by("ordinal"))
    new_texts = [t.text for t in parsed.turns]
    mapping = match_turns([t.text for t in old_turns], new_texts)
    changes = Changes(transcript)
    for new_text, old_index in zip(new_texts, mapping):
        if old_index is None:
            changes.added.append(new_text)
        elif old_turns[old_index].text == new_text:
            changes.kept += 1
        else:
            old = old_turns[old_index]
            changes.edited.append(TextChange(old.key, old.text, new_text))
    matched = {i for i in mapping if i is not None}
    changes.removed = [turn for i, turn in enumerate(old_turns) if i not in matched]
    return changes


@dataclass
class Preview:
    parsed: ParsedTranscript
    rows: list[LabelRow]
    slug: str
    interview: Interview | None
    replaces: Transcript | None
    changes: Changes | None
    warnings: list[str]  # in the reader's language
    first_turns: list[tuple[str, str, str]]  # (speaker as mapped, label, text)
    sections: list[tuple[str, int]]  # (heading, turns)
    detected_language: str = ""

    @property
    def language_name(self) -> str:
        return languages.name(self.parsed.language) if self.parsed.language else pgettext("language", "unknown")

    @property
    def detected_name(self) -> str:
        return languages.name(self.detected_language)


def build_preview(
    parsed: ParsedTranscript, details: dict, choices: dict[str, LabelChoice], *, detected_language=""
) -> Preview:
    interview = details.get("interview")
    rows = label_rows(parsed)
    slug = transcript_slug(details, parsed)
    replaces = None
    if interview is not None:
        replaces = interview.transcripts.filter(slug=slug).first()
    section_turns = [0] * len(parsed.sections)
    for turn in parsed.turns:
        if turn.section is not None:
            section_turns[turn.section] += 1
    names = {row.label: choices[row.label].display_name() if row.label in choices else row.name for row in rows}
    return Preview(
        parsed=parsed,
        rows=rows,
        slug=slug,
        interview=interview,
        replaces=replaces,
        changes=changes_for(replaces, parsed) if replaces else None,
        warnings=[interface_text(warning) for warning in parsed.warnings]
        + editor_warnings(parsed, details, rows, choices, detected_language),
        first_turns=[(names.get(t.label, t.speaker), t.label, t.text) for t in parsed.turns[:PREVIEW_TURNS]],
        sections=[(s.heading, n) for s, n in zip(parsed.sections, section_turns)],
        detected_language=detected_language,
    )


def editor_warnings(
    parsed, details, rows: list[LabelRow], choices: dict[str, LabelChoice], detected_language: str
) -> list[str]:
    """What the parser cannot know: how the editor's choices meet what is already in the archive."""
    warnings = []
    for row in rows:
        choice = choices.get(row.label)
        if choice is None or choice.speaker is not None:
            continue
        if row.generic and choice.name.strip().casefold() == row.label.strip().casefold():
            warnings.append(
                _(
                    '"%(label)s" names a role, not a person: a new speaker called "%(name)s" would collect '
                    "every anonymous interviewer in the archive. Choose the person, or type their name."
                )
                % {"label": row.label, "name": choice.name}
            )
        elif Speaker.objects.filter(name__iexact=choice.name.strip()).exists():
            warnings.append(
                _(
                    'A speaker named "%(name)s" is already in the archive. Choose them in the list for '
                    '"%(label)s" unless this is a different person.'
                )
                % {"name": choice.name, "label": row.label}
            )
    language = details.get("language") or parsed.language
    if detected_language and language and language != detected_language:
        warnings.append(
            _('The language is set to "%(language)s", but the text reads like "%(detected)s".')
            % {"language": language, "detected": detected_language}
        )
    if details.get("interview") is None:
        title = details.get("new_title") or parsed.title
        same = Interview.objects.filter(title__iexact=title).first()
        if same:
            warnings.append(
                _(
                    'An interview titled "%(title)s" is already in the archive. To add this file to it, '
                    "choose it under Interview."
                )
                % {"title": same.title}
            )
    return warnings
