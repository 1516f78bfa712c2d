"""The admin as an editor uses it: upload → preview → confirm, bad files, speaker and turn edits,
and who may do any of it."""

import io
import os
import time

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse

from archive.client_ip import client_ip
from interviews.models import IndexTask, Interview, Participant, RemovedTurn, Speaker, SpeakerRedirect, Transcript, Turn
from interviews.upload import jobs
from interviews.upload.staging import clean_staging
from tests.factories import SEEDS, SHORT_INTERVIEW, ingest_text
from tests.hostile_inputs import VALID_TRANSCRIPT

pytestmark = pytest.mark.django_db

UPLOAD_URL = reverse("admin:interviews_transcript_upload")

ENGLISH = VALID_TRANSCRIPT  # a short English interview with an "Interviewer" label


def row_counts():
    """Rows of every model of the archive (and users): 'nothing written' means none of these moved."""
    models = list(apps.get_app_config("interviews").get_models()) + [User]
    return {model.__name__: model.objects.count() for model in models}


def staged_uploads(settings):
    root = settings.ARCHIVE_STAGING_DIR
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def stored_originals(settings):
    root = settings.MEDIA_ROOT / "originals"
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def upload(client, data, filename="robots.txt", **details):
    file = SimpleUploadedFile(filename, data if isinstance(data, bytes) else data.encode("utf-8"))
    return client.post(UPLOAD_URL, {"file": file, **details})


def preview_page(client, response):
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(response.url)
    assert page.status_code == 200
    return page


def form_data(page, **changes):
    """What the preview form posts back: every details field and label choice as shown, then `changes`."""
    data = {}
    for form in (page.context["details_form"], page.context["mapping_form"]):
        for name in form.fields:
            value = form[name].value()
            data[name] = "" if value is None else value
    for label_or_field, value in changes.items():
        data[label_or_field] = value
    return data


def label_field(page, label, part):
    row = next(row for row in page.context["mapping_form"].rows if row.label == label)
    return f"{row.key}-{part}"


def confirm(client, page, action="confirm", **changes):
    """Post the preview form with `action`. A confirm queues a job: the job runner runs here, in
    the test's process, and the answer is then the job page's (a redirect to the result once done)."""
    response = client.post(page.request["PATH_INFO"], {**form_data(page, **changes), "action": action})
    if response.status_code == 302 and "/upload/jobs/" in response.url:
        run_queued_jobs()
        return client.get(response.url)
    return response


def run_queued_jobs():
    while jobs.run_next():
        pass


@pytest.fixture
def editor_client(admin_client):
    return admin_client


@pytest.fixture
def seeds():
    call_command("ingest", str(SEEDS), stdout=io.StringIO())
    return Interview.objects.get()


# --- The upload flow --------------------------------------------------------------------------


def test_transcript_list_has_an_upload_button(editor_client):
    html = editor_client.get(reverse("admin:interviews_transcript_changelist")).content.decode()
    assert f'href="{UPLOAD_URL}"' in html and "Upload transcript" in html


def test_upload_form_asks_for_file_and_details(editor_client):
    html = editor_client.get(UPLOAD_URL).content.decode()
    for name in (
        "file",
        "interview",
        "new_title",
        "new_date_recorded",
        "new_original_url",
        "language",
        "publisher",
        "source_url",
        "published_on",
        "translation",
        "translator_note",
    ):
        assert f'name="{name}"' in html
    assert 'enctype="multipart/form-data"' in html and "csrfmiddlewaretoken" in html


def test_preview_shows_what_the_parser_found_and_writes_nothing(editor_client, settings):
    before = row_counts()
    page = preview_page(editor_client, upload(editor_client, ENGLISH))
    html = page.content.decode()
    preview = page.context["preview"]
    assert preview.parsed.title == "Building Robots That Learn: A Conversation with Mara Lindqvist"
    assert preview.parsed.language == "en"
    assert [row.label for row in preview.rows] == ["Interviewer", "Mara Lindqvist"]
    assert "6 by 2 labels" in html
    assert "Mara, thanks for joining." in html  # the first turns
    assert "No section headings found." in html
    assert "names a role, not a person" in html  # a new speaker called "Interviewer" would be wrong
    assert row_counts() == before
    assert len(staged_uploads(settings)) == 1 and stored_originals(settings) == []


