"""Export and import: a backup that restores the archive exactly, permalinks included."""

import io
import json
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils.html import escape

from interviews.backup import archive_models
from interviews.ingest import ingest_transcript
from interviews.models import IndexTask, Interview, Topic, Transcript, Turn, TurnAlignment, TurnTopic
from tests.factories import SEEDS, SHORT_INTERVIEW, ingest_text, make_source

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive():
    """The seeds plus everything an editor can decide: topics added and removed, alignments
    confirmed and rejected, a turn removed by a corrected re-ingest, an upload by a user."""
    call_command("ingest", str(SEEDS), stdout=io.StringIO())
    editor = get_user_model().objects.create_user("editor", password="x" * 12)
    short = ingest_transcript(make_source(), uploaded_by=editor).transcript
    ingest_text(text=SHORT_INTERVIEW.replace("Host: And compute?\n\n", ""))
    data = Topic.objects.create(slug="data", name_en="Data", name_de="Daten", name_zh="数据", keywords={"en": ["data"]})
    compute = Topic.objects.create(slug="compute", name_en="Compute", keywords={"en": ["compute"]})
    de = Turn.objects.filter(transcript__language="de").order_by("ordinal")
    zh = Turn.objects.filter(transcript__language="zh").order_by("ordinal")
    TurnTopic.objects.create(turn=de[1], topic=data, source=TurnTopic.RULE)
    TurnTopic.objects.create(turn=de[2], topic=data, source=TurnTopic.ADDED)
    TurnTopic.objects.create(turn=de[3], topic=compute, source=TurnTopic.REMOVED)
    TurnAlignment.objects.create(source=de[1], target=zh[1], confidence=0.91, status=TurnAlignment.CONFIRMED)
    TurnAlignment.objects.create(source=de[2], target=zh[5], confidence=0.42, status=TurnAlignment.REJECTED)
    TurnAlignment.objects.create(source=de[3], target=zh[3], confidence=0.77)
    return short


def snapshot() -> dict:
    """Every row of every archive model, and every stored original's bytes."""
    rows = {
        model._meta.label: serializers.serialize("python", model.objects.order_by("pk"), use_natural_foreign_keys=True)
        for model in archive_models()
    }
    files = {}
    for transcript in Transcript.objects.all():
        with default_storage.open(transcript.original_file.name) as stored:
            files[transcript.original_file.name] = stored.read()
    return {"rows": rows, "files": files}


def wipe():
    """An empty instance: database flushed (ids restart at 1), stored files gone."""
    if connection.vendor == "postgresql":
        # The test's own inserts left deferred foreign-key checks pending; TRUNCATE refuses to
        # run past them, so fire them now.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", "--noinput", verbosity=0)
    for name in default_storage.listdir("originals")[1]:
        default_storage.delete(f"originals/{name}")


def test_export_then_import_restores_every_row_and_file(archive, tmp_path):
    before = snapshot()
    assert before["rows"]["interviews.TurnTopic"] and before["rows"]["interviews.RemovedTurn"]
    call_command("export", str(tmp_path / "backup.zip"), stdout=io.StringIO())
    wipe()
    get_user_model().objects.create_user("editor")
    assert Turn.objects.count() == 0 and not default_storage.listdir("originals")[1]

    call_command("import", str(tmp_path / "backup.zip"), stdout=io.StringIO())

    after = snapshot()
    assert after["rows"] == before["rows"]
    assert after["files"] == before["files"]
    assert Transcript.objects.get(slug="en").uploaded_by.username == "editor"


def test_permalinks_answer_the_same_after_a_restore(archive, tmp_path, client):
    turn = Turn.objects.filter(transcript__language="zh").order_by("ordinal")[7]
    removed_key = archive.removed_turns.get().key
    call_command("export", str(tmp_path / "backup.zip"), stdout=io.StringIO())
    wipe()
    call_command("import", str(tmp_path / "backup.zip"), stdout=io.StringIO())
    response = client.get(f"/q/{turn.key}/")
    assert response.status_code == 200 and escape(turn.paragraphs[0]) in response.content.decode()
    assert client.get(f"/q/{removed_key}/").status_code == 410


def test_import_queues_every_turn_for_the_search_index(archive, tmp_path):
    call_command("export", str(tmp_path / "backup.zip"), stdout=io.StringIO())
    wipe()
    call_command("import", str(tmp_path / "backup.zip"), stdout=io.StringIO())
    queued = set(IndexTask.objects.filter(action=IndexTask.UPDATE).values_list("turn_key", flat=True))
    assert queued == set(Turn.objects.values_list("key", flat=True))


def test_new_uploads_after_a_restore_get_fresh_ids(archive, tmp_path):
    """Restored rows keep their ids; what comes next must not collide with them."""
    call_command("export", str(tmp_path / "backup.zip"), stdout=io.StringIO())
    wipe()
    call_command("import", str(tmp_path / "backup.zip"), stdout=io.StringIO())
    highest = Turn.objects.order_by("-pk").first().pk
    result = ingest_text(slug="another-talk", title="Another talk", text=SHORT_INTERVIEW.replace("data", "chips"))
    assert result.status == "created"
    assert min(result.transcript.turns.values_list("pk", flat=True)) > highest


