"""Admin upload of a transcript: the file waits in a staging area while the editor previews it, then
`ingest_transcript()` (the one writer) lands it in one transaction.

Nothing here writes to the database before the editor confirms. A staged upload is a directory
named by a random token under settings.ARCHIVE_STAGING_DIR, holding the bytes (named by their
sha256, checked on every read) and a JSON file with the form data; it belongs to the editor who
uploaded it and expires after a day.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.db import transaction
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from interviews import ingest
from interviews.ingest import IngestResult, Progress, ingest_transcript
from interviews.models import (
    Interview,
    Participant,
    Speaker,
    SpeakerRedirect,
    Transcript,
    Turn,
    unique_slug,
)
from interviews.parsing import (
    Message,
    ParsedSpeaker,
    ParsedTranscript,
    ParseError,
    ParseOptions,
    SpeakerHint,
    generic_role,
    parse_transcript,
)
from interviews.parsing.decoding import text_sha256
from interviews.parsing.options import ALTERNATING, PARAGRAPH_LABEL, PARAGRAPHS
from interviews.parsing.questions import ANSWER, QUESTION
from interviews.sources import TRANSCRIPT_SUFFIXES, IngestError, InterviewInfo, Source, TranscriptInfo
from interviews.upload.messages import from_stored, interface_text, stored

# The admin takes the files the ingest command reads, and podcast JSON transcripts.
UPLOAD_SUFFIXES = TRANSCRIPT_SUFFIXES | {".json"}
STAGING_MAX_AGE = 24 * 3600  # seconds
_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{32}")
_SHA_RE = re.compile(r"[0-9a-f]{64}")


class UploadError(Exception):
    """A file or staged upload that cannot go on. `message` is the parser's Message or text in
    words already; str() is what the editor reads, in the active language."""

    def __init__(self, message: Message | str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return interface_text(self.message)


def size_limit_message(size: int | None = None) -> str:
    limit = filesizeformat(settings.ARCHIVE_MAX_UPLOAD_BYTES)
    if size:
        return _("The file is %(size)s; the largest transcript accepted is %(limit)s.") % {
            "size": filesizeformat(size),
            "limit": limit,
        }
    return _("The file is larger than %(limit)s, the largest transcript accepted.") % {"limit": limit}


class SizeLimitUploadHandler(FileUploadHandler):
    """Refuses a file over ARCHIVE_MAX_UPLOAD_BYTES while the request streams in.

    Django's DATA_UPLOAD_MAX_MEMORY_SIZE does not count file data. This handler runs first: once
    a file passes the limit it is skipped (the rest of its bytes are read and dropped, never
    stored) and `request.upload_too_large` tells the form what happened, so the editor gets a
    message instead of a half-read file.
    """

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.request_length = content_length

    def new_file(self, field_name, file_name, *args, **kwargs):
        super().new_file(field_name, file_name, *args, **kwargs)
        self.received = 0
        # A request longer than the limit plus every form field Django accepts must hold an
        # oversized file: skip it before buffering a byte.
        if self.request_length and self.request_length > self.limit + settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            self._reject(self.request_length)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self._reject(None)
        return raw_data

    def file_complete(self, file_size):
        return None

    @property
    def limit(self) -> int:
        return settings.ARCHIVE_MAX_UPLOAD_BYTES

    def _reject(self, size):
        if self.request is not None:
            self.request.upload_too_large = size or True
        raise SkipFile()


# --- Staging ------------------------------------------------------------------------------------


def staging_dir() -> Path:
    return Path(settings.ARCHIVE_STAGING_DIR)


@dataclass
class StagedUpload:
    token: str
    filename: str
    sha256: str
    size: int
    user_id: int
    created: float
    details: dict = field(default_factory=dict)  # the details form as last posted (strings)
    mapping: dict = field(default_factory=dict)  # label -> {"speaker", "name", "role"} as last posted
    detected_language: str = ""
    # What the last preview's parse found (see remember_parse), so a confirm need not parse again.
    parse: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)  # ParseOptions.to_json(): how the file is read
    # Why the parser could not read it by its labels, when it could not; why the way the replaced
    # transcript was read no longer fits, when it does not. Kept as upload.messages.stored() keeps
    # them, so each preview says them in its reader's language.
    labels_missing: dict | str = ""
    misfit: dict | str = ""

    @property
    def labels_missing_text(self) -> str:
        return from_stored(self.labels_missing)

    @property
    def misfit_text(self) -> str:
        return from_stored(self.misfit)

    @property
    def directory(self) -> Path:
        return staging_dir() / self.token

    def read(self) -> bytes:
        try:
            data = (self.directory / self.sha256).read_bytes()
        except OSError:
            raise UploadError(_("The uploaded file is no longer in the staging area. Upload it again.")) from None
        if hashlib.sha256(data).hexdigest() != self.sha256:
            raise UploadError(_("The staged file was changed on disk since it was uploaded. Upload it again."))
        return data

    def save(self) -> None:
        meta = self.directory / "upload.json"
        partial = meta.with_suffix(".tmp")
        partial.write_text(json.dumps(asdict(self), ensure_ascii=False), encoding="utf-8")
        os.replace(partial, meta)

    def discard(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


def stage(
    data: bytes,
    filename: str,
    user,
    *,
    details: dict,
    detected_language: str = "",
    options: ParseOptions | None = None,
    labels_missing: Message | str = "",
    misfit: Message | str = "",
) -> StagedUpload:
    """Keep an uploaded file for its preview; clears uploads older than a day on the way."""
    clean_staging()
    staged = StagedUpload(
        token=secrets.token_urlsafe(24),
        filename=filename,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        user_id=user.pk,
        created=time.time(),
        details=details,
        detected_language=detected_language,
        options=options.to_json() if options else {},
        labels_missing=stored(labels_missing),
        misfit=stored(misfit),
    )
    staged.directory.mkdir(parents=True, mode=0o700)
    (staged.directory / staged.sha256).write_bytes(data)
    staged.save()
    return staged


def load_staged(token: str, user) -> StagedUpload:
    """The upload `token` names, if it exists, is recent and is `user`'s. Only a token that looks
    like one we made ever becomes part of a path."""
    gone = UploadError(
        _(
            "This upload is no longer waiting for confirmation: it was confirmed, cancelled, or is older "
            "than a day. Upload the file again."
        )
    )
    if not _TOKEN_RE.fullmatch(token):
        raise gone
    try:
        meta = json.loads((staging_dir() / token / "upload.json").read_text(encoding="utf-8"))
        staged = StagedUpload(**meta)
    except (OSError, ValueError, TypeError):
        raise gone from None
    if staged.token != token or not _SHA_RE.fullmatch(staged.sha256) or time.time() - staged.created > STAGING_MAX_AGE:
        raise gone
    if staged.user_id != user.pk:
        raise UploadError(_("This upload was started by another editor; only they can preview and confirm it."))
    return staged


def clean_staging(max_age: float = STAGING_MAX_AGE) -> int:
    """Remove staged uploads nobody confirmed or cancelled. Returns how many went."""
    root = staging_dir()
    if not root.is_dir():
        return 0
    removed = 0
    cutoff = time.time() - max_age
    for child in root.iterdir():
        try:
            if child.is_dir() and child.stat().st_mtime < cutoff:
                shutil.rmtree(child, ignore_errors=True)
                removed += 1
        except OSError:
            continue
    return removed


# --- Parsing with what the archive knows ----------------------------------------------------------


def interview_hints(interview: Interview | None) -> list[SpeakerHint]:
    """The interview's people as parser hints, so "Q" or "主持人" resolve to its host on a re-upload."""
    if interview is None:
        return []
    return [
        SpeakerHint(p.speaker.name, p.role, list(p.speaker.aliases))
        for p in interview.participants.select_related("speaker")
    ]