GERMAN = (
    "Gespräch über Käse\n\n"
    "Moderatorin: Grüß Gott, Herr Müller. Worüber sprechen wir heute?\n\n"
    "Jürgen Müller: Über große Modelle, Daten und Rechenleistung. Die Qualität zählt.\n\n"
    "Moderatorin: Und was heißt das für die Zukunft?\n\n"
    "Jürgen Müller: Dass wir über Größe anders reden müssen.\n"
)


def test_preview_shows_the_detected_encoding_of_an_old_windows_file(editor_client):
    """A German file saved as Windows-1252 reads as German (not as 鋍 and 黚), and the preview says how it was read."""
    page = preview_page(editor_client, upload(editor_client, GERMAN.encode("cp1252"), filename="kaese.txt"))
    html = page.content.decode()
    assert "<code>cp1252</code> · detected" in html
    assert page.context["preview"].rows[1].label == "Jürgen Müller"
    assert page.context["details_form"]["language"].value() == "de"
    assert '<option value="big5">Traditional Chinese (Big5)</option>' in html


def test_editor_can_choose_another_encoding_and_the_staged_file_is_read_again(editor_client):
    page = preview_page(editor_client, upload(editor_client, GERMAN.encode("cp1252"), filename="kaese.txt"))
    again = preview_page(editor_client, confirm(editor_client, page, action="preview", encoding="cp1250"))
    assert "<code>cp1250</code> · as chosen" in again.content.decode()
    refused = confirm(editor_client, again, action="confirm", encoding="gb18030")
    html = refused.content.decode()
    assert "Read as gb18030, this file has" in html and "Chinese, Japanese or Korean characters" in html
    assert not Transcript.objects.exists()


def test_big5_and_utf16_files_upload_as_their_text(editor_client):
    chinese = "主持人：歡迎來到節目。今天談談模型。\n\n嘉賓：謝謝。數據質量最重要。\n\n主持人：為什麼？\n\n嘉賓：因為壞數據會改變模型。\n"
    page = preview_page(editor_client, upload(editor_client, chinese.encode("big5"), filename="zh.txt"))
    assert page.context["preview"].parsed.encoding == "big5"
    assert page.context["preview"].rows[0].label == "主持人"
    page = preview_page(editor_client, upload(editor_client, GERMAN.encode("utf-16"), filename="de16.txt"))
    assert page.context["preview"].parsed.encoding == "utf-16"


def test_language_is_prefilled_by_detection(editor_client):
    page = preview_page(editor_client, upload(editor_client, ENGLISH))
    assert page.context["details_form"]["language"].value() == "en"
    assert "detected from the text: English" in page.content.decode()


def test_labels_are_suggested_as_new_speakers_with_roles(editor_client):
    page = preview_page(editor_client, upload(editor_client, ENGLISH))
    form = page.context["mapping_form"]
    assert form[label_field(page, "Interviewer", "speaker")].value() == "new"
    assert form[label_field(page, "Interviewer", "role")].value() == "host"
    assert form[label_field(page, "Mara Lindqvist", "name")].value() == "Mara Lindqvist"
    assert form[label_field(page, "Mara Lindqvist", "role")].value() == "guest"


def test_confirm_ingests_with_the_mapping_and_links_to_the_transcript(editor_client, admin_user, settings):
    page = preview_page(editor_client, upload(editor_client, ENGLISH, publisher="The Founder Tapes"))
    response = confirm(editor_client, page, **{label_field(page, "Interviewer", "name"): "Jonas Host"})
    assert response.status_code == 302
    transcript = Transcript.objects.get()
    assert response.url == reverse("admin:interviews_transcript_upload_done", args=[transcript.pk])
    done = editor_client.get(response.url).content.decode()
    assert "is in the archive: 6 turns" in done
    assert f'href="{transcript.get_absolute_url()}"' in done
    assert f'href="{reverse("admin:interviews_transcript_change", args=[transcript.pk])}"' in done

    assert transcript.uploaded_by == admin_user and transcript.publisher == "The Founder Tapes"
    assert transcript.language == "en" and transcript.interview.title.startswith("Building Robots")
    speakers = [turn.speaker.name for turn in transcript.turns.select_related("speaker")]
    assert speakers == ["Jonas Host", "Mara Lindqvist"] * 3
    roles = {p.speaker.name: p.role for p in transcript.interview.participants.select_related("speaker")}
    assert roles == {"Jonas Host": "host", "Mara Lindqvist": "guest"}
    assert not Speaker.objects.filter(name="Interviewer").exists()
    # Indexed in one batch after the commit; the staged file is gone, the original kept.
    assert set(IndexTask.objects.values_list("turn_key", flat=True)) == set(
        transcript.turns.values_list("key", flat=True)
    )
    assert staged_uploads(settings) == []
    with transcript.original_file.open("rb") as original:
        assert original.read() == ENGLISH.encode()