def test_uploader_missing_on_the_new_instance_is_left_unattributed(archive, tmp_path):
    call_command("export", str(tmp_path / "backup.zip"), stdout=io.StringIO())
    wipe()
    out = io.StringIO()
    call_command("import", str(tmp_path / "backup.zip"), stdout=out)
    assert Transcript.objects.get(slug="en").uploaded_by is None
    assert "1 rows referred to user accounts this instance does not have" in out.getvalue()


def test_export_reports_progress_and_writes_a_versioned_manifest(archive, tmp_path):
    out = io.StringIO()
    call_command("export", str(tmp_path / "backup.zip"), stdout=out)
    assert f"interviews.turn: {Turn.objects.count()}" in out.getvalue()
    topic_rows = TurnTopic.objects.count()
    assert topic_rows > 3  # the editor's decisions and the rules' topics
    assert f"interviews.turntopic: {topic_rows}" in out.getvalue()
    assert "originals: 3 files" in out.getvalue()  # the two seeds and the short talk as corrected
    with zipfile.ZipFile(tmp_path / "backup.zip") as backup:
        manifest = json.loads(backup.read("manifest.json"))
        assert manifest["format_version"] == 1
        assert manifest["counts"]["interviews.turntopic"] == topic_rows
        for entry in manifest["files"]:
            assert entry["member"] == f"originals/{entry['sha256']}.txt"
            assert entry["member"] in backup.namelist()


def test_import_into_an_archive_with_data_is_refused(archive, tmp_path):
    call_command("export", str(tmp_path / "backup.zip"), stdout=io.StringIO())
    before = snapshot()
    with pytest.raises(CommandError, match="already holds data .*import only restores into an empty archive"):
        call_command("import", str(tmp_path / "backup.zip"), stdout=io.StringIO())
    assert snapshot() == before


def test_damaged_export_is_refused_before_anything_is_written(archive, tmp_path):
    call_command("export", str(tmp_path / "backup.zip"), stdout=io.StringIO())
    damaged = tmp_path / "damaged.zip"
    with zipfile.ZipFile(tmp_path / "backup.zip") as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.startswith("originals/"):
                data = data.replace(b"Aidan", b"Adrian", 1) if b"Aidan" in data else data + b"!"
            target.writestr(item, data)
    wipe()
    with pytest.raises(CommandError, match="is damaged: its sha256 does not match"):
        call_command("import", str(damaged), stdout=io.StringIO())
    assert Interview.objects.count() == 0
    assert not default_storage.listdir("originals")[1]


def test_a_file_that_is_not_an_export_is_refused(tmp_path):
    (tmp_path / "notes.zip").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(CommandError, match="not a readable ZIP file"):
        call_command("import", str(tmp_path / "notes.zip"), stdout=io.StringIO())
    with zipfile.ZipFile(tmp_path / "other.zip", "w") as other:
        other.writestr("hello.txt", "hi")
    with pytest.raises(CommandError, match="no manifest.json"):
        call_command("import", str(tmp_path / "other.zip"), stdout=io.StringIO())


def test_export_from_a_newer_format_is_refused(archive, tmp_path):
    call_command("export", str(tmp_path / "backup.zip"), stdout=io.StringIO())
    newer = tmp_path / "newer.zip"
    with zipfile.ZipFile(tmp_path / "backup.zip") as source, zipfile.ZipFile(newer, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "manifest.json":
                data = json.dumps({**json.loads(data), "format_version": 2})
            target.writestr(item, data)
    wipe()
    with pytest.raises(CommandError, match="format version 2 is not supported"):
        call_command("import", str(newer), stdout=io.StringIO())


def test_export_with_rows_that_do_not_fit_is_refused_and_nothing_is_kept(archive, tmp_path):
    """A hand-edited export whose turn points at a speaker that is not in it."""
    call_command("export", str(tmp_path / "backup.zip"), stdout=io.StringIO())
    edited = tmp_path / "edited.zip"
    with zipfile.ZipFile(tmp_path / "backup.zip") as source, zipfile.ZipFile(edited, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "data/interviews.turn.jsonl":
                first, rest = data.split(b"\n", 1)
                row = json.loads(first)
                row["fields"]["speaker"] = 999
                data = json.dumps(row).encode() + b"\n" + rest
            target.writestr(item, data)
    wipe()
    with pytest.raises(CommandError, match="inconsistent|cannot be restored"):
        call_command("import", str(edited), stdout=io.StringIO())
    assert Interview.objects.count() == 0 and Turn.objects.count() == 0
    assert not default_storage.listdir("originals")[1]


def test_manifest_naming_a_file_outside_storage_is_refused(archive, tmp_path):
    call_command("export", str(tmp_path / "backup.zip"), stdout=io.StringIO())
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(tmp_path / "backup.zip") as source, zipfile.ZipFile(evil, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "manifest.json":
                manifest = json.loads(data)
                manifest["files"][0]["name"] = "../../settings.py"
                data = json.dumps(manifest)
            target.writestr(item, data)
    wipe()
    with pytest.raises(CommandError, match="outside the archive's storage"):
        call_command("import", str(evil), stdout=io.StringIO())
