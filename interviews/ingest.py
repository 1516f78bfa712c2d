"""Load transcript files into the database: the one ingest path for the command and the admin.

A transcript file comes alone or named by a manifest (`*.json` beside it) that describes its
interview and participants. `ingest_transcript()` is atomic: a file either lands whole (turns,
sections, speakers, original bytes) or nothing is written.
"""

from __future__ import annotations

import base64
import datetime
import difflib
import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import URLValidator, validate_slug
from django.db import transaction

from interviews import languages, outbox
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
from interviews.parsing import ParsedTranscript, ParseError, SpeakerHint, parse_transcript
from interviews.topics import tagging as topics
from interviews.translations.store import AlignmentSummary, align_interview

TRANSCRIPT_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm"}

# Each step at INFO (off by default; DJANGO_LOG_LEVEL=INFO shows it): after a crash, the log says
# how far an ingest got. benchmarks/fault_injection.py reads these lines to tell where its kills landed.
logger = logging.getLogger(__name__)


class IngestError(Exception):
    """A file that cannot be ingested; the message names the reason and is shown as is."""


@dataclass
class ParticipantInfo:
    name: str
    role: str = ""
    aliases: list[str] = field(default_factory=list)
    bio: str = ""


@dataclass
class InterviewInfo:
    slug: str = ""
    title: str = ""
    programme: str = ""
    date_recorded: datetime.date | None = None
    original_url: str = ""
    original_language: str = ""
    participants: list[ParticipantInfo] = field(default_factory=list)


@dataclass
class TranscriptInfo:
    file: str = ""
    slug: str = ""
    language: str = ""
    title: str = ""
    publisher: str = ""
    source_url: str = ""
    published_on: datetime.date | None = None
    translation: str = ""
    translator_note: str = ""


@dataclass
class Source:
    """One transcript file to ingest, with whatever metadata describes it."""

    data: bytes
    filename: str
    interview: InterviewInfo = field(default_factory=InterviewInfo)
    transcript: TranscriptInfo = field(default_factory=TranscriptInfo)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def speaker_hints(self) -> list[SpeakerHint]:
        return [SpeakerHint(p.name, p.role, list(p.aliases)) for p in self.interview.participants]


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


# --- Reading files and manifests ---------------------------------------------------------------


def _date(value, where: str) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise IngestError(f"{where}: {value!r} is not a date (use YYYY-MM-DD)") from None


_URL_MAX_LENGTH = 500  # Interview.original_url and Transcript.source_url


def check_url(value, what: str) -> str:
    """``value`` if it is empty or a web address the pages may link to; else IngestError.

    The admin's URL fields validate, but a manifest reaches the database without a form: a
    ``javascript:`` address would become a link on every page that names the source.
    """
    if not value:
        return ""
    if not isinstance(value, str):
        raise IngestError(f"{what} {value!r} is not a web address")
    try:
        URLValidator()(value)
    except ValidationError:
        raise IngestError(
            f"{what} {value!r} is not a web address (an http:// or https:// URL, without spaces)"
        ) from None
    if len(value) > _URL_MAX_LENGTH:
        raise IngestError(f"{what} is {len(value)} characters long; at most {_URL_MAX_LENGTH} are kept")
    return value


def _max_length(model, name: str) -> int:
    return model._meta.get_field(name).max_length


def check_metadata(source: Source) -> None:
    """Metadata must fit the archive's addresses and columns; else IngestError naming the field.

    The admin's forms check what editors type, but a manifest reaches the database without a
    form: an interview slug with a space or a slash made every page that links the interview
    fail (no URL can be built for it), and over-long values are refused by PostgreSQL.
    """
    interview, meta = source.interview, source.transcript
    texts = [
        (interview.slug, "the interview's slug", Interview, "slug"),
        (meta.slug, "the transcript's slug", Transcript, "slug"),
        (interview.programme, "the interview's programme", Interview, "programme"),
        (interview.original_language, "the interview's original_language", Interview, "original_language"),
        (meta.language, "the transcript's language", Transcript, "language"),
        (meta.publisher, "the transcript's publisher", Transcript, "publisher"),
        (meta.translation, "the transcript's translation", Transcript, "translation"),
        (meta.translator_note, "the transcript's translator_note", None, ""),
        (interview.title, "the interview's title", None, ""),
        (meta.title, "the transcript's title", None, ""),
        *((p.name, "a participant's name", Speaker, "name") for p in interview.participants),
    ]
    for value, what, model, name in texts:
        if not isinstance(value, str):
            raise IngestError(f"{what} must be text, not {value!r}")
        if model is not None and len(value) > _max_length(model, name):
            raise IngestError(f"{what} is {len(value)} characters long; at most {_max_length(model, name)} fit")
    for value, what in ((interview.slug, "the interview's slug"), (meta.slug, "the transcript's slug")):
        if value:
            try:
                validate_slug(value)
            except ValidationError:
                raise IngestError(f"{what} {value!r} may hold only letters, digits, hyphens and underscores") from None
    for value, what in (
        (meta.language, "the transcript's language"),
        (interview.original_language, "the interview's original_language"),
    ):
        if value and not languages.CODE_RE.fullmatch(value):
            raise IngestError(f"{what} {value!r} is not a language code such as en, de or zh")
    if meta.translation and meta.translation not in dict(Transcript.TRANSLATION_CHOICES):
        choices = ", ".join(dict(Transcript.TRANSLATION_CHOICES))
        raise IngestError(f"the transcript's translation {meta.translation!r} is not one of {choices}")
    if any(not p.name.strip() for p in interview.participants):
        raise IngestError("a participant has no name")
    check_url(interview.original_url, "the interview's original_url")
    check_url(meta.source_url, "the transcript's source_url")