def test_a_label_can_be_mapped_to_an_existing_speaker(editor_client, seeds):
    harry = Speaker.objects.get(name="Harry Stebbings")
    page = preview_page(editor_client, upload(editor_client, ENGLISH))
    confirm(editor_client, page, **{label_field(page, "Interviewer", "speaker"): str(harry.pk)})
    transcript = Transcript.objects.get(language="en")
    assert transcript.turns.filter(speaker=harry).count() == 3
    assert Speaker.objects.filter(name="Harry Stebbings").count() == 1
    assert Participant.objects.get(interview=transcript.interview, speaker=harry).role == "host"


def test_two_labels_given_one_new_name_become_one_speaker(editor_client):
    page = preview_page(editor_client, upload(editor_client, ENGLISH))
    confirm(
        editor_client,
        page,
        **{label_field(page, "Interviewer", "name"): "Mara Lindqvist", label_field(page, "Interviewer", "role"): ""},
    )
    assert list(Speaker.objects.values_list("name", flat=True)) == ["Mara Lindqvist"]
    assert Turn.objects.filter(speaker__name="Mara Lindqvist").count() == 6


def test_a_new_speaker_needs_a_name(editor_client, settings):
    page = preview_page(editor_client, upload(editor_client, ENGLISH))
    before = row_counts()
    response = confirm(editor_client, page, **{label_field(page, "Interviewer", "name"): "  "})
    assert response.status_code == 200
    assert "Type the name of the person behind “Interviewer”." in response.content.decode()
    assert row_counts() == before and len(staged_uploads(settings)) == 1


def test_update_preview_keeps_the_editors_choices(editor_client):
    page = preview_page(editor_client, upload(editor_client, ENGLISH))
    response = confirm(
        editor_client,
        page,
        action="preview",
        **{label_field(page, "Interviewer", "name"): "Jonas Host", "publisher": "Tapes"},
    )
    assert response.status_code == 302 and response.url == page.request["PATH_INFO"]
    again = editor_client.get(response.url)
    assert again.context["mapping_form"][label_field(again, "Interviewer", "name")].value() == "Jonas Host"
    assert again.context["details_form"]["publisher"].value() == "Tapes"
    assert [name for name, _label, _text in again.context["preview"].first_turns[:2]] == [
        "Jonas Host",
        "Mara Lindqvist",
    ]
    assert Transcript.objects.count() == 0


def test_changing_where_it_goes_asks_to_check_the_preview_again(editor_client, seeds):
    page = preview_page(editor_client, upload(editor_client, ENGLISH))
    response = confirm(editor_client, page, interview=str(seeds.pk))
    assert response.status_code == 302
    again = editor_client.get(response.url)
    assert "check where this transcript goes, then confirm again" in again.content.decode()
    assert again.context["preview"].interview == seeds
    assert not Transcript.objects.filter(language="en").exists()


def test_cancel_discards_the_staged_file(editor_client, settings):
    before = row_counts()
    page = preview_page(editor_client, upload(editor_client, ENGLISH))
    response = confirm(editor_client, page, action="cancel")
    assert response.url == reverse("admin:interviews_transcript_changelist")
    assert staged_uploads(settings) == [] and row_counts() == before
    gone = editor_client.get(page.request["PATH_INFO"])
    assert gone.status_code == 302 and gone.url == UPLOAD_URL


def test_chinese_file_previews_with_sections_and_cjk_labels(editor_client):
    text = "# 对话林澜\n\n## 创业缘起\n\n主持人：为什么做机器人？\n\n林澜：因为数据。\n\n## 技术判断\n\n主持人：最意外的是什么？\n\n林澜：触觉比视觉重要。\n"
    page = preview_page(editor_client, upload(editor_client, text, filename="lin.md"))
    preview = page.context["preview"]
    assert preview.parsed.language == "zh"
    assert [row.label for row in preview.rows] == ["主持人", "林澜"]
    assert preview.sections == [("创业缘起", 2), ("技术判断", 2)]
    html = page.content.decode()
    assert 'lang="zh"' in html and "触觉比视觉重要" not in html.split("The first")[0]


# --- Corrected re-uploads -------------------------------------------------------------------------