def parse_upload(
    data: bytes, filename: str, *, interview=None, language="", title="", encoding="", options=None
) -> ParsedTranscript:
    try:
        parsed = parse_transcript(
            data,
            filename=filename,
            language=language,
            title=title,
            speakers=interview_hints(interview),
            encoding=encoding,
            max_turns=ingest.MAX_TURNS,  # read when called: tests lower it
            options=options,
        )
    except ParseError as exc:  # too many turns among them: the parser counts them against max_turns
        raise UploadError(exc.message) from None
    return parsed


PARAGRAPH_MARK = PARAGRAPH_LABEL.format("")  # "¶ ": what labels of one paragraph per turn start with

# When the parser finds no labels, the preview opens with each paragraph a turn (or, in a file of
# too many paragraphs to map one by one, two speakers taking turns) and offers the other ways on.
FALLBACKS = (
    ParseOptions(way=PARAGRAPHS),
    ParseOptions(way=ALTERNATING, speakers=(QUESTION, ANSWER)),
)


@dataclass
class FirstParse:
    """A new upload's parse, the way it was read, and why not by its labels (when it was not)."""

    parsed: ParsedTranscript | None
    options: ParseOptions = field(default_factory=ParseOptions)
    labels_missing: Message | str = ""
    misfit: Message | str = ""  # why the way the replaced transcript was read does not fit this file


