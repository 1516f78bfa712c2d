"""No dead ends in the upload preview: a file whose speaker labels the parser cannot find opens
in the preview with ways on (alternating speakers, a label pattern, one paragraph per turn), and
the way chosen is kept with the transcript for its corrected re-upload."""

import io
import json

import pytest
from django.core.management import call_command

from interviews.models import Speaker, Transcript
from tests.upload import test_admin as flow

pytestmark = pytest.mark.django_db

# No labels and no question marks: nothing the parser can take for a speaker change.
ESSAY = (
    "A talk about robots\n\n"
    "Welcome to the show. Tell us how the company started.\n\n"
    "It started in a garage, like most things do.\n\n"
    "And after the garage, the first office.\n\n"
    "Then we grew, slowly, with the first customers.\n"
)
BRACKETED = "A talk about robots\n\n[Ann] Note: we start now.\n\n[Bob] Note: fine by me.\n\n[Ann] Good.\n"


@pytest.fixture
def editor_client(admin_client):
    return admin_client


def confirm(client, page):
    """Confirm the preview as it stands; the queued job runs here, in the test's process."""
    response = client.post(page.request["PATH_INFO"], {**ways(page), "action": "confirm"})
    flow.run_queued_jobs()
    return response


def ways(page, **changes):
    """The preview's form as posted back, with the ways on as shown and then `changes`."""
    data = flow.form_data(page)
    form = page.context["options_form"]
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else value
    return {**data, **changes}


def update(client, page, action="preview", **changes):
    response = client.post(page.request["PATH_INFO"], {**ways(page, **changes), "action": action})
    assert response.status_code == 302, response.content.decode()[:3000]
    return client.get(response.url)


def said(page):
    return [(speaker, text) for speaker, _label, text in page.context["preview"].first_turns]


def test_a_file_without_labels_opens_in_the_preview_one_paragraph_per_turn(editor_client):
    page = flow.preview_page(editor_client, flow.upload(editor_client, ESSAY))
    html = page.content.decode()
    assert "The parser found no speaker labels" in html and "No speaker turns found" in html
    assert [row.label for row in page.context["preview"].rows] == ["¶ 1", "¶ 2", "¶ 3", "¶ 4", "¶ 5"]
    for way in ("alternating", "pattern", "paragraphs"):
        assert f'name="way" value="{way}"' in html


def test_alternating_speakers_starting_with_the_one_chosen(editor_client):
    page = flow.preview_page(editor_client, flow.upload(editor_client, ESSAY))
    page = update(editor_client, page, way="alternating", first="Hanna Host", second="Gita Guest", skip="1")
    assert said(page) == [
        ("Hanna Host", "Welcome to the show. Tell us how the company started."),
        ("Gita Guest", "It started in a garage, like most things do."),
        ("Hanna Host", "And after the garage, the first office."),
        ("Gita Guest", "Then we grew, slowly, with the first customers."),
    ]
    assert page.context["preview"].parsed.title == "A talk about robots"


def test_labels_look_like_a_pattern_the_editor_types(editor_client):
    page = flow.preview_page(editor_client, flow.upload(editor_client, BRACKETED))
    assert [row.label for row in page.context["preview"].rows] == ["¶ 1", "¶ 2", "¶ 3", "¶ 4"]
    page = update(editor_client, page, way="pattern", pattern="[NAME]")
    assert said(page) == [("Ann", "Note: we start now."), ("Bob", "Note: fine by me."), ("Ann", "Good.")]


@pytest.mark.parametrize(
    "pattern, refusal",
    [
        ("", "Type what a label looks like"),
        ("NAME: " + "x" * 25, "Ensure this value has at most 30 characters"),
        ("Speaker:", "needs NAME"),
        ("NAME and NAME", "use NAME once"),
    ],
    ids=["empty", "too-long", "no-placeholder", "two-placeholders"],
)
def test_a_pattern_it_cannot_use_is_refused_and_the_last_way_still_shows(editor_client, pattern, refusal):
    page = flow.preview_page(editor_client, flow.upload(editor_client, ESSAY))
    response = editor_client.post(
        page.request["PATH_INFO"], {**ways(page, way="pattern", pattern=pattern), "action": "preview"}
    )
    assert response.status_code == 200
    assert refusal in response.content.decode()
    assert len(response.context["preview"].rows) == 5  # still one paragraph per turn