def test_corrected_reupload_shows_what_changes_and_keeps_permalinks(editor_client):
    first = ingest_text()
    interview = first.transcript.interview
    old_keys = {t.text: t.key for t in first.transcript.turns.all()}
    corrected = (
        SHORT_INTERVIEW.replace("the dumbest way", "the least clever way")
        .replace("Host: And compute?\n\n", "Host: And compute?\n\nGuest: Yes, compute.\n\n")
        .replace("Welcome to the show. What matters most in training models?", "What matters most?")
    )
    page = preview_page(
        editor_client, upload(editor_client, corrected, filename="talk-v2.txt", interview=str(interview.pk))
    )
    changes = page.context["preview"].changes
    assert page.context["preview"].replaces == first.transcript
    assert (changes.kept, len(changes.edited), len(changes.added), len(changes.removed)) == (2, 1, 2, 1)
    html = page.content.decode()
    assert "<del>dumbest</del><ins>least clever</ins>" in html
    assert "Yes, compute." in html and "What matters most?" in html  # added
    assert "Welcome to the show." in html  # removed
    assert "3 of 4 permalinks stay" in html

    response = confirm(editor_client, page)
    done = " ".join(editor_client.get(response.url).content.decode().split())
    assert "replaced the previous version: 2 unchanged, 1 edited, 2 added, 1 removed" in done
    transcript = Transcript.objects.get()
    assert transcript.sha256 != first.transcript.sha256
    new = {t.text: t.key for t in transcript.turns.all()}
    assert (
        new["Compute helps, but it is the least clever way to improve a model."]
        == old_keys["Compute helps, but it is the dumbest way to improve a model."]
    )
    assert new["And compute?"] == old_keys["And compute?"]
    removed = RemovedTurn.objects.get()
    assert removed.key == old_keys["Welcome to the show. What matters most in training models?"]
    assert editor_client.get(removed.key and reverse("interviews:quote", args=[removed.key])).status_code == 410


def test_reupload_maps_generic_labels_to_the_interviews_people(editor_client):
    first = ingest_text()
    text = "A talk about data\n\nQ: What matters?\n\nGita Guest: Data.\n\nQ: And compute?\n\nGita Guest: Less.\n"
    page = preview_page(
        editor_client, upload(editor_client, text, interview=str(first.transcript.interview.pk), slug="en-2")
    )
    form = page.context["mapping_form"]
    hanna = Speaker.objects.get(name="Hanna Host")
    assert form[label_field(page, "Q", "speaker")].value() == str(hanna.pk)
    assert "names a role" not in page.content.decode()


# --- Bad input: a message, nothing written ------------------------------------------------------------


def assert_rejected(response, message, before, settings):
    """The form is shown again with `message`; no row, staged file or stored original appeared."""
    assert response.status_code == 200
    html = response.content.decode()
    errors = [str(e) for e in response.context["form"].errors.values()]
    assert message in html, errors
    assert 'class="errorlist' in html
    assert row_counts() == before
    assert staged_uploads(settings) == []
    stored = sorted(
        name.removeprefix("originals/") for name in Transcript.objects.values_list("original_file", flat=True)
    )
    assert stored_originals(settings) == stored


@pytest.mark.parametrize(
    "data, filename, message",
    [
        (b"", "empty.txt", "The submitted file is empty."),
        (b"   \n\n  \n", "blank.txt", "The file is empty."),
        (
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
            "paper.txt",
            "This file is a PDF document, not a text transcript.",
        ),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10",
            "photo.txt",
            "This file is a PNG image, not a text transcript.",
        ),
        (
            GERMAN.encode("cp1252"),
            "german.txt",
            "Read as gb18030, this file has",
        ),
        (ENGLISH.encode(), "robots.pdf", "“robots.pdf” is not a transcript file: upload a text (.txt, .md, .html)"),
        # .docx is a transcript suffix now; a file that only claims to be one is refused by content.
        (b"PK\x03\x04not really a zip", "robots.docx", "ZIP archive"),
    ],
    ids=["empty", "whitespace", "pdf", "png", "wrong-encoding", "pdf-extension", "docx-extension"],
)
def test_bad_file_is_rejected_with_a_message(editor_client, settings, data, filename, message):
    before = row_counts()
    # The wrong-encoding case: German saved as cp1252, read as GB18030 because the editor said so.
    details = {"encoding": "gb18030", "language": "de"} if filename == "german.txt" else {}
    assert_rejected(upload(editor_client, data, filename=filename, **details), message, before, settings)