def remembered_options(interview: Interview | None, slug: str) -> ParseOptions:
    """How the transcript a re-upload replaces was read, so a corrected file is read the same way."""
    if interview is None or not slug:
        return ParseOptions()
    stored = interview.transcripts.filter(slug=slug).values_list("parse_options", flat=True).first()
    try:
        return ParseOptions.from_json(stored)
    except ParseError:  # edited by hand into something invalid: read the file afresh
        return ParseOptions()


def parse_new_upload(data: bytes, filename: str, *, interview=None, slug="", **details) -> FirstParse:
    """The first parse of an upload: as the transcript it replaces was read, else by its labels,
    else (no labels found) by a fallback way the preview lets the editor change. Raises
    UploadError only for a file no way can read (binary, empty, the wrong encoding, too large)."""
    first = _remembered_parse(data, filename, interview, slug or details.get("language", ""), details)
    if first.parsed is not None:
        return first
    try:
        parsed = parse_upload(data, filename, interview=interview, **details)
    except UploadError as exc:
        for fallback in FALLBACKS:
            try:
                parsed = parse_upload(data, filename, interview=interview, options=fallback, **details)
            except UploadError:
                continue
            return FirstParse(parsed, fallback, labels_missing=exc.message, misfit=first.misfit)
        raise
    if not (slug or details.get("language")):
        # The rendition's slug is its detected language: now known, look again.
        again = _remembered_parse(data, filename, interview, parsed.language, details)
        if again.parsed is not None:
            return again
        first.misfit = first.misfit or again.misfit
    return FirstParse(parsed, misfit=first.misfit)


def _remembered_parse(data, filename, interview, slug, details) -> FirstParse:
    """The parse the way the transcript at `slug` was read; else no parse, and (in misfit) why
    that way no longer fits, when there was one."""
    remembered = remembered_options(interview, slug)
    if not remembered.way:
        return FirstParse(None)
    try:
        return FirstParse(parse_upload(data, filename, interview=interview, options=remembered, **details), remembered)
    except UploadError as exc:  # the corrected file no longer fits the old way: read it afresh
        return FirstParse(None, misfit=exc.message)


def duplicate_of(data: bytes, text: str = "") -> Transcript | None:
    """The transcript already holding these bytes or, given the decoded `text`, the same text
    re-saved (line ends, BOM, encoding, trailing spaces)."""
    same = Q(sha256=hashlib.sha256(data).hexdigest())
    if text:
        same |= Q(text_sha256=text_sha256(text))
    return Transcript.objects.select_related("interview").filter(same).first()


def duplicate_at_confirm(data: bytes, text_hash: str, slug: str, interview) -> Transcript | None:
    """What `ingest_transcript()` would refuse the file as a duplicate of, checked before it is
    queued (the job checks again): another transcript with these bytes or this text (its
    `text_sha256`). The transcript a corrected version replaces (`interview`, `slug`) is not its
    duplicate."""
    same = Q(sha256=hashlib.sha256(data).hexdigest()) | Q(text_sha256=text_hash)
    found = Transcript.objects.select_related("interview").filter(same).first()
    if found and interview and (found.interview_id, found.slug) == (interview.pk, slug):
        return None
    return found


