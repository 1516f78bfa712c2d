"""Load transcript files into the database: the one ingest path for the command and the admin.

What to ingest (a file with its metadata, alone or from a manifest) is read and checked by
`interviews.sources`. `ingest_transcript()` is atomic: a file either lands whole (turns,
sections, speakers, original bytes) or nothing is written.
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from interviews import editing, outbox
from interviews.models import (
    IndexTask,
    Interview,
    Participant,
    RemovedTurn,
    Section,
    Speaker,
    Transcript,
    Turn,
    unique_slug,
)
from interviews.parsing import ParsedTranscript, ParseError, ParseOptions, parse_transcript
from interviews.parsing.decoding import text_sha256
from interviews.parsing.messages import Message
from interviews.sources import IngestError, ParticipantInfo, Source, check_metadata, fit
from interviews.topics import tagging as topics
from interviews.translations.store import AlignmentSummary, align_interview

# Each step at INFO (off by default; DJANGO_LOG_LEVEL=INFO shows it): after a crash, the log says
# how far an ingest got. benchmarks/fault_injection.py reads these lines to tell where its kills landed.
logger = logging.getLogger(__name__)


#: `progress(done, total, stage)`: told each stage ("parsing", "writing", "topics", "aligning") and,
#: while writing, how many of the file's turns are written, every PROGRESS_EVERY turns.
Progress = Callable[[int, int, str], None]
PROGRESS_EVERY = 1000


def _no_progress(done: int, total: int, stage: str) -> None:
    pass


@dataclass
class IngestResult:
    status: str  # "created", "updated" or "unchanged"
    transcript: Transcript
    parsed: ParsedTranscript | None = None
    turns_added: int = 0
    turns_edited: int = 0
    turns_removed: int = 0
    turns_kept: int = 0
    alignment: AlignmentSummary | None = None  # links to the interview's other transcripts

    def summary(self) -> str:
        turns = self.transcript.turn_count
        if self.status == "updated":
            return (
                f"updated ({turns} turns: {self.turns_kept} kept, {self.turns_edited} edited, "
                f"{self.turns_added} added, {self.turns_removed} removed)"
            )
        return f"{self.status} ({turns} turns)"


# --- Parsing ------------------------------------------------------------------------------------


# Found by fuzzing the upload: a 2 MB file of 200,000 one-word turns parses in 3 s, but writing and
# indexing it takes many minutes, far past gunicorn's timeout (20,000 turns took 74 s on the 2-core
# machine). A 5 MB transcript of real conversation has 5,000-7,000 turns.
MAX_TURNS = 20_000


def too_many_turns(parsed: ParsedTranscript) -> str:
    """The reason a parse is too big to ingest (the parser's own message), or ''."""
    if len(parsed.turns) <= MAX_TURNS:
        return ""
    return Message("size.turns", turns=len(parsed.turns), max_turns=MAX_TURNS)


def parse_source(source: Source) -> ParsedTranscript:
    try:
        parsed = parse_transcript(
            source.data,
            filename=source.filename,
            language=source.transcript.language,
            title=source.transcript.title,
            speakers=source.speaker_hints(),
            max_turns=MAX_TURNS,
            options=ParseOptions.from_json(source.transcript.parse_options),
        )
    except ParseError as exc:
        raise IngestError(str(exc)) from None
    if too_many_turns(parsed):
        raise IngestError(too_many_turns(parsed))
    return parsed


# --- Stable turn keys ---------------------------------------------------------------------------


def _normalise(text: str) -> str:
    return " ".join(text.split()).casefold()


def match_turns(old: list[str], new: list[str], *, threshold: float = 0.6) -> list[int | None]:
    """For each new turn, the index of the old turn it continues, or None.

    Sequence alignment of the texts: identical runs match first; inside replaced runs, turns are
    paired in order when their texts are similar enough (a corrected typo, a fixed label), so a
    lightly edited turn keeps its permalink and an inserted or rewritten one gets a new key.
    """
    old_n, new_n = [_normalise(t) for t in old], [_normalise(t) for t in new]
    result: list[int | None] = [None] * len(new)
    matcher = difflib.SequenceMatcher(a=old_n, b=new_n, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for offset in range(i2 - i1):
                result[j1 + offset] = i1 + offset
        elif tag == "replace":
            i = i1
            for j in range(j1, j2):
                for candidate in range(i, i2):
                    ratio = difflib.SequenceMatcher(a=old_n[candidate], b=new_n[j], autojunk=False)
                    if ratio.quick_ratio() >= threshold and ratio.ratio() >= threshold:
                        result[j] = candidate
                        i = candidate + 1
                        break
    return result


def _key_alphabet(transcript: Transcript, text: str, occurrence: int) -> str:
    digest = hashlib.sha256(
        f"{transcript.interview.slug}/{transcript.slug}/{_normalise(text)}/{occurrence}".encode()
    ).digest()
    return base64.b32encode(digest).decode().lower().replace("=", "")


def _keys_in_use(keys) -> set[str]:
    keys, used = list(keys), set()
    for start in range(0, len(keys), 500):  # stay under every database's parameter limit
        chunk = keys[start : start + 500]
        used.update(Turn.objects.filter(key__in=chunk).values_list("key", flat=True))
        used.update(RemovedTurn.objects.filter(key__in=chunk).values_list("key", flat=True))
    return used


def new_turn_keys(transcript: Transcript, wanted: list[tuple[str, int]]) -> list[str]:
    """Keys for new turns, given (text, which repeat of that text) each.

    A key is derived from the turn's transcript and words, so a fresh install of the same files
    gives the same permalinks; it is lengthened on the rare collision with a live or removed key.
    One query per 500 turns, not one per turn (measured: per-turn lookups were 43 of 55 s of a
    20,000-turn upload).
    """
    alphabets = [_key_alphabet(transcript, text, occurrence) for text, occurrence in wanted]
    used = _keys_in_use(a[:8] for a in alphabets)
    keys: list[str] = []
    for alphabet in alphabets:
        for length in range(8, len(alphabet)):
            key = alphabet[:length]
            if key in used:
                continue
            if length > 8 and _keys_in_use([key]):
                used.add(key)
                continue
            used.add(key)
            keys.append(key)
            break
        else:  # pragma: no cover - 2**-256 odds
            raise IngestError("could not derive a unique turn key")
    return keys


# --- Writing ------------------------------------------------------------------------------------


def _speaker_for(name: str, participants: dict[str, ParticipantInfo]) -> Speaker:
    info = participants.get(name)
    speaker = Speaker.objects.filter(name=name).first()
    if speaker is None:
        speaker = Speaker.objects.create(
            name=name,
            slug=unique_slug(Speaker, name),
            bio=info.bio if info else "",
            aliases=list(info.aliases) if info else [],
        )
    elif info and (not speaker.bio or set(info.aliases) - set(speaker.aliases)):
        speaker.bio = speaker.bio or info.bio
        speaker.aliases = sorted(set(speaker.aliases) | set(info.aliases))
        speaker.save(update_fields=["bio", "aliases"])
    return speaker


def _interview_for(source: Source, parsed: ParsedTranscript) -> Interview:
    info = source.interview
    title = fit(info.title or parsed.title or Path(source.filename).stem, Interview, "title")
    interview = Interview.objects.filter(slug=info.slug).first() if info.slug else None
    if interview is None and not info.slug:
        interview = Interview.objects.filter(title=title).first()
    values = {
        "title": title,
        "programme": info.programme,
        "date_recorded": info.date_recorded,
        "original_url": info.original_url,
        "original_language": info.original_language,
    }
    if interview is None:
        return Interview.objects.create(slug=info.slug or unique_slug(Interview, title), **values)
    if info.slug:  # a manifest is authoritative for its interview's metadata
        changed = [k for k, v in values.items() if getattr(interview, k) != v]
        for k in changed:
            setattr(interview, k, values[k])
        if changed:
            interview.save(update_fields=changed)
            # Its title and date are in every document of the interview, in all its transcripts
            # (as when an editor changes them in the admin).
            editing.reindex_turns(Turn.objects.filter(transcript__interview=interview))
    return interview


def _store_original(source: Source) -> str:
    """Keep the file's bytes under a name made of their hash; returns the storage name.

    Content-addressed, so a rolled-back ingest leaves no record pointing at it. A file already
    there is trusted only if its bytes still hash to its name: an ingest killed mid-write leaves
    a truncated file, and the retry must not adopt it as the original.
    """
    name = f"originals/{source.sha256}{Path(source.filename).suffix.lower() or '.txt'}"
    if default_storage.exists(name):
        with default_storage.open(name, "rb") as stored:
            if hashlib.file_digest(stored, "sha256").hexdigest() == source.sha256:
                return name
        default_storage.delete(name)
    return default_storage.save(name, ContentFile(source.data))


def duplicate_message(transcript: Transcript) -> str:
    """Why a file is refused as one already in the archive, in the active language: the command
    line says it in English, an upload job in the language its editor confirmed it in."""
    return _("this file is already in the archive as “%(transcript)s” (%(url)s)") % {
        "transcript": transcript,
        "url": transcript.get_absolute_url(),
    }


@transaction.atomic
def ingest_transcript(
    source: Source,
    *,
    parsed: ParsedTranscript | None = None,
    speaker_overrides: dict[str, Speaker] | None = None,
    uploaded_by=None,
    progress: Progress | None = None,
) -> IngestResult:
    """Parse `source` and write it as one Transcript with its sections and turns.

    Idempotent: the same bytes and metadata change nothing. A corrected file for the same
    interview and transcript slug updates in place; turns are matched to their previous versions
    so their permalink keys survive. `speaker_overrides` maps a label (as published) to the
    speaker it means, as chosen by an editor. `progress` hears how far it got (see `Progress`).
    """
    progress = progress or _no_progress
    if parsed is None:
        progress(0, 0, "parsing")
    parsed = _checked_parse(source, parsed)
    interview = _interview_for(source, parsed)
    slug = source.transcript.slug or parsed.language or "text"
    transcript = Transcript.objects.filter(interview=interview, slug=slug).first()
    text_hash = text_sha256(parsed.text)
    duplicate = (
        Transcript.objects.filter(Q(sha256=source.sha256) | Q(text_sha256=text_hash))
        .exclude(pk=getattr(transcript, "pk", None))
        .first()
    )
    if duplicate:
        raise IngestError(duplicate_message(duplicate))
    fields = _transcript_fields(source, parsed, interview)
    if (
        transcript
        and transcript.sha256 == source.sha256
        and all(getattr(transcript, k) == v for k, v in fields.items())
    ):
        return IngestResult("unchanged", transcript, parsed, turns_kept=transcript.turn_count)

    speakers = _participants(source, parsed, interview, speaker_overrides or {})
    stored_name = _store_original(source)
    # Registered before the outbox's after-commit callback, so it is logged first.
    transaction.on_commit(lambda: logger.info("ingest %s: committed", source.filename))
    status = "updated" if transcript else "created"
    transcript = transcript or Transcript(interview=interview, slug=slug)
    for k, v in fields.items():
        setattr(transcript, k, v)
    transcript.sha256 = source.sha256
    transcript.text_sha256 = text_hash
    transcript.original_file.name = stored_name
    transcript.turn_count = len(parsed.turns)
    if uploaded_by is not None:
        transcript.uploaded_by = uploaded_by
    transcript.save()

    result = IngestResult(status, transcript, parsed)
    _write_turns(transcript, parsed, speakers, result, progress)
    # Rule topics for the turns as written; editors' added/removed rows stay with the kept turns.
    # No queueing: _write_turns queued every turn for the index already.
    progress(len(parsed.turns), len(parsed.turns), "topics")
    topics.tag_ingested(transcript)
    # Links to the interview's other transcripts, in the same transaction: a reader never sees
    # new turns without them. Editors' confirmed and rejected links are kept (see translations).
    if interview.transcripts.count() > 1:
        progress(len(parsed.turns), len(parsed.turns), "aligning")
        result.alignment = align_interview(interview, transcript=transcript)
    return result


def _checked_parse(source: Source, parsed: ParsedTranscript | None) -> ParsedTranscript:
    """The file's parse (`parsed` when the caller has it already), once the file and its metadata
    pass every check; else IngestError."""
    logger.info("ingest %s: started (%d bytes)", source.filename, len(source.data))
    if not source.data.strip():
        raise IngestError("the file is empty")
    check_metadata(source)
    if parsed is None and not source.transcript.parse_options:
        source.transcript.parse_options = _remembered_options(source)
    parsed = parsed or parse_source(source)
    if too_many_turns(parsed):
        raise IngestError(too_many_turns(parsed))
    logger.info("ingest %s: parsed %d turns, writing", source.filename, len(parsed.turns))
    return parsed


def _remembered_options(source: Source) -> dict:
    """How the transcript a manifest entry replaces was read (an editor's way on in the upload
    preview), so a corrected file is read the same way unless the manifest says otherwise."""
    if not (source.interview.slug and source.transcript.slug):
        return {}
    stored = Transcript.objects.filter(interview__slug=source.interview.slug, slug=source.transcript.slug)
    return stored.values_list("parse_options", flat=True).first() or {}


def _transcript_fields(source: Source, parsed: ParsedTranscript, interview: Interview) -> dict:
    """The Transcript's columns from the file and its metadata (all but its hash and file)."""
    meta = source.transcript
    return {
        "language": parsed.language,
        "title": fit(parsed.title or interview.title, Transcript, "title"),
        "publisher": meta.publisher,
        "source_url": meta.source_url,
        "media_url": meta.media_url,
        "published_on": meta.published_on,
        "translation": meta.translation,
        "translator_note": meta.translator_note,
        "parse_options": meta.parse_options,
        "description": parsed.description,
        "original_name": source.filename,
    }


def _participants(source, parsed, interview, speaker_overrides) -> dict[str, Speaker]:
    """The speaker each parsed name means, each made a participant of the interview; the
    manifest's listed participants are added too, even if silent in this file."""
    participants = {p.name: p for p in source.interview.participants}
    speakers: dict[str, Speaker] = {}
    for parsed_speaker in parsed.speakers:
        speaker = speaker_overrides.get(parsed_speaker.label) or _speaker_for(parsed_speaker.name, participants)
        speakers[parsed_speaker.name] = speaker
        role = parsed_speaker.role if parsed_speaker.role in {"host", "guest"} else ""
        Participant.objects.get_or_create(interview=interview, speaker=speaker, defaults={"role": role})
    for info in source.interview.participants:
        speaker = _speaker_for(info.name, participants)
        Participant.objects.get_or_create(interview=interview, speaker=speaker, defaults={"role": info.role})
    return speakers


def _write_turns(transcript, parsed, speakers, result: IngestResult, progress: Progress) -> None:
    total = len(parsed.turns)
    progress(0, total, "writing")
    old_turns = list(transcript.turns.order_by("ordinal"))
    mapping = match_turns([t.text for t in old_turns], [t.text for t in parsed.turns])
    kept_ids = {old_turns[i].pk for i in mapping if i is not None}
    removed = [t for t in old_turns if t.pk not in kept_ids]
    RemovedTurn.objects.bulk_create(
        [RemovedTurn(key=t.key, transcript=transcript, text=t.text) for t in removed],
        ignore_conflicts=True,
    )
    # Delete removed turns, and park kept ones on free ordinals, before reusing ordinals.
    Turn.objects.filter(pk__in=[t.pk for t in removed]).delete()
    outbox.enqueue([t.key for t in removed], IndexTask.DELETE)
    transcript.sections.all().delete()
    sections = Section.objects.bulk_create(
        [
            Section(transcript=transcript, ordinal=i, heading=fit(s.heading, Section, "heading"))
            for i, s in enumerate(parsed.sections)
        ]
    )
    offset = len(old_turns) + len(parsed.turns) + 1
    for turn in old_turns:
        if turn.pk in kept_ids:
            turn.ordinal += offset
    Turn.objects.bulk_update([t for t in old_turns if t.pk in kept_ids], ["ordinal"])

    occurrences: dict[str, int] = {}
    to_create, to_update, wanted_keys = [], [], []
    for ordinal, (parsed_turn, old_index) in enumerate(zip(parsed.turns, mapping)):
        values = {
            "ordinal": ordinal,
            "speaker": speakers[parsed_turn.speaker],
            "label": parsed_turn.label[:200],
            "section": sections[parsed_turn.section] if parsed_turn.section is not None else None,
            "text": parsed_turn.text,
            "start": parsed_turn.start,
            "end": parsed_turn.end,
        }
        normalised = _normalise(parsed_turn.text)
        occurrence = occurrences.get(normalised, 0)
        occurrences[normalised] = occurrence + 1
        if old_index is None:
            wanted_keys.append((parsed_turn.text, occurrence))
            to_create.append(Turn(transcript=transcript, **values))
            result.turns_added += 1
        else:
            turn = old_turns[old_index]
            if turn.text != parsed_turn.text:
                result.turns_edited += 1
            else:
                result.turns_kept += 1
            for k, v in values.items():
                setattr(turn, k, v)
            to_update.append(turn)
    fields = ["ordinal", "speaker", "label", "section", "text", "start", "end"]
    for turn, key in zip(to_create, new_turn_keys(transcript, wanted_keys)):
        turn.key = key
    # In slices of PROGRESS_EVERY, to say how far it got (Django splits large bulk writes anyway).
    written = 0
    for start in range(0, len(to_update), PROGRESS_EVERY):
        batch = to_update[start : start + PROGRESS_EVERY]
        Turn.objects.bulk_update(batch, fields)
        written += len(batch)
        progress(written, total, "writing")
    for start in range(0, len(to_create), PROGRESS_EVERY):
        batch = to_create[start : start + PROGRESS_EVERY]
        Turn.objects.bulk_create(batch)
        written += len(batch)
        progress(written, total, "writing")
    # Every turn of the transcript is (re)indexed: ordinals, sections and speakers may have moved.
    outbox.enqueue([t.key for t in to_update] + [t.key for t in to_create])
    result.turns_removed = len(removed)
    if result.status == "created":
        result.turns_added, result.turns_kept = len(parsed.turns), 0