def test_file_with_more_turns_than_a_request_can_write_is_refused(editor_client, settings, monkeypatch):
    """The limit that keeps a confirm within the worker timeout (interviews.ingest.MAX_TURNS),
    lowered here so the file stays small: refused at upload, before any preview."""
    from interviews import ingest

    monkeypatch.setattr(ingest, "MAX_TURNS", 5)
    before = row_counts()
    assert_rejected(
        upload(editor_client, ENGLISH), "The file has 6 turns; a transcript may have at most 5", before, settings
    )


def test_missing_file_is_asked_for(editor_client, settings):
    before = row_counts()
    assert_rejected(
        editor_client.post(UPLOAD_URL, {"publisher": "x"}), "Choose a transcript file to upload.", before, settings
    )


def test_file_over_the_size_limit_is_refused_while_it_streams_in(editor_client, settings):
    settings.ARCHIVE_MAX_UPLOAD_BYTES = 2000
    before = row_counts()
    response = upload(editor_client, ENGLISH * 5, publisher="Kept after the file")
    assert_rejected(response, "The file is larger than 2.0\xa0KB, the largest transcript accepted.", before, settings)
    # Fields after the skipped file are still read: the editor's details survive.
    assert response.context["form"]["publisher"].value() == "Kept after the file"


def test_size_limit_holds_without_the_streaming_handler(editor_client, settings):
    """Should the upload handlers be reconfigured, the form still checks the size before reading."""
    settings.ARCHIVE_MAX_UPLOAD_BYTES = 2000
    settings.FILE_UPLOAD_HANDLERS = ["django.core.files.uploadhandler.MemoryFileUploadHandler"]
    before = row_counts()
    response = upload(editor_client, ENGLISH * 5)
    assert_rejected(response, "The file is 2.5\xa0KB; the largest transcript accepted is 2.0\xa0KB.", before, settings)


def test_duplicate_file_says_where_it_already_is(editor_client, settings, seeds):
    zh = seeds.transcripts.get(language="zh")
    before = row_counts()
    data = (SEEDS / "002_6d1c07194b677499.txt").read_bytes()
    response = upload(editor_client, data, filename="again.txt")
    assert_rejected(response, "This file is already in the archive as", before, settings)
    html = response.content.decode()
    assert f'href="{zh.get_absolute_url()}"' in html
    assert f'href="{reverse("admin:interviews_transcript_change", args=[zh.pk])}"' in html


@pytest.mark.parametrize("resave", ["crlf", "utf-16"])
def test_the_same_text_resaved_says_where_it_already_is(editor_client, settings, seeds, resave):
    zh = seeds.transcripts.get(language="zh")
    text = (SEEDS / "002_6d1c07194b677499.txt").read_text(encoding="utf-8")
    data = text.replace("\n", "\r\n").encode("utf-8") if resave == "crlf" else text.encode("utf-16")
    before = row_counts()
    response = upload(editor_client, data, filename="again.txt")
    assert_rejected(response, "This file is already in the archive as", before, settings)
    assert f'href="{zh.get_absolute_url()}"' in response.content.decode()


def test_html_with_scripts_is_sanitised_and_reported(editor_client):
    html_file = (
        "<html><head><title>Robots</title><style>p{color:red}</style></head><body>"
        "<script>alert('x')</script>"
        "<p><b>Interviewer:</b> What surprised you?</p>"
        '<p onclick="steal()"><b>Mara:</b> Touch mattered more than vision.</p>'
        "<p><b>Interviewer:</b> And next?</p><p><b>Mara:</b> Laundry.</p></body></html>"
    )
    page = preview_page(editor_client, upload(editor_client, html_file, filename="robots.html"))
    html = page.content.decode()
    assert "Removed 2 script/style elements and 1 event-handler attribute from the HTML." in html
    assert "alert(" not in html and "steal()" not in html
    confirm(editor_client, page, **{label_field(page, "Interviewer", "name"): "Jonas Host"})
    texts = list(Turn.objects.values_list("text", flat=True))
    assert texts == ["What surprised you?", "Touch mattered more than vision.", "And next?", "Laundry."]


def test_duplicate_found_only_at_confirm_is_reported_on_the_preview(editor_client, settings):
    page = preview_page(editor_client, upload(editor_client, ENGLISH))
    ingest_text(text=ENGLISH, filename="robots.txt", slug="elsewhere")  # another editor was faster
    before = row_counts()
    response = confirm(editor_client, page, **{label_field(page, "Interviewer", "name"): "Jonas Host"})
    assert response.status_code == 400
    assert "this file is already in the archive as" in response.content.decode()
    assert row_counts() == before
    assert len(staged_uploads(settings)) == 1  # the editor can still cancel or change the target