def parse_inputs(details: dict, options: ParseOptions | None = None) -> list:
    """What a parse of a staged file depends on besides its bytes: the details and the way it is read."""
    interview = details.get("interview")
    return [interview.pk if interview else None, details.get("language") or "", details.get("title") or ""] + [
        details.get("encoding") or "",
        options.to_json() if options else {},
    ]


def remember_parse(
    staged: StagedUpload, details: dict, parsed: ParsedTranscript, options: ParseOptions | None = None
) -> None:
    """Keep what the confirm needs from this parse with the staged file: its label rows, language
    and text hash. A 5 MB file takes seconds to parse; the confirm then answers at once."""
    summary = {
        "inputs": parse_inputs(details, options),
        "rows": [asdict(row) for row in label_rows(parsed)],
        "language": parsed.language,
        "text_sha256": text_sha256(parsed.text),
    }
    if staged.parse != summary:
        staged.parse = summary
        staged.save()


def remembered_parse(staged: StagedUpload, details: dict, options: ParseOptions | None = None) -> dict | None:
    """The last preview's parse summary if it was made with these details and this way, else None."""
    if staged.parse.get("inputs") != parse_inputs(details, options):
        return None
    return {**staged.parse, "rows": [LabelRow(**row) for row in staged.parse["rows"]]}


# --- Labels and who they mean ----------------------------------------------------------------------


@dataclass
class LabelRow:
    """One speaker label as published, with what the parser made of it."""

    label: str
    turns: int
    first_text: str
    name: str  # the person the parser resolved it to, or the label itself
    role: str

    @property
    def key(self) -> str:
        """A form-field prefix for the label: labels can be any text, field names cannot."""
        return hashlib.sha1(self.label.encode()).hexdigest()[:10]

    @property
    def generic(self) -> bool:
        """A label naming a role ("Q", "Interviewer", "主持人"), not a person."""
        return bool(generic_role(self.label))


@dataclass
class LabelChoice:
    """Who an editor says a label means: an existing speaker, or a new one named `name`."""

    speaker: Speaker | None
    name: str
    role: str

    def display_name(self) -> str:
        return self.speaker.name if self.speaker else self.name


def label_rows(parsed: ParsedTranscript) -> list[LabelRow]:
    roles = {s.name: s.role for s in parsed.speakers}
    rows: dict[str, LabelRow] = {}
    for turn in parsed.turns:
        row = rows.get(turn.label)
        if row is None:
            rows[turn.label] = LabelRow(turn.label, 1, turn.text, turn.speaker, roles.get(turn.speaker, ""))
        else:
            row.turns += 1
    return list(rows.values())


def _paragraph_number(choice: LabelChoice) -> bool:
    return choice.speaker is None and choice.name.strip().startswith(PARAGRAPH_MARK)


def default_choice(row: LabelRow, interview: Interview | None) -> LabelChoice:
    """What the form suggests: someone already in the interview, else a speaker of that exact
    name, else a new speaker named as the parser resolved the label. A paragraph read as a turn of
    its own (`¶ 3`) suggests whoever said the same words in this interview before (a corrected
    re-upload read one paragraph per turn)."""
    if interview is not None and row.label.startswith(PARAGRAPH_MARK):
        said = (
            Turn.objects.filter(transcript__interview=interview, text=row.first_text).select_related("speaker").first()
        )
        if said is not None:
            role = interview.participants.filter(speaker=said.speaker).values_list("role", flat=True).first()
            return LabelChoice(said.speaker, "", role or "")
    if interview is not None:
        for participant in interview.participants.select_related("speaker"):
            if participant.speaker.name == row.name:
                return LabelChoice(participant.speaker, "", participant.role or row.role)
    if not row.generic:
        same_name = list(Speaker.objects.filter(name__iexact=row.name)[:2])
        if len(same_name) == 1:
            return LabelChoice(same_name[0], "", row.role)
    return LabelChoice(None, row.name, row.role)


# --- Confirm ----------------------------------------------------------------------------------


def transcript_slug(details: dict, parsed: ParsedTranscript) -> str:
    """The rendition slug ingest will use: as given, else the language (as ingest does)."""
    return details.get("slug") or parsed.language or "text"


