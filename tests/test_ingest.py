"""Ingest: files become interviews, transcripts and turns, atomically and idempotently."""

import io
import json
import re
import shutil

import pytest
from django.core.management import call_command

from interviews.ingest import ingest_transcript, match_turns
from interviews.models import Interview, RemovedTurn, Speaker, Transcript, Turn
from interviews.sources import IngestError, collect_sources
from tests.factories import SEEDS, SHORT_INTERVIEW, ingest_text, make_source

pytestmark = pytest.mark.django_db


def table_counts():
    return [m.objects.count() for m in (Interview, Transcript, Turn, Speaker, RemovedTurn)]


def test_short_transcript_becomes_turns_with_resolved_speakers():
    result = ingest_text()
    assert result.status == "created"
    turns = list(result.transcript.turns.select_related("speaker"))
    assert [t.speaker.name for t in turns] == ["Hanna Host", "Gita Guest", "Hanna Host", "Gita Guest"]
    assert turns[1].text == (
        "Data quality matters more than anything else. One bad data point can change a model.\n\n"
        "We spend most of our time on cleaning."
    )
    assert turns[0].label == "Host"


def test_reingesting_the_same_file_changes_nothing():
    first = ingest_text()
    keys = list(first.transcript.turns.values_list("key", flat=True))
    second = ingest_text()
    assert second.status == "unchanged"
    assert list(second.transcript.turns.values_list("key", flat=True)) == keys
    assert Transcript.objects.count() == 1


def test_corrected_file_updates_in_place_and_keeps_keys_of_surviving_turns():
    first = ingest_text()
    old = {t.text: t.key for t in first.transcript.turns.all()}
    corrected = (
        SHORT_INTERVIEW.replace("the dumbest way", "the least clever way")
        .replace("Host: And compute?\n", "Host: And compute?\n\nGuest: Yes.\n\nHost: Really, compute?\n")
        .replace("Welcome to the show. ", "")
    )
    second = ingest_text(text=corrected)
    assert second.status == "updated"
    assert Transcript.objects.count() == 1
    turns = list(second.transcript.turns.order_by("ordinal"))
    assert len(turns) == 6
    by_text = {t.text: t.key for t in turns}
    # Unchanged turn keeps its key; lightly edited turns keep theirs too.
    assert by_text["And compute?"] == old["And compute?"]
    edited = next(t for t in turns if "least clever" in t.text)
    assert edited.key == old["Compute helps, but it is the dumbest way to improve a model."]
    assert turns[0].key == old["Welcome to the show. What matters most in training models?"]
    # Inserted turns get fresh keys.
    assert by_text["Yes."] not in old.values()
    assert [t.ordinal for t in turns] == list(range(6))


def test_removed_turn_key_is_remembered_as_gone():
    first = ingest_text()
    gone = first.transcript.turns.get(text="And compute?")
    shorter = SHORT_INTERVIEW.replace("Host: And compute?\n\n", "")
    ingest_text(text=shorter)
    assert not Turn.objects.filter(key=gone.key).exists()
    assert RemovedTurn.objects.get(key=gone.key).text == "And compute?"


def test_keys_are_the_same_on_a_fresh_install():
    """The same files ingested on another machine give the same permalinks."""
    keys = list(ingest_text().transcript.turns.values_list("key", flat=True))
    Interview.objects.all().delete()
    assert list(ingest_text().transcript.turns.values_list("key", flat=True)) == keys


def test_repeated_identical_turns_get_distinct_keys():
    text = "Host: Really?\n\nGuest: Yes.\n\nHost: Really?\n\nGuest: Yes.\n"
    turns = list(ingest_text(text=text).transcript.turns.all())
    assert len({t.key for t in turns}) == 4


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"caf\xe9 \xff\x80 na\xefve " * 50, "not valid text"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + bytes(range(256)), ""),
        (b"Just a paragraph of prose with no speakers at all.\n\nAnd another one.", "turn"),
    ],
    ids=["empty", "blank", "undecodable", "binary", "no-turns"],
)
def test_bad_file_is_rejected_with_a_reason_and_writes_nothing(data, message):
    before = table_counts()
    source = make_source()
    source.data = data
    with pytest.raises(IngestError) as excinfo:
        ingest_transcript(source)
    assert message in str(excinfo.value).lower()
    assert table_counts() == before


