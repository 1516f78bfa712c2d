"""What the parser says reaches the editor in the interface's language: every message the parser
can give has interface text (its English word for word, so the command line and the pages agree),
and the upload form, the preview and a failed job say it in German or Chinese to a German or
Chinese reader, numbers grouped as their language groups them."""

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from interviews.models import UploadJob
from interviews.parsing import Message, ParseError
from interviews.parsing.messages import ENGLISH
from interviews.upload.messages import INTERFACE, interface_text
from tests.factories import ingest_text
from tests.upload.test_admin import ENGLISH as ENGLISH_TRANSCRIPT
from tests.upload.test_admin import UPLOAD_URL, preview_page, run_queued_jobs, upload
from tests.upload.test_jobs import progress_json, queued_job

PARSING = Path(__file__).resolve().parents[2] / "interviews" / "parsing"
GERMAN = {"HTTP_ACCEPT_LANGUAGE": "de-DE,de;q=0.9"}
CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}
# A transcript without a single speaker label: the preview opens it one paragraph per turn and
# says why, in the parser's words.
NO_LABELS = (
    "A Conversation About Archives\n\n"
    + "\n\n".join(f"This is paragraph number {n} of a talk that names nobody at all." for n in range(1, 6))
    + "\n"
)


def said_in(language: str, message: Message) -> str:
    with translation.override(language):
        return interface_text(message)


def sample(code: str, count: int) -> Message:
    """The message with every placeholder filled: counts and other numbers, and text."""
    texts = ENGLISH[code] if isinstance(ENGLISH[code], tuple) else (ENGLISH[code],)
    names = {name for text in texts for name in re.findall(r"%\((\w+)\)s", text)}
    return Message(code, **{name: count if name == "count" else 12345 if name in _NUMBERS else "xx" for name in names})


_NUMBERS = {"lines", "labels", "turns", "max_turns", "byte", "size", "packed", "number", "more", "max", "length"}


# --- Every message has interface text ---------------------------------------------------------------------


def test_every_message_code_the_parser_defines_has_interface_text():
    assert sorted(set(ENGLISH) - set(INTERFACE)) == [], "add these codes to interviews/upload/messages.py"
    assert sorted(set(INTERFACE) - set(ENGLISH)) == [], "these codes are no longer in interviews/parsing/messages.py"


def test_every_code_the_parser_uses_is_defined():
    """A Message refuses an unknown code when it is made; this finds one on a path no test takes."""
    sources = "\n".join(path.read_text(encoding="utf-8") for path in PARSING.rglob("*.py"))
    used = set(re.findall(r'Message\(\s*"([\w.]+)"', sources))
    used |= set(re.findall(r'\(b"[^"]*", "(kind\.\w+)"\)', sources))  # the file kinds decoding.py names
    used |= {f"{what}.{name}" for what in ("cues", "segments") for name in re.findall(r'f"\{what\}\.(\w+)"', sources)}
    assert len(used) > 60
    assert sorted(used - set(ENGLISH)) == []


@pytest.mark.parametrize("code", sorted(ENGLISH))
def test_interface_english_is_the_parsers_english_word_for_word(code):
    """The msgid is the English the command line prints: one sentence, whichever way it is read."""
    for count in (1, 3):
        message = sample(code, count)
        assert said_in("en", message) == str(message)


def test_a_number_is_grouped_as_the_interface_language_groups_it():
    message = Message("size.lines", lines=1_000_001, max_turns=20_000)
    assert "1,000,001" in str(message) and "20,000" in str(message)
    assert "1.000.001" in said_in("de", message) and "20.000" in said_in("de", message)


def test_a_plural_is_chosen_by_the_count():
    assert said_in("en", Message("checks.chrome_dropped", count=1, shown='"Menu"')).startswith("Dropped 1 line of")
    assert said_in("en", Message("checks.chrome_dropped", count=2, shown='"Menu"')).startswith("Dropped 2 lines of")