def test_new_interview_fields_conflict_with_a_chosen_interview(editor_client, settings, seeds):
    before = row_counts()
    response = upload(editor_client, ENGLISH, interview=str(seeds.pk), new_title="Another")
    assert_rejected(response, "Only for a new interview", before, settings)


def test_bad_dates_urls_and_languages_are_form_errors(editor_client, settings):
    before = row_counts()
    response = upload(editor_client, ENGLISH, published_on="yesterday", source_url="not a url", language="english!")
    html = response.content.decode()
    assert "Enter a valid date." in html and "Enter a valid URL." in html
    assert_rejected(response, "Use a language code such as en, de or zh", before, settings)


# --- Staging is private and short-lived -------------------------------------------------------------


def test_unknown_or_malformed_token_goes_back_to_the_upload_form(editor_client):
    for token in ("A" * 32, "..", "x" * 31 + "."):
        response = editor_client.get(reverse("admin:interviews_transcript_upload_preview", args=[token]))
        assert response.status_code == 302 and response.url == UPLOAD_URL
    page = editor_client.get(UPLOAD_URL)
    assert "no longer waiting for confirmation" in page.content.decode()


def test_another_editors_upload_cannot_be_opened(editor_client, settings):
    response = upload(editor_client, ENGLISH)
    other = User.objects.create_user("other", password="x", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(other)
    page = client.get(response.url, follow=True)
    assert "started by another editor" in page.content.decode()


def test_a_staged_file_changed_on_disk_is_refused(editor_client, settings):
    response = upload(editor_client, ENGLISH)
    (token,) = staged_uploads(settings)
    data_file = next(p for p in (settings.ARCHIVE_STAGING_DIR / token).iterdir() if p.name != "upload.json")
    data_file.write_bytes(b"Host: evil\n\nGuest: text\n")
    page = editor_client.get(response.url, follow=True)
    assert "changed on disk" in page.content.decode()


def test_old_staged_uploads_are_cleaned(editor_client, settings):
    upload(editor_client, ENGLISH)
    (token,) = staged_uploads(settings)
    old = time.time() - 2 * 24 * 3600
    os.utime(settings.ARCHIVE_STAGING_DIR / token, (old, old))
    assert clean_staging() == 1
    assert staged_uploads(settings) == []


# --- The kept original --------------------------------------------------------------------------


def test_original_file_is_shown_and_downloadable_by_staff(editor_client, admin_user):
    page = preview_page(editor_client, upload(editor_client, ENGLISH, filename="robots talk.txt"))
    confirm(editor_client, page, **{label_field(page, "Interviewer", "name"): "Jonas Host"})
    transcript = Transcript.objects.get()
    change = editor_client.get(reverse("admin:interviews_transcript_change", args=[transcript.pk])).content.decode()
    download_url = reverse("admin:interviews_transcript_original", args=[transcript.pk])
    assert f'href="{download_url}"' in change and "robots talk.txt" in change
    assert admin_user.username in change  # uploaded by
    response = editor_client.get(download_url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == ENGLISH.encode()
    assert response["Content-Disposition"].startswith("attachment;")
    assert Client().get(download_url).status_code == 302  # anonymous: to the login page


# --- Who may upload ------------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_the_login_page(client, settings):
    before = row_counts()
    response = client.post(UPLOAD_URL, {"file": SimpleUploadedFile("a.txt", ENGLISH.encode())})
    assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))
    assert row_counts() == before and staged_uploads(settings) == []