def fit(text: str, model, name: str) -> str:
    """``text`` cut to the column's length with an ellipsis. For what the parser found (a title, a
    heading): a file whose first heading is a whole paragraph is still a transcript."""
    limit = _max_length(model, name)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def read_manifest(path: Path) -> list[Source]:
    """The transcripts a manifest names, with its metadata. Raises IngestError on a bad manifest."""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        interview = manifest["interview"]
        entries = manifest["transcripts"]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IngestError(f"{path.name}: not a readable JSON manifest ({exc})") from None
    except (KeyError, TypeError):
        raise IngestError(f'{path.name}: a manifest needs "interview" and "transcripts"') from None
    info = InterviewInfo(
        slug=interview.get("slug", ""),
        title=interview.get("title", ""),
        programme=interview.get("programme", ""),
        date_recorded=_date(interview.get("date_recorded"), path.name),
        original_url=interview.get("original_url", ""),
        original_language=interview.get("original_language", ""),
        participants=[
            ParticipantInfo(p["name"], p.get("role", ""), list(p.get("aliases", [])), p.get("bio", ""))
            for p in interview.get("participants", [])
        ],
    )
    sources = []
    for entry in entries:
        name = entry.get("file", "")
        file_path = path.parent / name
        if not name or not file_path.is_file():
            raise IngestError(f"{path.name}: names a transcript file that does not exist: {name!r}")
        sources.append(
            Source(
                data=file_path.read_bytes(),
                filename=name,
                interview=info,
                transcript=TranscriptInfo(
                    file=name,
                    slug=entry.get("slug", ""),
                    language=entry.get("language", ""),
                    title=entry.get("title", ""),
                    publisher=entry.get("publisher", ""),
                    source_url=entry.get("source_url", ""),
                    published_on=_date(entry.get("published_on"), f"{path.name} ({name})"),
                    translation=entry.get("translation", ""),
                    translator_note=entry.get("translator_note", ""),
                ),
            )
        )
    return sources


def collect_sources(paths: list[Path]) -> tuple[list[tuple[str, Source | None]], list[tuple[str, str]]]:
    """Expand files, manifests and directories into sources.

    Returns ([(display name, Source)], [(display name, error)]). A transcript named by a manifest in
    its directory takes that manifest's metadata; any other transcript file is ingested bare.
    """
    sources: list[tuple[str, Source]] = []
    errors: list[tuple[str, str]] = []
    for path in paths:
        if not path.exists():
            errors.append((str(path), "no such file or directory"))
            continue
        directory = path if path.is_dir() else path.parent
        manifests: dict[str, Source] = {}
        for manifest in sorted(directory.glob("*.json")):
            if path.is_file() and path.suffix == ".json" and manifest != path:
                continue
            try:
                for source in read_manifest(manifest):
                    manifests[source.filename] = source
            except IngestError as exc:
                errors.append((str(manifest), str(exc).removeprefix(f"{manifest.name}: ")))
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix.lower() in TRANSCRIPT_SUFFIXES)
        elif path.suffix == ".json":
            files = [directory / name for name in manifests]
        else:
            files = [path]
        for file in files:
            if file.name in manifests:
                sources.append((str(file), manifests[file.name]))
            else:
                sources.append((str(file), Source(data=file.read_bytes(), filename=file.name)))
    return sources, errors


# --- Parsing ------------------------------------------------------------------------------------


# Found by fuzzing the upload: a 2 MB file of 200,000 one-word turns parses in 3 s, but writing and
# indexing it takes many minutes, far past gunicorn's timeout (20,000 turns took 74 s on the 2-core
# machine). A 5 MB transcript of real conversation has 5,000-7,000 turns.
MAX_TURNS = 20_000


def too_many_turns(parsed: ParsedTranscript) -> str:
    """The reason a parse is too big to ingest, or ''."""
    if len(parsed.turns) <= MAX_TURNS:
        return ""
    return (
        f"The file has {len(parsed.turns):,} turns; a transcript may have at most {MAX_TURNS:,} "
        "(a long interview has a few thousand). Check that it is one transcript, or split it."
    )