def test_a_pattern_that_matches_no_line_says_so(editor_client):
    page = flow.preview_page(editor_client, flow.upload(editor_client, ESSAY))
    response = editor_client.post(
        page.request["PATH_INFO"], {**ways(page, way="pattern", pattern="NAME:"), "action": "preview"}
    )
    html = response.content.decode()
    assert "No line starts with a label like “NAME:”" in html
    assert "The preview shows the file read the way it was before." in html


def test_one_paragraph_per_turn_then_pick_the_speakers(editor_client):
    page = flow.preview_page(editor_client, flow.upload(editor_client, ESSAY))
    page = update(editor_client, page, way="paragraphs", skip="1")
    names = {"¶ 1": "Hanna Host", "¶ 2": "Gita Guest", "¶ 3": "Hanna Host", "¶ 4": "Gita Guest"}
    picks = {flow.label_field(page, label, "name"): name for label, name in names.items()}
    page = update(editor_client, page, **picks)
    response = confirm(editor_client, page)
    assert response.status_code == 302, response.content.decode()[:2000]
    transcript = Transcript.objects.get()
    assert [turn.speaker.name for turn in transcript.turns.order_by("ordinal")] == list(names.values())
    assert transcript.parse_options == {"way": "paragraphs", "skip": 1}


def test_changing_the_way_and_confirming_at_once_asks_to_check_first(editor_client):
    page = flow.preview_page(editor_client, flow.upload(editor_client, ESSAY))
    response = editor_client.post(
        page.request["PATH_INFO"],
        {**ways(page, way="alternating", first="Q", second="A"), "action": "confirm"},
    )
    assert Transcript.objects.count() == 0
    assert "check the turns, then confirm again" in editor_client.get(response.url).content.decode()


def test_a_corrected_reupload_is_read_the_way_the_editor_chose(editor_client):
    page = flow.preview_page(editor_client, flow.upload(editor_client, ESSAY, language="en"))
    page = update(editor_client, page, way="alternating", first="Hanna Host", second="Gita Guest", skip="1")
    response = confirm(editor_client, page)
    assert response.status_code == 302
    transcript = Transcript.objects.get()
    assert transcript.parse_options == {"way": "alternating", "speakers": ["Hanna Host", "Gita Guest"], "skip": 1}

    corrected = ESSAY.replace("like most things do", "as most things do")
    page = flow.preview_page(
        editor_client,
        flow.upload(editor_client, corrected, filename="v2.txt", interview=str(transcript.interview.pk), language="en"),
    )
    preview = page.context["preview"]
    assert preview.replaces == transcript
    assert said(page)[1] == ("Gita Guest", "It started in a garage, as most things do.")
    assert page.context["options_form"]["way"].value() == "alternating"
    assert "The parser found no speaker labels" not in page.content.decode()
    assert preview.changes.kept == 3 and len(preview.changes.edited) == 1