def test_failure_midway_rolls_back_everything(monkeypatch):
    """A crash after turns were written leaves no half-written transcript."""
    import interviews.ingest as ingest_module

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ingest_module.Turn.objects, "bulk_create", explode)
    before = table_counts()
    with pytest.raises(RuntimeError):
        ingest_text()
    assert table_counts() == before


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(document.domain)",
        "jav\tascript:alert(1)",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//evil.example/x",
        "example.org/no-scheme",
        "https://" + "a" * 600 + ".example",
    ],
)
@pytest.mark.parametrize("field", ["source_url", "original_url"])
def test_links_that_are_not_web_addresses_are_refused(field, url):
    """Manifests skip the admin's form validation; ingest must not let a script URL become a link."""
    source = make_source(source_url=url) if field == "source_url" else make_source()
    if field == "original_url":
        source.interview.original_url = url
    before = table_counts()
    with pytest.raises(IngestError, match=f"{field}.*(web address|characters long)"):
        ingest_transcript(source)
    assert table_counts() == before


def test_http_and_https_links_are_kept():
    source = make_source(source_url="https://example.org/a?b=c&d=<e>")
    source.interview.original_url = "http://example.org/watch?v=1"
    transcript = ingest_transcript(source).transcript
    assert transcript.source_url == "https://example.org/a?b=c&d=<e>"
    assert transcript.interview.original_url == "http://example.org/watch?v=1"


@pytest.mark.parametrize(
    "change, message",
    [
        ({"slug": "a b/<c>"}, "interview's slug 'a b/<c>' may hold only letters"),
        ({"slug": "x" * 101}, "interview's slug is 101 characters long; at most 100 fit"),
        ({"transcript_slug": "de/en"}, "transcript's slug 'de/en' may hold only"),
        ({"language": "de CH"}, "language 'de CH' is not a language code"),
        ({"publisher": "P" * 201}, "publisher is 201 characters long; at most 200 fit"),
        ({"translation": "robot"}, "translation 'robot' is not one of original, human, machine"),
        ({"translator_note": ["a", "list"]}, "translator_note must be text"),
    ],
)
def test_manifest_metadata_that_does_not_fit_is_refused(client, change, message):
    """A manifest is not checked by a form: a slug no URL can carry would break every page that
    links the interview, and PostgreSQL refuses over-long values mid-ingest."""
    transcript_fields = {k: v for k, v in change.items() if k not in ("slug", "transcript_slug", "language")}
    source = make_source(
        **{k: v for k, v in change.items() if k in ("slug", "transcript_slug", "language")}, **transcript_fields
    )
    before = table_counts()
    with pytest.raises(IngestError, match=re.escape(message)):
        ingest_transcript(source)
    assert table_counts() == before
    assert client.get("/").status_code == 200


def test_transcript_with_more_than_max_turns_is_refused():
    """20,001 one-line turns: refused with the count, nothing written (writing and indexing them
    would outlast the web worker's timeout)."""
    text = "A long talk\n\n" + "\n\n".join(f"{'Host' if i % 2 else 'Guest'}: turn {i}" for i in range(20_001))
    before = table_counts()
    with pytest.raises(IngestError, match="The file has 20,001 turns; a transcript may have at most 20,000"):
        ingest_text(text=text)
    assert table_counts() == before


def test_title_found_in_the_file_is_cut_to_fit():
    """A Markdown file whose first heading is a whole paragraph: still a transcript, its title cut."""
    text = "# " + "Very long heading " * 1000 + "\n\n" + SHORT_INTERVIEW.split("\n", 1)[1]
    transcript = ingest_text(text=text, title="").transcript
    assert len(transcript.title) == 500 and transcript.title.endswith("…")
    assert len(transcript.interview.title) <= 300


def test_same_bytes_under_another_interview_is_a_duplicate():
    ingest_text()
    with pytest.raises(IngestError, match="already in the archive"):
        ingest_text(slug="another-talk", title="Another talk")


RESAVED = {
    "crlf": SHORT_INTERVIEW.replace("\n", "\r\n").encode("utf-8"),
    "bom": b"\xef\xbb\xbf" + SHORT_INTERVIEW.encode("utf-8"),
    "utf-16": SHORT_INTERVIEW.encode("utf-16"),
    "trailing-spaces": SHORT_INTERVIEW.replace("\n", "  \n").encode("utf-8") + b"\n\n",
    "decomposed": SHORT_INTERVIEW.replace("Data", "Dat\u0061\u0301").encode("utf-8"),
}