def parse_source(source: Source) -> ParsedTranscript:
    try:
        parsed = parse_transcript(
            source.data,
            filename=source.filename,
            language=source.transcript.language,
            title=source.transcript.title,
            speakers=source.speaker_hints(),
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


@transaction.atomic
def ingest_transcript(
    source: Source,
    *,
    parsed: ParsedTranscript | None = None,
    speaker_overrides: dict[str, Speaker] | None = None,
    uploaded_by=None,
) -> IngestResult:
    """Parse `source` and write it as one Transcript with its sections and turns.

    Idempotent: the same bytes and metadata change nothing. A corrected file for the same
    interview and transcript slug updates in place; turns are matched to their previous versions
    so their permalink keys survive. `speaker_overrides` maps a label (as published) to the
    speaker it means, as chosen by an editor.
    """
    logger.info("ingest %s: started (%d bytes)", source.filename, len(source.data))
    if not source.data.strip():
        raise IngestError("the file is empty")
    check_metadata(source)
    parsed = parsed or parse_source(source)
    if too_many_turns(parsed):
        raise IngestError(too_many_turns(parsed))
    logger.info("ingest %s: parsed %d turns, writing", source.filename, len(parsed.turns))
    sha = source.sha256

    interview = _interview_for(source, parsed)
    slug = source.transcript.slug or parsed.language or "text"
    transcript = Transcript.objects.filter(interview=interview, slug=slug).first()
    duplicate = Transcript.objects.filter(sha256=sha).exclude(pk=getattr(transcript, "pk", None)).first()
    if duplicate:
        raise IngestError(f"this file is already in the archive as “{duplicate}” ({duplicate.get_absolute_url()})")

    meta = source.transcript
    fields = {
        "language": parsed.language,
        "title": fit(parsed.title or interview.title, Transcript, "title"),
        "publisher": meta.publisher,
        "source_url": meta.source_url,
        "published_on": meta.published_on,
        "translation": meta.translation,
        "translator_note": meta.translator_note,
        "description": parsed.description,
        "original_name": source.filename,
    }
    if transcript and transcript.sha256 == sha and all(getattr(transcript, k) == v for k, v in fields.items()):
        return IngestResult("unchanged", transcript, parsed, turns_kept=transcript.turn_count)

    participants = {p.name: p for p in source.interview.participants}
    speakers: dict[str, Speaker] = {}
    for parsed_speaker in parsed.speakers:
        speaker = (speaker_overrides or {}).get(parsed_speaker.label) or _speaker_for(parsed_speaker.name, participants)
        speakers[parsed_speaker.name] = speaker
        role = parsed_speaker.role if parsed_speaker.role in {"host", "guest"} else ""
        Participant.objects.get_or_create(interview=interview, speaker=speaker, defaults={"role": role})
    for info in source.interview.participants:  # listed participants even if silent in this file
        speaker = _speaker_for(info.name, participants)
        Participant.objects.get_or_create(interview=interview, speaker=speaker, defaults={"role": info.role})

    stored_name = _store_original(source)

    # Registered before the outbox's after-commit callback, so it is logged first.
    transaction.on_commit(lambda: logger.info("ingest %s: committed", source.filename))
    status = "updated" if transcript else "created"
    if transcript is None:
        transcript = Transcript(interview=interview, slug=slug)
    for k, v in fields.items():
        setattr(transcript, k, v)
    transcript.sha256 = sha
    transcript.original_file.name = stored_name
    transcript.turn_count = len(parsed.turns)
    if uploaded_by is not None:
        transcript.uploaded_by = uploaded_by
    transcript.save()

    result = IngestResult(status, transcript, parsed)
    _write_turns(transcript, parsed, speakers, result)
    # Rule topics for the turns as written; editors' added/removed rows stay with the kept turns.
    # No queueing: _write_turns queued every turn for the index already.
    topics.tag_ingested(transcript)
    # Links to the interview's other transcripts, in the same transaction: a reader never sees
    # new turns without them. Editors' confirmed and rejected links are kept (see translations).
    if interview.transcripts.count() > 1:
        result.alignment = align_interview(interview, transcript=transcript)
    return result


def _write_turns(transcript, parsed, speakers, result: IngestResult) -> None:
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
    Turn.objects.bulk_update(to_update, ["ordinal", "speaker", "label", "section", "text"])
    for turn, key in zip(to_create, new_turn_keys(transcript, wanted_keys)):
        turn.key = key
    Turn.objects.bulk_create(to_create)
    # Every turn of the transcript is (re)indexed: ordinals, sections and speakers may have moved.
    outbox.enqueue([t.key for t in to_update] + [t.key for t in to_create])
    result.turns_removed = len(removed)
    if result.status == "created":
        result.turns_added, result.turns_kept = len(parsed.turns), 0