def _new_speaker(name: str) -> Speaker:
    slug = unique_slug(Speaker, name)
    n = 2
    while SpeakerRedirect.objects.filter(old_slug=slug).exists():  # a merged speaker's address
        slug = unique_slug(Speaker, f"{name} {n}")
        n += 1
    return Speaker.objects.create(name=name, slug=slug)


def interview_info(details: dict, parsed: ParsedTranscript) -> InterviewInfo:
    original = details.get("translation") == Transcript.ORIGINAL
    interview = details.get("interview")
    if interview is not None:
        # ingest treats a slug as authoritative metadata: hand back the interview as it is.
        return InterviewInfo(
            slug=interview.slug,
            title=interview.title,
            programme=interview.programme,
            date_recorded=interview.date_recorded,
            original_url=interview.original_url,
            original_language=interview.original_language or (parsed.language if original else ""),
        )
    title = details.get("new_title") or parsed.title
    return InterviewInfo(
        slug=unique_slug(Interview, title),
        title=title,
        date_recorded=details.get("new_date_recorded"),
        original_url=details.get("new_original_url", ""),
        original_language=parsed.language if original else "",
    )


@transaction.atomic
def check_choices(rows: list[LabelRow], choices: dict[str, LabelChoice]) -> None:
    """Raise IngestError unless every label means a person: checked when the editor confirms (so the
    preview says it at once) and again when the job writes."""
    missing = [row.label for row in rows if row.label not in choices]
    if missing:
        raise IngestError(_('Choose who "%(label)s" is before confirming.') % {"label": missing[0]})
    # One paragraph per turn labels each by its number: a person, not "¶ 3", must speak it.
    unnamed = [row.label for row in rows if _paragraph_number(choices[row.label])]
    if unnamed:
        raise IngestError(_("Choose who speaks in “%s” (under Speakers) before confirming.") % unnamed[0])


def ingest_upload(
    data: bytes,
    filename: str,
    details: dict,
    parsed: ParsedTranscript,
    choices: dict[str, LabelChoice],
    user,
    *,
    options: ParseOptions | None = None,
    progress: Progress | None = None,
) -> IngestResult:
    """Write the previewed file: new speakers, then `ingest_transcript()` with every label mapped
    as the editor chose, and the way it was read (`options`) kept for its next upload. One
    transaction: an IngestError leaves nothing behind."""
    rows = label_rows(parsed)
    check_choices(rows, choices)
    new_speakers: dict[str, Speaker] = {}
    overrides: dict[str, Speaker] = {}
    for row in rows:
        choice = choices[row.label]
        if choice.speaker is None:
            name = " ".join(choice.name.split())
            key = name.casefold()
            if key not in new_speakers:
                new_speakers[key] = _new_speaker(name)
            overrides[row.label] = new_speakers[key]
        else:
            overrides[row.label] = choice.speaker
    # One parsed speaker per label, so each label lands on the speaker chosen for it.
    parsed.speakers = [ParsedSpeaker(label=row.label, name=row.label, role=choices[row.label].role) for row in rows]
    for turn in parsed.turns:
        turn.speaker = turn.label

    source = Source(
        data=data,
        filename=filename,
        interview=interview_info(details, parsed),
        transcript=TranscriptInfo(
            file=filename,
            slug=transcript_slug(details, parsed),
            language=parsed.language,
            title=parsed.title,
            publisher=details.get("publisher", ""),
            source_url=details.get("source_url", ""),
            media_url=details.get("media_url", ""),
            published_on=details.get("published_on"),
            translation=details.get("translation", ""),
            translator_note=details.get("translator_note", ""),
            parse_options=options.to_json() if options else {},
        ),
    )
    result = ingest_transcript(source, parsed=parsed, speaker_overrides=overrides, uploaded_by=user, progress=progress)
    # The editor's role for a person already in the interview wins over what it was.
    for row in rows:
        role = choices[row.label].role
        if role:
            Participant.objects.filter(interview=result.transcript.interview, speaker=overrides[row.label]).exclude(
                role=role
            ).update(role=role)
    return result