@pytest.mark.parametrize("how", ["crlf", "bom", "utf-16", "trailing-spaces"])
def test_the_same_text_resaved_is_a_duplicate_that_names_the_transcript(how):
    """Line ends, a BOM, UTF-16 or trailing spaces do not make a second interview of one file."""
    first = ingest_text().transcript
    source = make_source(slug="another-talk", title="Another talk")
    source.data = RESAVED[how]
    with pytest.raises(IngestError, match=f"already in the archive as .*{re.escape(first.get_absolute_url())}"):
        ingest_transcript(source)
    assert Transcript.objects.count() == 1


def test_changed_text_is_not_a_duplicate():
    ingest_text()
    source = make_source(slug="another-talk", title="Another talk")
    source.data = RESAVED["decomposed"]  # "Datá" is a different word
    assert ingest_transcript(source).status == "created"


def test_migration_fills_the_text_hash_of_existing_transcripts():
    import importlib

    from django.apps import apps

    migration = importlib.import_module("interviews.migrations.0005_transcript_text_sha256")
    transcript = ingest_text().transcript
    expected = transcript.text_sha256
    Transcript.objects.update(text_sha256="")
    migration.fill_text_sha256(apps, None)
    transcript.refresh_from_db()
    assert len(expected) == 64 and transcript.text_sha256 == expected


def test_original_file_is_kept_byte_for_byte_with_its_hash():
    import hashlib

    result = ingest_text()
    with result.transcript.original_file.open("rb") as original:
        stored = original.read()
    assert stored == SHORT_INTERVIEW.encode()
    assert result.transcript.sha256 == hashlib.sha256(stored).hexdigest()


def test_original_cut_short_by_a_killed_ingest_is_written_again(settings):
    """An ingest killed while writing the original leaves a truncated file under the name the
    retry would use: the retry must store the whole file, not keep the torn one."""
    import hashlib

    data = SHORT_INTERVIEW.encode()
    torn = settings.MEDIA_ROOT / "originals" / f"{hashlib.sha256(data).hexdigest()}.txt"
    torn.parent.mkdir(parents=True)
    torn.write_bytes(data[:40])
    result = ingest_text()
    assert result.transcript.original_file.name == f"originals/{torn.name}"
    with result.transcript.original_file.open("rb") as original:
        assert original.read() == data


def test_match_turns_pairs_identical_and_lightly_edited_texts():
    old = ["Hello there.", "This is a long answer about compute.", "Bye."]
    new = ["Hello there.", "Inserted question?", "This is a long answer about compute!", "Bye."]
    assert match_turns(old, new) == [0, None, 1, 2]


def test_match_turns_does_not_pair_rewritten_text():
    assert match_turns(["Completely different words here."], ["Nothing alike at all, really."]) == [None]


# --- The seeds and the command --------------------------------------------------------------


def test_seed_directory_becomes_one_interview_with_two_transcripts(capsys):
    call_command("ingest", str(SEEDS))
    interview = Interview.objects.get()
    assert sorted(interview.transcripts.values_list("language", flat=True)) == ["de", "zh"]
    de = interview.transcripts.get(language="de")
    zh = interview.transcripts.get(language="zh")
    assert de.turns.count() == 74 and de.sections.count() == 6
    assert zh.turns.count() == 125
    assert de.turns.filter(speaker__name="Harry Stebbings").count() == 37
    assert zh.turns.filter(speaker__name="Aidan Gomez").count() == 62
    assert set(interview.participants.values_list("speaker__name", "role")) == {
        ("Harry Stebbings", "host"),
        ("Aidan Gomez", "guest"),
    }
    out = capsys.readouterr().out
    assert "created (74 turns)" in out and "created (125 turns)" in out
    assert "2 created, 0 updated, 0 unchanged, 0 failed" in out


def test_seed_turns_carry_no_page_chrome():
    call_command("ingest", str(SEEDS))
    for junk in ["![](", "有新Newin", "公众号", "Videoadresse", "youtube.com", "StartupGrind", "报名"]:
        assert not Turn.objects.filter(text__contains=junk).exists(), junk


def test_second_run_of_the_command_reports_unchanged(capsys):
    call_command("ingest", str(SEEDS))
    capsys.readouterr()
    call_command("ingest", str(SEEDS))
    assert "0 created, 0 updated, 2 unchanged, 0 failed" in capsys.readouterr().out


