"""What to ingest: a transcript file with the metadata that describes it, read alone or from a
manifest (`*.json` beside the files), and checked before anything is written.

Nothing here writes to the database; `interviews.ingest.ingest_transcript` does.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_slug

from interviews import languages
from interviews.models import Interview, Speaker, Transcript
from interviews.parsing import ParseError, ParseOptions, SpeakerHint

# Found in a directory by suffix; a podcast JSON transcript (.json) is found through its manifest.
TRANSCRIPT_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".vtt", ".srt", ".docx"}


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
    media_url: str = ""  # the recording the file's time codes refer to
    published_on: datetime.date | None = None
    translation: str = ""
    translator_note: str = ""
    parse_options: dict = field(default_factory=dict)  # ParseOptions.to_json(): how to read unlabelled text


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
    check_url(meta.media_url, "the transcript's media_url")


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
                    # The interview's recording, unless this rendition names its own (a dub).
                    media_url=entry.get("media_url", interview.get("media_url", "")),
                    published_on=_date(entry.get("published_on"), f"{path.name} ({name})"),
                    translation=entry.get("translation", ""),
                    translator_note=entry.get("translator_note", ""),
                    parse_options=_parse_options(entry.get("parse_options"), f"{path.name} ({name})"),
                ),
            )
        )
    return sources


def _parse_options(value, where: str) -> dict:
    """The manifest's way of reading a file without labels, as the upload preview stores it."""
    try:
        return ParseOptions.from_json(value).to_json()
    except ParseError as exc:
        raise IngestError(f"{where}: {exc}") from None


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
            if _is_podcast_transcript(manifest):
                continue
            try:
                for source in read_manifest(manifest):
                    manifests[source.filename] = source
            except IngestError as exc:
                errors.append((str(manifest), str(exc).removeprefix(f"{manifest.name}: ")))
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix.lower() in TRANSCRIPT_SUFFIXES or p.name in manifests)
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


def _is_podcast_transcript(path: Path) -> bool:
    """A JSON file beside the manifests that is a transcript (podcast JSON), not a manifest."""
    with path.open("rb") as file:
        head = file.read(4096)
    return b'"segments"' in head and b'"transcripts"' not in head