def test_staff_without_permission_to_add_transcripts_is_refused(settings):
    user = User.objects.create_user("intern", password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_transcript"))
    client = Client()
    client.force_login(user)
    assert client.get(UPLOAD_URL).status_code == 403
    assert upload(client, ENGLISH).status_code == 403
    assert staged_uploads(settings) == []


def test_upload_without_csrf_token_is_refused(admin_user, settings):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    before = row_counts()
    response = upload(client, ENGLISH)
    assert response.status_code == 403
    assert row_counts() == before and staged_uploads(settings) == []


def test_confirm_without_csrf_token_is_refused(admin_user, editor_client):
    page = preview_page(editor_client, upload(editor_client, ENGLISH))
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    response = client.post(page.request["PATH_INFO"], {**form_data(page), "action": "confirm"})
    assert response.status_code == 403
    assert Transcript.objects.count() == 0


def test_login_is_locked_after_repeated_failures(client, settings):
    User.objects.create_superuser("chief", password="right-password-123")
    login = reverse("admin:login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(login, {"username": "chief", "password": "wrong"})
        assert (
            response.status_code == 200
            and "Please enter the correct username and password" in response.content.decode()
        )
    response = client.post(login, {"username": "chief", "password": "wrong"})
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    # Locked means locked: even the right password waits for the cool-off.
    response = client.post(login, {"username": "chief", "password": "right-password-123"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_successful_login_resets_the_failure_count(client, settings):
    User.objects.create_superuser("chief", password="right-password-123")
    login = reverse("admin:login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(login, {"username": "chief", "password": "wrong"})
    assert client.post(login, {"username": "chief", "password": "right-password-123"}).status_code == 302
    client.logout()
    response = client.post(login, {"username": "chief", "password": "wrong"})
    assert response.status_code == 200


def test_forwarded_address_is_trusted_only_behind_configured_proxies(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    settings.ARCHIVE_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.2"
    settings.ARCHIVE_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.9"  # what our proxy saw; the client wrote the rest
    request.META["HTTP_X_FORWARDED_FOR"] = "not-an-address"
    assert client_ip(request) == "10.0.0.2"


# --- Editing speakers and turns ------------------------------------------------------------------


def test_merging_speakers_moves_turns_and_redirects_the_old_page(editor_client, seeds):
    aidan = Speaker.objects.get(name="Aidan Gomez")
    twin = Speaker.objects.create(name="A. Gomez", slug="a-gomez", aliases=["AG"], bio="Cohere co-founder.")
    moved = list(aidan.turns.filter(transcript__language="zh").values_list("pk", flat=True))
    Turn.objects.filter(pk__in=moved).update(speaker=twin)
    Participant.objects.create(interview=seeds, speaker=twin, role="guest")
    IndexTask.objects.all().delete()

    changelist = reverse("admin:interviews_speaker_changelist")
    selected = {"action": "merge_speakers", "_selected_action": [str(aidan.pk), str(twin.pk)]}
    confirm_page = editor_client.post(changelist, selected)
    assert confirm_page.status_code == 200 and "Merge into the chosen speaker" in confirm_page.content.decode()
    assert "They speak to each other in" in confirm_page.content.decode()  # both are in the seed interview
    assert Speaker.objects.filter(pk=twin.pk).exists()  # nothing happens before the editor confirms

    response = editor_client.post(changelist, {**selected, "post": "yes", "keep": str(aidan.pk)})
    assert response.status_code == 302
    aidan.refresh_from_db()
    assert not Speaker.objects.filter(pk=twin.pk).exists()
    assert set(Turn.objects.filter(pk__in=moved).values_list("speaker_id", flat=True)) == {aidan.pk}
    assert seeds.participants.filter(speaker=aidan).count() == 1
    assert "A. Gomez" in aidan.aliases and "AG" in aidan.aliases
    old_page = editor_client.get("/speakers/a-gomez/")
    assert old_page.status_code == 301 and old_page.url == aidan.get_absolute_url()
    # All moved turns are reindexed, in one batch written with the merge.
    keys = set(Turn.objects.filter(pk__in=moved).values_list("key", flat=True))
    assert set(IndexTask.objects.values_list("turn_key", flat=True)) == keys and len(keys) == len(moved)


def test_merge_needs_two_speakers(editor_client, seeds):
    aidan = Speaker.objects.get(name="Aidan Gomez")
    response = editor_client.post(
        reverse("admin:interviews_speaker_changelist"),
        {"action": "merge_speakers", "_selected_action": [str(aidan.pk)]},
        follow=True,
    )
    assert "Select at least two speakers to merge." in response.content.decode()


def speaker_form(speaker, **changes):
    data = {
        "name": speaker.name,
        "slug": speaker.slug,
        "bio": speaker.bio,
        "aliases": str(speaker.aliases).replace("'", '"'),
        "redirects-TOTAL_FORMS": "0",
        "redirects-INITIAL_FORMS": "0",
        "_save": "Save",
    }
    data.update(changes)
    return data


def test_renaming_a_speaker_reindexes_their_turns(editor_client, seeds):
    harry = Speaker.objects.get(name="Harry Stebbings")
    IndexTask.objects.all().delete()
    url = reverse("admin:interviews_speaker_change", args=[harry.pk])
    response = editor_client.post(url, speaker_form(harry, name="Harry Stebbings (20VC)", bio="Host of 20VC."))
    assert response.status_code == 302, response.content.decode()[:3000]
    harry.refresh_from_db()
    assert harry.name == "Harry Stebbings (20VC)" and harry.bio == "Host of 20VC."
    assert set(IndexTask.objects.values_list("turn_key", flat=True)) == set(harry.turns.values_list("key", flat=True))


def test_changing_a_speakers_slug_keeps_the_old_address(editor_client, seeds):
    harry = Speaker.objects.get(name="Harry Stebbings")
    old = harry.get_absolute_url()
    editor_client.post(reverse("admin:interviews_speaker_change", args=[harry.pk]), speaker_form(harry, slug="harry"))
    response = editor_client.get(old)
    assert response.status_code == 301 and response.url == "/speakers/harry/"
    assert SpeakerRedirect.objects.get().speaker == harry


def test_a_slug_that_redirects_cannot_be_taken_by_another_speaker(editor_client, seeds):
    harry = Speaker.objects.get(name="Harry Stebbings")
    SpeakerRedirect.objects.create(old_slug="harry-s", speaker=harry)
    aidan = Speaker.objects.get(name="Aidan Gomez")
    response = editor_client.post(
        reverse("admin:interviews_speaker_change", args=[aidan.pk]), speaker_form(aidan, slug="harry-s")
    )
    assert response.status_code == 200
    assert "/speakers/harry-s/ already redirects to Harry Stebbings" in response.content.decode()


def test_editing_a_turn_reindexes_it(editor_client, seeds):
    turn = Turn.objects.filter(transcript__language="de").first()
    stranger = Speaker.objects.create(name="Guest Editor", slug="guest-editor")
    IndexTask.objects.all().delete()
    response = editor_client.post(
        reverse("admin:interviews_turn_change", args=[turn.pk]),
        {"label": turn.label, "speaker": str(stranger.pk), "text": "Korrigierter Text.", "_save": "Save"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    turn.refresh_from_db()
    assert turn.text == "Korrigierter Text." and turn.speaker == stranger
    assert list(IndexTask.objects.values_list("turn_key", "action")) == [(turn.key, "update")]
    assert seeds.participants.filter(speaker=stranger).exists()


def test_turns_cannot_be_added_or_deleted_by_hand(editor_client, seeds):
    turn = Turn.objects.first()
    assert editor_client.get(reverse("admin:interviews_turn_add")).status_code == 403
    assert editor_client.get(reverse("admin:interviews_turn_delete", args=[turn.pk])).status_code == 403
    change = editor_client.get(reverse("admin:interviews_turn_change", args=[turn.pk])).content.decode()
    assert 'class="deletelink"' not in change


def test_deleting_a_transcript_removes_its_turns_from_the_index(editor_client, seeds):
    de = seeds.transcripts.get(language="de")
    keys = set(de.turns.values_list("key", flat=True))
    IndexTask.objects.all().delete()
    response = editor_client.post(reverse("admin:interviews_transcript_delete", args=[de.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert set(IndexTask.objects.filter(action="delete").values_list("turn_key", flat=True)) == keys


def test_aliases_are_edited_one_per_line_in_any_script(editor_client, seeds):
    aidan = Speaker.objects.get(name="Aidan Gomez")
    url = reverse("admin:interviews_speaker_change", args=[aidan.pk])
    html = editor_client.get(url).content.decode()
    assert 'id="id_aliases">\nAidan\nGomez</textarea>' in html
    response = editor_client.post(url, speaker_form(aidan, aliases="Aidan\r\nGomez\r\n 艾丹·戈麦斯 \r\n\r\nGomez"))
    assert response.status_code == 302, response.content.decode()[:3000]
    aidan.refresh_from_db()
    assert aidan.aliases == ["Aidan", "Gomez", "艾丹·戈麦斯"]


def test_an_alias_added_in_the_admin_is_searchable_once_indexed(editor_client, seeds):
    from interviews.search import indexing
    from interviews.search.query import SearchParams, search

    assert search(SearchParams(q="艾丹·戈麦斯")).speakers == []
    aidan = Speaker.objects.get(name="Aidan Gomez")
    url = reverse("admin:interviews_speaker_change", args=[aidan.pk])
    editor_client.post(url, speaker_form(aidan, aliases="Aidan\nGomez\n艾丹·戈麦斯"))
    indexing.process_index_tasks()
    assert search(SearchParams(q="艾丹·戈麦斯")).speakers == [aidan]
