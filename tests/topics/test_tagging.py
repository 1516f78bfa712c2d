"""Topics in the database: tagging at ingest and retag, editors' decisions that survive both, and
loading the shipped vocabulary. The rules themselves are specified in test_rules.py."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from interviews.ingest import ingest_transcript
from interviews.models import IndexTask, Section, Topic, Transcript, Turn, TurnTopic
from interviews.topics.tagging import load_vocabulary, tag_turns
from interviews.topics.vocabulary import VOCABULARY_FILE, VocabularyError, merge_keywords, read_vocabulary
from tests.factories import SEEDS, ingest_text, make_source

# --- Tagging in the database ---------------------------------------------------------------------

EXCHANGES = """\
Funding

Host: How did you raise money for the company?

Guest: It was easy. We just asked.

Host: Why?

Guest: People liked our robots.

Host: And the weather?

Guest: Sunny, mostly.
"""


def topic_slugs(turn):
    return {topic.slug for topic in Turn.objects.get(pk=turn.pk).effective_topics()}


def turns_of(transcript):
    return list(transcript.turns.order_by("ordinal"))


@pytest.mark.django_db
def test_ingest_assigns_topics_by_the_rules():
    result = ingest_text()
    turns = turns_of(result.transcript)
    assert "data-quality" in topic_slugs(turns[1])
    assert "scaling-and-compute" in topic_slugs(turns[3])
    assert TurnTopic.objects.filter(source=TurnTopic.RULE).exists()


@pytest.mark.django_db
def test_ingest_shares_topics_between_a_question_and_its_answer():
    turns = turns_of(ingest_text(text=EXCHANGES).transcript)
    assert topic_slugs(turns[1]) == {"funding-and-investors"}  # "It was easy." answers a funding question
    assert topic_slugs(turns[2]) == {"robotics"}  # "Why?" is about what its answer talks about
    assert topic_slugs(turns[4]) == topic_slugs(turns[5]) == set()


@pytest.mark.django_db
def test_ingest_loads_the_shipped_vocabulary_into_an_empty_database():
    assert not Topic.objects.exists()
    ingest_text()
    assert Topic.objects.count() == len(read_vocabulary())


def _decide(turn, slug, source):
    TurnTopic.objects.update_or_create(turn=turn, topic=Topic.objects.get(slug=slug), defaults={"source": source})


@pytest.mark.django_db
def test_retag_replaces_rule_topics_and_keeps_editor_decisions():
    turns = turns_of(ingest_text().transcript)
    answer = turns[1]  # "Data quality matters more than anything else…"
    _decide(answer, "data-quality", TurnTopic.REMOVED)
    _decide(answer, "open-source", TurnTopic.ADDED)
    Topic.objects.filter(slug="robotics").update(keywords={"en": ["cleaning"]})  # a rule editors just added

    call_command("retag", stdout=io.StringIO())

    assert "data-quality" not in topic_slugs(answer)
    assert {"open-source", "robotics"} <= topic_slugs(answer)
    assert set(
        TurnTopic.objects.filter(turn=answer).exclude(source=TurnTopic.RULE).values_list("topic__slug", "source")
    ) == {
        ("data-quality", TurnTopic.REMOVED),
        ("open-source", TurnTopic.ADDED),
    }


@pytest.mark.django_db
def test_editor_decisions_survive_reingest_of_a_corrected_file():
    source = make_source()
    turns = turns_of(ingest_transcript(source).transcript)
    _decide(turns[1], "data-quality", TurnTopic.REMOVED)
    _decide(turns[3], "robotics", TurnTopic.ADDED)

    corrected = (
        source.data.decode().replace("anything else", "anythin else").replace("dumbest", "dumbest (and costliest)")
    )
    result = ingest_transcript(make_source(text=corrected))

    assert result.status == "updated" and result.turns_edited == 2
    kept = turns_of(result.transcript)
    assert kept[1].key == turns[1].key and kept[3].key == turns[3].key
    assert "data-quality" not in topic_slugs(kept[1])
    assert "robotics" in topic_slugs(kept[3])
    assert "scaling-and-compute" in topic_slugs(kept[3])  # the rules still apply to the edited text


@pytest.mark.django_db
def test_changing_topics_queues_the_changed_turns_for_the_index():
    turns = turns_of(ingest_text().transcript)
    IndexTask.objects.all().delete()
    Topic.objects.filter(slug="robotics").update(keywords={"en": ["cleaning"]})

    result = tag_turns(turns)

    assert result.changed == [turns[1].key]
    assert list(IndexTask.objects.values_list("turn_key", flat=True)) == [turns[1].key]
    assert tag_turns(turns).changed == []  # nothing changed the second time, nothing queued


@pytest.mark.django_db
def test_retag_command_reports_progress_and_a_summary():
    ingest_text()
    out = io.StringIO()
    call_command("retag", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("[1/1] a-talk/en: 4 turns, 4 with a topic")
    assert lines[-1].startswith("4 turns tagged:") and "0 turns without a topic" in lines[-1]


@pytest.mark.django_db
def test_retag_one_interview_only_and_unknown_slug_is_an_error():
    ingest_text()
    ingest_text(slug="another-talk", filename="b.txt", text=EXCHANGES)
    out = io.StringIO()
    call_command("retag", "--interview", "another-talk", stdout=out)
    assert "another-talk/en" in out.getvalue() and "a-talk/en" not in out.getvalue()
    with pytest.raises(CommandError, match="no interview with the slug 'nope'"):
        call_command("retag", "--interview", "nope", stdout=io.StringIO())


# --- Loading the vocabulary ----------------------------------------------------------------------


def test_merge_keeps_editor_changes_and_applies_the_files():
    previous = ["daten*", "spam"]
    file = ["daten*", "duplikat*"]  # the file dropped spam, added duplikat*
    current = ["daten*", "spam", "crawl*"]  # an editor added crawl*
    assert merge_keywords(current, previous, file) == ["daten*", "crawl*", "duplikat*"]
    assert merge_keywords(["spam"], previous, previous) == ["spam"]  # an editor's removal of daten* stays


def _write_vocabulary(path, topics):
    path.write_text(json.dumps({"topics": topics}, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.django_db
def test_load_topics_twice_changes_nothing_the_second_time():
    first, second = io.StringIO(), io.StringIO()
    call_command("load_topics", stdout=first)
    call_command("load_topics", stdout=second)
    count = len(read_vocabulary())
    assert f"Topics: {count} created, 0 updated, 0 unchanged" in first.getvalue()
    assert f"Topics: 0 created, 0 updated, {count} unchanged" in second.getvalue()
    assert Topic.objects.count() == count


@pytest.mark.django_db
def test_load_topics_never_deletes_topics_or_decisions_and_keeps_admin_edits(tmp_path):
    turn = turns_of(ingest_text().transcript)[1]
    Topic.objects.create(slug="made-in-admin", name_en="Made in the admin")
    _decide(turn, "data-quality", TurnTopic.REMOVED)
    data = Topic.objects.get(slug="data-quality")
    data.name_en, data.keywords["en"] = "Data", data.keywords["en"] + ["bad data point*"]  # an editor's edits
    data.save()
    entry = next(t for t in json.loads(VOCABULARY_FILE.read_text())["topics"] if t["slug"] == "data-quality")
    entry["keywords"]["en"] = ["data quality", "data provenance"]  # the file dropped some, added one
    vocabulary = _write_vocabulary(tmp_path / "topics.json", [entry])

    out = io.StringIO()
    call_command("load_topics", str(vocabulary), stdout=out)

    assert "0 created, 1 updated, 0 unchanged" in out.getvalue()
    data.refresh_from_db()
    assert data.name_en == "Data"
    assert data.keywords["en"] == ["data quality", "bad data point*", "data provenance"]
    assert Topic.objects.filter(slug="made-in-admin").exists()
    assert Topic.objects.count() == len(read_vocabulary()) + 1
    assert TurnTopic.objects.get(turn=turn, topic=data).source == TurnTopic.REMOVED
    assert "re-tagging existing turns" in out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "not a readable JSON vocabulary"),
        ('{"topics": [{"slug": "a", "name_en": "A"}, {"slug": "a", "name_en": "B"}]}', "appears twice"),
        ('{"topics": [{"slug": "a", "name_en": "A", "keywords": {"en": ["da*ta"]}}]}', "da\\*ta"),
        ('{"topics": [{"slug": "Not A Slug", "name_en": "A"}]}', "is not a slug"),
    ],
)
def test_bad_vocabulary_file_is_rejected_with_a_reason_and_loads_nothing(tmp_path, content, message):
    path = tmp_path / "topics.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("load_topics", str(path), stdout=io.StringIO())
    assert not Topic.objects.exists()


@pytest.mark.django_db
def test_load_vocabulary_raises_on_a_missing_file(tmp_path):
    with pytest.raises(VocabularyError, match="not a readable"):
        load_vocabulary(tmp_path / "missing.json")


# --- Coverage on the seeds -----------------------------------------------------------------------


@pytest.fixture
def seeds():
    call_command("ingest", str(SEEDS), stdout=io.StringIO())
    return {t.language: t for t in Transcript.objects.all()}


def _tagged(turns):
    return [turn for turn in turns if turn.effective_topics()]


@pytest.mark.django_db
def test_every_german_section_has_a_turn_with_a_topic(seeds):
    sections = Section.objects.filter(transcript=seeds["de"])
    assert sections.count() == 6
    for section in sections:
        assert _tagged(Turn.objects.filter(section=section).with_topics()), section.heading


@pytest.mark.django_db
def test_at_least_80_percent_of_seed_turns_carry_a_topic(seeds):
    turns = list(Turn.objects.with_topics().select_related("transcript"))
    assert len(_tagged(turns)) >= 0.8 * len(turns)
    for transcript in seeds.values():
        own = [t for t in turns if t.transcript_id == transcript.pk]
        assert len(_tagged(own)) >= 0.8 * len(own), transcript.language


@pytest.mark.django_db
def test_data_quality_is_found_in_german_and_chinese(seeds):
    languages = set(
        TurnTopic.objects.filter(topic__slug="data-quality").values_list("turn__transcript__language", flat=True)
    )
    assert {"de", "zh"} <= languages