def test_the_ingest_command_reads_the_same_options_from_the_manifest(tmp_path):
    (tmp_path / "talk.txt").write_text(ESSAY, encoding="utf-8")
    manifest = {
        "interview": {"title": "A talk about robots"},
        "transcripts": [
            {"file": "talk.txt", "language": "en", "parse_options": {"way": "pattern", "pattern": "NAME:"}}
        ],
    }
    (tmp_path / "talk.json").write_text(json.dumps(manifest), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("ingest", str(tmp_path / "talk.json"), stdout=io.StringIO(), stderr=err)
    assert "No line starts with a label like “NAME:”" in err.getvalue()

    manifest["transcripts"][0]["parse_options"] = {"way": "alternating", "speakers": ["Q", "A"], "skip": 1}
    (tmp_path / "talk.json").write_text(json.dumps(manifest), encoding="utf-8")
    call_command("ingest", str(tmp_path / "talk.json"), stdout=io.StringIO())
    transcript = Transcript.objects.get()
    assert [t.speaker.name for t in transcript.turns.order_by("ordinal")] == ["Q", "A", "Q", "A"]
    assert transcript.parse_options == {"way": "alternating", "speakers": ["Q", "A"], "skip": 1}


def test_a_manifest_with_options_the_parser_refuses_names_the_file(tmp_path):
    (tmp_path / "talk.txt").write_text(ESSAY, encoding="utf-8")
    manifest = {
        "interview": {"title": "A talk"},
        "transcripts": [{"file": "talk.txt", "parse_options": {"way": "pattern", "pattern": "NAME NAME"}}],
    }
    (tmp_path / "talk.json").write_text(json.dumps(manifest), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("ingest", str(tmp_path / "talk.json"), stdout=io.StringIO(), stderr=err)
    assert "talk.json (talk.txt): The label pattern can name one speaker" in err.getvalue()


def test_a_reupload_that_no_longer_fits_the_remembered_way_is_read_afresh_with_a_warning(editor_client):
    page = flow.preview_page(editor_client, flow.upload(editor_client, BRACKETED, language="en"))
    page = update(editor_client, page, way="pattern", pattern="[NAME]")
    confirm(editor_client, page)
    transcript = Transcript.objects.get()
    assert transcript.parse_options == {"way": "pattern", "pattern": "[NAME]"}

    relabelled = "A talk about robots\n\nAnn: We start now.\n\nBob: Fine by me.\n\nAnn: Good.\n"
    page = flow.preview_page(
        editor_client,
        flow.upload(
            editor_client, relabelled, filename="v2.txt", interview=str(transcript.interview.pk), language="en"
        ),
    )
    assert said(page) == [("Ann", "We start now."), ("Bob", "Fine by me."), ("Ann", "Good.")]
    assert "was read another way, which does not fit this file" in page.content.decode()
    assert page.context["options_form"]["way"].value() == ""


def test_a_corrected_reupload_read_one_paragraph_per_turn_suggests_who_said_each_paragraph(editor_client):
    page = flow.preview_page(editor_client, flow.upload(editor_client, ESSAY, language="en"))
    page = update(editor_client, page, way="paragraphs", skip="1")
    names = {"¶ 1": "Hanna Host", "¶ 2": "Gita Guest", "¶ 3": "Hanna Host", "¶ 4": "Gita Guest"}
    page = update(editor_client, page, **{flow.label_field(page, label, "name"): n for label, n in names.items()})
    confirm(editor_client, page)
    transcript = Transcript.objects.get()

    corrected = ESSAY.replace("like most things do", "as most things do")
    page = flow.preview_page(
        editor_client,
        flow.upload(editor_client, corrected, filename="v2.txt", interview=str(transcript.interview.pk), language="en"),
    )
    form = page.context["mapping_form"]
    hanna, gita = (Speaker.objects.get(name=name) for name in ("Hanna Host", "Gita Guest"))
    assert form[flow.label_field(page, "¶ 1", "speaker")].value() == str(hanna.pk)
    assert form[flow.label_field(page, "¶ 4", "speaker")].value() == str(gita.pk)
    assert form[flow.label_field(page, "¶ 2", "speaker")].value() == "new"  # its words changed: choose again


def test_the_ingest_command_reads_a_corrected_file_the_way_it_was_read_before(tmp_path):
    manifest = {
        "interview": {"slug": "robots", "title": "A talk about robots"},
        "transcripts": [
            {
                "file": "talk.txt",
                "slug": "en",
                "parse_options": {"way": "alternating", "speakers": ["Q", "A"], "skip": 1},
            }
        ],
    }
    (tmp_path / "talk.txt").write_text(ESSAY, encoding="utf-8")
    (tmp_path / "talk.json").write_text(json.dumps(manifest), encoding="utf-8")
    call_command("ingest", str(tmp_path / "talk.json"), stdout=io.StringIO())

    del manifest["transcripts"][0]["parse_options"]
    (tmp_path / "talk.json").write_text(json.dumps(manifest), encoding="utf-8")
    (tmp_path / "talk.txt").write_text(ESSAY.replace("like most things do", "as most things do"), encoding="utf-8")
    call_command("ingest", str(tmp_path / "talk.json"), stdout=io.StringIO())
    transcript = Transcript.objects.get()
    assert "as most things do" in transcript.turns.get(ordinal=1).text
    assert [t.speaker.name for t in transcript.turns.order_by("ordinal")] == ["Q", "A", "Q", "A"]
    assert transcript.parse_options == {"way": "alternating", "speakers": ["Q", "A"], "skip": 1}


def test_confirming_paragraphs_nobody_was_chosen_for_writes_nothing(editor_client):
    page = flow.preview_page(editor_client, flow.upload(editor_client, ESSAY))
    response = confirm(editor_client, page)
    assert response.status_code == 400
    assert "Choose who speaks in “¶ 1” (under Speakers) before confirming." in response.content.decode()
    assert Transcript.objects.count() == 0 and Speaker.objects.count() == 0
