"""Editors' topic work in the admin: keyword rules per language, and topics on one turn."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from interviews.ingest import ingest_transcript
from interviews.models import IndexTask, Topic, Turn, TurnTopic
from tests.factories import ingest_text, make_source

pytestmark = pytest.mark.django_db


def _topic_form_data(topic, **changes):
    data = {
        "name_en": topic.name_en,
        "name_de": topic.name_de,
        "name_zh": topic.name_zh,
        "slug": topic.slug,
        **{f"keywords_{lang}": "\n".join(topic.keywords.get(lang, [])) for lang in ("en", "de", "zh")},
    }
    data.update(changes)
    return data


def _slugs(turn):
    return {topic.slug for topic in Turn.objects.get(pk=turn.pk).effective_topics()}


def test_topic_form_shows_one_keyword_per_line_per_language(admin_client):
    ingest_text()
    topic = Topic.objects.get(slug="data-quality")
    html = admin_client.get(reverse("admin:interviews_topic_change", args=[topic.pk])).content.decode()
    assert 'name="keywords_de"' in html and 'name="keywords_zh"' in html
    assert "*datenqualitat*\nqualitat der daten" in html  # a textarea, one per line
    assert "数据质量" in html
    assert 'name="keywords"' not in html  # no raw JSON to get wrong


def test_editing_keywords_in_the_admin_retags_turns(admin_client):
    turn = ingest_text().transcript.turns.get(ordinal=3)  # "Compute helps, but it is the dumbest way…"
    topic = Topic.objects.get(slug="robotics")
    topic.keywords["fr"] = ["robot*"]  # a language the form does not show
    topic.save()
    assert "robotics" not in _slugs(turn)

    response = admin_client.post(
        reverse("admin:interviews_topic_change", args=[topic.pk]),
        _topic_form_data(topic, keywords_en="robot*\n\n  dumbest way  \nrobot*"),
        follow=True,
    )

    assert "Keyword rules applied" in response.content.decode()
    topic.refresh_from_db()
    assert topic.keywords["en"] == ["robot*", "dumbest way"]  # blank lines and repeats dropped
    assert topic.keywords["fr"] == ["robot*"]
    assert "robotics" in _slugs(turn)
    assert IndexTask.objects.filter(turn_key=turn.key).exists()


def test_bad_keyword_in_the_admin_is_explained_and_nothing_is_saved(admin_client):
    ingest_text()
    topic = Topic.objects.get(slug="robotics")
    response = admin_client.post(
        reverse("admin:interviews_topic_change", args=[topic.pk]),
        _topic_form_data(topic, keywords_de="roboter*\nro*bo"),
    )
    assert response.status_code == 200
    assert "Line 2: keyword" in response.content.decode()
    topic.refresh_from_db()
    assert "ro*bo" not in topic.keywords["de"]


def test_topic_list_shows_names_and_how_many_turns_carry_each_topic(admin_client):
    turns = list(ingest_text().transcript.turns.all())
    removed = turns[1]
    TurnTopic.objects.filter(turn=removed, topic__slug="data-quality").update(source=TurnTopic.REMOVED)
    TurnTopic.objects.create(turn=turns[3], topic=Topic.objects.get(slug="data-quality"), source=TurnTopic.ADDED)
    carrying = sum(1 for turn in turns if "data-quality" in _slugs(turn))
    html = admin_client.get(reverse("admin:interviews_topic_changelist")).content.decode()
    row = html[html.index("Data quality and synthetic data") :]
    row = row[: row.index("</tr>")]
    assert "Datenqualität und synthetische Daten" in row and "数据质量与合成数据" in row
    assert carrying >= 1
    assert f'<td class="field-turns">{carrying}</td>' in row


def _turn_form_data(turn, topics):
    return {
        "speaker": turn.speaker_id,
        "label": turn.label,
        "section": turn.section_id or "",
        "text": turn.text,
        "topics": [topic.pk for topic in topics],
    }


def test_turn_form_ticks_the_topics_a_turn_carries_and_says_why(admin_client):
    turn = ingest_text().transcript.turns.get(ordinal=1)
    response = admin_client.get(reverse("admin:interviews_turn_change", args=[turn.pk]))
    form = response.context["adminform"].form
    assert set(form.initial["topics"]) == {t.pk for t in turn.effective_topics()}
    html = response.content.decode()
    assert "Data quality and synthetic data: keyword rule (keywords: data quality" in html


def test_editor_adds_and_removes_topics_on_a_turn_and_the_choice_survives_retag_and_reingest(admin_client):
    source = make_source()
    turn = ingest_transcript(source).transcript.turns.get(ordinal=1)
    data_quality, robotics = Topic.objects.get(slug="data-quality"), Topic.objects.get(slug="robotics")
    assert data_quality in turn.effective_topics()
    IndexTask.objects.all().delete()

    keep = [t for t in turn.effective_topics() if t != data_quality]
    response = admin_client.post(
        reverse("admin:interviews_turn_change", args=[turn.pk]), _turn_form_data(turn, keep + [robotics])
    )

    assert response.status_code == 302
    assert TurnTopic.objects.get(turn=turn, topic=data_quality).source == TurnTopic.REMOVED
    assert TurnTopic.objects.get(turn=turn, topic=robotics).source == TurnTopic.ADDED
    assert list(IndexTask.objects.values_list("turn_key", flat=True)) == [turn.key]

    call_command("retag", stdout=io.StringIO())
    corrected = source.data.decode().replace("anything else", "anythin else")
    ingest_transcript(make_source(text=corrected))

    turn = Turn.objects.get(key=turn.key)
    assert "anythin else" in turn.text
    assert "data-quality" not in _slugs(turn) and "robotics" in _slugs(turn)


def test_ticking_a_removed_topic_again_restores_it(admin_client):
    turn = ingest_text().transcript.turns.get(ordinal=1)
    topic = Topic.objects.get(slug="data-quality")
    TurnTopic.objects.filter(turn=turn, topic=topic).update(source=TurnTopic.REMOVED)
    admin_client.post(
        reverse("admin:interviews_turn_change", args=[turn.pk]),
        _turn_form_data(turn, list(Turn.objects.get(pk=turn.pk).effective_topics()) + [topic]),
    )
    assert "data-quality" in _slugs(turn)


def test_editing_a_turns_text_in_the_admin_retags_it(admin_client):
    turn = ingest_text().transcript.turns.get(ordinal=3)
    data = _turn_form_data(turn, turn.effective_topics())
    data["text"] = "Robots will matter more than compute."
    admin_client.post(reverse("admin:interviews_turn_change", args=[turn.pk]), data)
    assert "robotics" in _slugs(turn)


def test_turns_cannot_be_added_by_hand(admin_client):
    """Turns come from ingest: the add page, which could never be saved, is not offered."""
    assert admin_client.get(reverse("admin:interviews_turn_add")).status_code == 403