def test_the_command_advises_compacting_an_index_in_many_segments(monkeypatch, capsys):
    from interviews.search import indexing
    from interviews.search.engines import engine

    call_command("ingest", str(SEEDS))
    assert "rebuild_index" not in capsys.readouterr().out  # a small archive: nothing to advise
    segments = len(engine().segment_sizes())
    assert segments >= 1
    monkeypatch.setattr(indexing, "COMPACT_ABOVE", segments - 1)
    call_command("ingest", str(SEEDS))
    assert "rebuild_index" not in capsys.readouterr().out  # segments of a few turns: merged as they come
    monkeypatch.setattr(indexing, "SMALL_SEGMENT", 1)
    call_command("ingest", str(SEEDS))
    out = capsys.readouterr().out
    assert f"the search index is in {segments} segments of 1 turns or more: `manage.py rebuild_index` compacts" in out


def test_directory_with_one_bad_file_ingests_the_good_ones(tmp_path, capsys):
    shutil.copytree(SEEDS, tmp_path / "t")
    (tmp_path / "t" / "broken.txt").write_bytes(b"\x00\x01\x02binary\x00" * 100)
    with pytest.raises(SystemExit) as exit_info:
        call_command("ingest", str(tmp_path / "t"))
    assert exit_info.value.code == 1
    assert Transcript.objects.count() == 2
    captured = capsys.readouterr()
    assert "broken.txt: error:" in captured.err
    assert "Traceback" not in captured.err


def test_manifest_naming_a_missing_file_is_an_error(tmp_path, capsys):
    manifest = {"interview": {"slug": "x", "title": "X"}, "transcripts": [{"file": "nope.txt"}]}
    (tmp_path / "x.json").write_text(json.dumps(manifest))
    with pytest.raises(SystemExit):
        call_command("ingest", str(tmp_path / "x.json"))
    assert "does not exist: 'nope.txt'" in capsys.readouterr().err
    assert Interview.objects.count() == 0


def test_dry_run_json_prints_the_parse_and_writes_nothing(capsys):
    call_command("ingest", str(SEEDS / "000_e58124e1a5d85d21.txt"), dry_run=True, json=True)
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"title", "language", "description", "speakers", "sections", "turns"}
    assert data["language"] == "de"
    assert len(data["turns"]) == 74
    assert data["turns"][0]["speaker"] == "Harry Stebbings"
    assert data["turns"][0]["section"] == data["sections"][0]["heading"]
    assert {"name": "Harry Stebbings", "label": "Q", "role": "host"} in data["speakers"]
    assert Interview.objects.count() == 0


def test_dry_run_works_on_a_file_without_metadata(tmp_path, capsys):
    path = tmp_path / "bare.txt"
    path.write_text(SHORT_INTERVIEW)
    call_command("ingest", str(path), dry_run=True, json=True)
    data = json.loads(capsys.readouterr().out)
    assert [t["speaker"] for t in data["turns"]] == ["Host", "Guest", "Host", "Guest"]
    assert data["language"] == "en"


def test_file_without_metadata_is_ingested_under_its_own_title(tmp_path):
    path = tmp_path / "bare.txt"
    path.write_text(SHORT_INTERVIEW)
    sources, errors = collect_sources([path])
    assert not errors
    result = ingest_transcript(sources[0][1])
    assert result.transcript.interview.title == "A talk about data"
    assert result.transcript.language == "en"


def test_new_key_that_collides_with_a_removed_one_is_lengthened():
    """A permalink that once answered 410 never comes back pointing at different words."""
    first = ingest_text()
    keys = list(first.transcript.turns.order_by("ordinal").values_list("key", flat=True))
    Interview.objects.all().delete()
    taken = keys[0]
    RemovedTurn.objects.create(
        key=taken,
        transcript=ingest_text(
            slug="other", title="Other", text=SHORT_INTERVIEW.replace("show", "programme")
        ).transcript,
        text="old words",
    )
    again = list(ingest_text().transcript.turns.order_by("ordinal").values_list("key", flat=True))
    assert again[0] != taken and again[0].startswith(taken) and len(again[0]) == 9
    assert again[1:] == keys[1:]


def test_ingest_command_leaves_every_turn_searchable_and_no_index_work_pending():
    """Bulk loads apply index work in batches; when the command ends, all of it is applied."""
    from interviews.models import IndexTask
    from interviews.search import indexing

    call_command("ingest", str(SEEDS), stdout=io.StringIO())
    assert IndexTask.objects.count() == 0
    report = indexing.check_index()
    assert report.missing == [] and report.ghosts == [] and report.documents == 199