def test_a_message_survives_storage_with_its_code():
    message = Message(
        "html.removed",
        scripts=Message("html.script_elements", count=2),
        handlers=Message("html.handler_attributes", count=1),
    )
    again = Message.from_json(message.to_json())
    assert again == message and again.code == "html.removed" and again.params["scripts"].code == "html.script_elements"


# --- The pages say it in the reader's language -------------------------------------------------------------


def test_preview_of_a_file_without_labels_says_why_in_german_and_chinese(admin_client):
    """The preview reads the file one paragraph per turn and says why, in the reader's language."""
    reason = Message("turns.no_labels")
    for headers, language in ((GERMAN, "de"), (CHINESE, "zh-hans")):
        page = preview_page(admin_client, admin_client.post(UPLOAD_URL, _file(NO_LABELS), **headers))
        html = admin_client.get(page.request["PATH_INFO"], **headers).content.decode()
        translated = said_in(language, reason)
        assert translated != str(reason), f"no {language} translation yet: run make messages and translate"
        assert _escaped(translated) in html
        assert str(reason) not in html.replace("&quot;", '"')


def test_preview_warnings_are_in_the_readers_language(admin_client):
    page = preview_page(admin_client, upload(admin_client, ENGLISH_TRANSCRIPT))
    warnings = page.context["preview"].parsed.warnings
    assert warnings, "the sample transcript gives the parser something to say"
    german = admin_client.get(page.request["PATH_INFO"], **GERMAN)
    assert german.context["preview"].warnings[: len(warnings)] == [said_in("de", w) for w in warnings]


def test_a_refused_file_is_refused_in_the_readers_language(admin_client):
    response = admin_client.post(UPLOAD_URL, _file(b"%PDF-1.7 not a transcript", "talk.txt"), **GERMAN)
    assert response.status_code == 200
    refusal = said_in("de", Message("file.not_text", kind=Message("kind.pdf")))
    assert response.context["form"].errors["file"] == [refusal]


def test_a_job_the_parser_refuses_says_why_in_the_language_of_whoever_looks(admin_client, monkeypatch):
    """The runner writes the English to the job (logs, the admin list); its page and JSON say the
    parser's message in the language of the request."""
    job, _page = queued_job(admin_client)
    refusal = Message("size.lines", lines=1_000_001, max_turns=20_000)

    def refuse(*args, **kwargs):
        raise ParseError(refusal)

    monkeypatch.setattr("interviews.upload.staging.parse_transcript", refuse)
    run_queued_jobs()
    job = UploadJob.objects.get(pk=job.pk)
    assert job.status == "failed" and job.message == str(refusal)
    assert progress_json(admin_client, job)["text"] == str(refusal)
    german = admin_client.get(job.get_absolute_url(), **GERMAN).content.decode()
    assert _escaped(said_in("de", refusal)) in german and "1.000.001" in german
    german_json = admin_client.get(reverse("admin:interviews_transcript_upload_job_progress", args=[job.pk]), **GERMAN)
    assert german_json.json()["text"] == said_in("de", refusal)


def _file(data, filename="talk.txt"):
    return {"file": SimpleUploadedFile(filename, data if isinstance(data, bytes) else data.encode("utf-8"))}


def _escaped(text: str) -> str:
    return escape(text)


def test_a_job_that_fails_at_write_says_why_in_the_language_its_editor_confirmed_it_in(admin_client):
    """The runner is another process with no request: it writes in the editor's language."""
    admin_client.defaults.update(GERMAN)
    job, _page = queued_job(admin_client)
    ingest_text(text=ENGLISH_TRANSCRIPT, filename="robots.txt", slug="elsewhere")  # another editor was faster
    with translation.override("en"):  # as in the runner's own process
        run_queued_jobs()
    job = UploadJob.objects.get(pk=job.pk)
    assert job.status == "failed" and job.message.startswith("diese Datei ist bereits als „")
    assert _escaped(job.message) in admin_client.get(job.get_absolute_url()).content.decode()
    assert progress_json(admin_client, job)["text"] == job.message
