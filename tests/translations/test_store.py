"""Translations: links between the turns of an interview's transcripts, as stored, kept against
re-alignment, edited in the admin, and read side by side."""

import io
import json
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from interviews.models import Interview, Transcript, Turn, TurnAlignment
from interviews.translations.store import (
    POSSIBLE_MATCH_THRESHOLD,
    align_interview,
    also_in,
    first_per_transcript,
    translations_for,
    translations_for_keys,
)
from tests.factories import SEEDS, ingest_text
from tests.translations.test_align import EXCHANGES, SMALL_TALK

pytestmark = pytest.mark.django_db

GOLD = json.loads((Path(__file__).parent / "alignment" / "gold_de_zh.json").read_text(encoding="utf-8"))

# A small interview in two translations. The Chinese has two turns of small talk the German
# leaves out, and splits the last answer in two: German turn i says what Chinese turn i + 2
# says, and the last German turn what the last two Chinese turns say.
GPT_DE = (
    "Angeblich hatte das ursprüngliche GPT-4 1,7 Billionen Parameter und war ein riesiges "
    "Mixture-of-Experts-Modell. Heute sind Modelle mit nur 13 Milliarden Parametern besser, und die "
    "Kosten sinken unglaublich schnell."
)
GPT_ZH = [
    "据说最初的 GPT-4 有 1.7 万亿参数，是一个巨大的混合专家模型。",
    "如今只有 130 亿参数的模型就已经比它更好了，成本下降的速度简直不可思议。",
]
DE_ROWS = [(role, de) for role, de, _ in EXCHANGES[:9]] + [("guest", GPT_DE)]
ZH_ROWS = SMALL_TALK + [(role, zh) for role, _, zh in EXCHANGES[:9]] + [("guest", zh) for zh in GPT_ZH]
LABELS = {"host": "Host", "guest": "Guest"}


def transcript_text(rows, title):
    return title + "\n\n" + "\n\n".join(f"{LABELS[role]}: {text}" for role, text in rows) + "\n"


def ingest_german(rows=DE_ROWS):
    return ingest_text(
        text=transcript_text(rows, "Ein Gespräch"), filename="de.txt", language="de", transcript_slug="de"
    )


def ingest_chinese(rows=ZH_ROWS):
    return ingest_text(text=transcript_text(rows, "一次对话"), filename="zh.txt", language="zh", transcript_slug="zh")


@pytest.fixture
def bilingual():
    ingest_german()
    ingest_chinese()
    return Interview.objects.get(slug="a-talk")


@pytest.fixture
def seeds():
    call_command("ingest", str(SEEDS), stdout=io.StringIO())
    return Interview.objects.get()


def turn(language, ordinal):
    return Turn.objects.get(transcript__language=language, ordinal=ordinal)


def linked(language, ordinal):
    """Ordinals of the turns a reader is shown as saying the same as this one."""
    return sorted(t.turn.ordinal for t in translations_for([turn(language, ordinal)])[turn(language, ordinal).pk])


def row(source, target):
    return TurnAlignment.objects.get(source=source, target=target)


# --- Storing ------------------------------------------------------------------------------------


def test_links_go_from_the_shorter_transcript_with_the_algorithms_confidence(bilingual):
    """Every German turn is linked to the Chinese turn(s) saying the same thing; the merged
    answer has one row per Chinese turn, with the same confidence."""
    assert {o: linked("de", o) for o in range(10)} == {**{o: [o + 2] for o in range(9)}, 9: [11, 12]}
    rows = TurnAlignment.objects.select_related("source__transcript", "target__transcript")
    assert {(r.source.transcript.language, r.target.transcript.language) for r in rows} == {("de", "zh")}
    assert {r.status for r in rows} == {TurnAlignment.AUTO}
    merged = [r.confidence for r in rows if r.source.ordinal == 9]
    assert len(merged) == 2 and merged[0] == merged[1] > 0.5


def test_seed_links_in_the_database_match_the_gold_for_nine_in_ten_german_turns(seeds):
    """Read back through translations_for, as pages do: at least 90% of the German turns
    (questions counted separately too) show the right Chinese turn, or rightly none."""
    de = {t.ordinal: t for t in Turn.objects.filter(transcript__language="de")}
    zh = {t.ordinal: t for t in Turn.objects.filter(transcript__language="zh")}
    for g in GOLD["links"]:  # the gold was written for these turns
        assert " ".join(de[g["source"]].text.split()).startswith(g["source_start"][:20])
    found = translations_for(de.values())
    right = {"host": 0, "guest": 0}
    for g in GOLD["links"]:
        got = {t.turn.ordinal for t in found[de[g["source"]].pk]}
        if g["targets"]:
            right[g["role"]] += g["main"] in got and got <= set(g["targets"])
        else:
            right[g["role"]] += not got
    assert right["host"] / 37 >= 0.9 and right["guest"] / 37 >= 0.9
    assert (right["host"] + right["guest"]) / 74 >= 0.9
    assert all(t.turn.transcript.language == "zh" for ts in found.values() for t in ts)
    assert len(zh) == 125


def test_translations_are_read_in_both_directions(bilingual):
    """A Chinese turn shows its German counterpart, the German turn its Chinese ones."""
    assert linked("zh", 11) == linked("zh", 12) == [9]
    assert linked("zh", 0) == []  # small talk the German leaves out


def test_translations_of_a_page_of_turns_take_one_query(bilingual, django_assert_num_queries):
    turns = list(Turn.objects.filter(transcript__language="zh"))
    with django_assert_num_queries(1):
        found = translations_for(turns)
        names = [t.turn.speaker.name + t.turn.transcript.language for ts in found.values() for t in ts]
    assert len(names) == 11


def test_translations_by_key_match_translations_by_turn_in_one_query(bilingual, django_assert_num_queries):
    """Search hits carry keys: reading their translations by key gives what pages show, in one
    query, with rejected links left out and unknown keys answered with nothing."""
    turns = list(Turn.objects.all())
    TurnAlignment.objects.filter(source=turn("de", 1)).update(status=TurnAlignment.REJECTED)
    by_turn = translations_for(turns)
    with django_assert_num_queries(1):
        by_key = translations_for_keys([t.key for t in turns] + ["nosuchkey"])
        names = [t.turn.speaker.name + t.turn.transcript.language for ts in by_key.values() for t in ts]

    def shown(found):  # what a hit shows of each of its translations
        return [
            (t.turn.key, t.turn.ordinal, t.turn.text, t.turn.transcript_id, t.turn.transcript.language,
             t.turn.transcript.language_name, t.turn.transcript.slug, t.turn.speaker.name,
             t.confidence, t.status, t.is_possible_match)
            for t in found
        ]  # fmt: skip

    assert {t.key: shown(by_turn[t.pk]) for t in turns} | {"nosuchkey": []} == {
        key: shown(found) for key, found in by_key.items()
    }
    assert by_key[turn("de", 1).key] == []
    assert len(names) == 2 * 10  # 11 links, one rejected, each read from both of its turns
    assert translations_for_keys([]) == {}


def test_also_in_is_the_first_translation_in_each_other_transcript_in_one_query(bilingual, django_assert_num_queries):
    """A transcript page's "also in" links: what `translations_for` gives, the first per other
    transcript, with rejected links left out, read in one query."""
    turns = list(Turn.objects.all())
    TurnAlignment.objects.filter(source=turn("de", 1)).update(status=TurnAlignment.REJECTED)
    by_turn = translations_for(turns)
    with django_assert_num_queries(1):
        links = also_in(turns)

    def shown(found):  # what an "also in" link shows, and what orders and picks them
        return [
            (t.turn.key, t.turn.ordinal, t.turn.transcript_id, t.turn.transcript.language,
             t.turn.transcript.language_name, t.turn.transcript.slug, t.turn.speaker.name,
             t.confidence, t.status, t.is_possible_match)
            for t in found
        ]  # fmt: skip

    assert {t.pk: shown(links[t.pk]) for t in turns} == {
        t.pk: shown(first_per_transcript(by_turn[t.pk])) for t in turns
    }
    assert links[turn("de", 1).pk] == []
    # 10 links read from both of their turns, but one turn is linked to two of the other
    # transcript's: its link goes to the first.
    assert [len(by_turn[t.pk]) - len(links[t.pk]) for t in turns if len(by_turn[t.pk]) > len(links[t.pk])] == [1]
    assert sum(map(len, links.values())) == 2 * 10 - 1
    assert also_in([]) == {}


def test_realignment_updates_automatic_rows_in_place(bilingual):
    ids = set(TurnAlignment.objects.values_list("id", flat=True))
    summary = align_interview(bilingual)
    assert set(TurnAlignment.objects.values_list("id", flat=True)) == ids
    assert (summary.pairs[0].created, summary.pairs[0].deleted) == (0, 0)


# --- Automatic alignment ------------------------------------------------------------------------


def test_stored_links_weigh_word_meanings_when_the_dictionaries_are_built(bilingual, monkeypatch):
    """Re-alignment passes the dictionaries' word meanings to the aligner (they decide an
    abridged opening, docs/editors.md), and aligns from names, numbers and lengths without them."""
    from interviews.translations import store

    seen = []

    def spy(a, b, params=None, glosses=None):
        seen.append(glosses)
        return []

    def made_up(text, language):
        return {}

    monkeypatch.setattr(store, "align", spy)
    monkeypatch.setattr(store, "dictionary_glosses", lambda: made_up)
    align_interview(bilingual)
    monkeypatch.setattr(store, "dictionary_glosses", lambda: None)
    align_interview(bilingual)
    assert seen == [made_up, None]


def test_ingesting_a_second_transcript_aligns_the_interview():
    first = ingest_german()
    assert first.alignment is None and not TurnAlignment.objects.exists()
    second = ingest_chinese()
    pair = second.alignment.pairs[0]
    assert (pair.source.language, pair.target.language) == ("de", "zh")
    assert (pair.links, pair.omitted_source, pair.omitted_target) == (10, 0, 2)
    assert TurnAlignment.objects.count() == 11


def test_ingest_command_reports_the_alignment(tmp_path):
    call_command("ingest", str(SEEDS), stdout=(out := io.StringIO()))
    assert re.search(r"aligned de ↔ zh: \d+ links", out.getvalue())


def test_align_command_prints_links_possible_matches_and_omitted_turns(seeds):
    call_command("align", seeds.slug, stdout=(out := io.StringIO()))
    match = re.fullmatch(
        r"20vc-aidan-gomez-cohere de ↔ zh: (\d+) links \((\d+) possible matches\); not in the other "
        r"transcript: (\d+) of 74 Deutsch turns, (\d+) of 125 中文 turns\n",
        out.getvalue(),
    )
    assert match, out.getvalue()
    links, possible, omitted_de, omitted_zh = map(int, match.groups())
    assert links + omitted_de == 74 and links >= 67 and possible < links / 5
    assert 0 < omitted_zh < 125


def test_align_command_all_aligns_every_interview_with_progress(seeds, bilingual):
    call_command("align", "--all", stdout=(out := io.StringIO()))
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("[1/2] 20vc-aidan-gomez-cohere de ↔ zh")
    assert lines[1].startswith("[2/2] a-talk de ↔ zh: 10 links (0 possible matches)")


def test_align_command_explains_a_wrong_or_missing_interview(bilingual):
    with pytest.raises(CommandError, match="No interview with the slug “nope”"):
        call_command("align", "nope")
    with pytest.raises(CommandError, match="one interview by its slug, or use --all"):
        call_command("align")


def test_interview_with_one_transcript_has_nothing_to_align():
    ingest_german()
    summary = align_interview(Interview.objects.get())
    assert summary.pairs == [] and "nothing to align" in str(summary)


# --- Editors' decisions -------------------------------------------------------------------------


def test_confirmed_link_survives_realignment_and_replaces_the_algorithms_link_for_that_turn(bilingual):
    """An editor links German turn 0 to Chinese turn 1 instead of 2: re-alignment keeps that and
    does not bring back 0 ↔ 2."""
    link = row(turn("de", 0), turn("zh", 2))
    link.target, link.status = turn("zh", 1), TurnAlignment.CONFIRMED
    link.save()
    summary = align_interview(bilingual)
    assert linked("de", 0) == [1]
    assert row(turn("de", 0), turn("zh", 1)).status == TurnAlignment.CONFIRMED
    assert linked("de", 1) == [3]  # the other turns are aligned as before
    assert summary.pairs[0].confirmed == 1


def test_rejected_link_stays_rejected_and_hidden_after_realignment(bilingual):
    link = row(turn("de", 4), turn("zh", 6))
    link.status = TurnAlignment.REJECTED
    link.save()
    summary = align_interview(bilingual)
    assert TurnAlignment.objects.filter(source=turn("de", 4)).get().status == TurnAlignment.REJECTED
    assert linked("de", 4) == [] and linked("zh", 6) == []
    assert summary.pairs[0].rejected == 1 and summary.pairs[0].omitted_source == 1


def test_confirming_one_turn_of_a_merge_keeps_the_other_as_automatic(bilingual):
    confirmed = row(turn("de", 9), turn("zh", 11))
    confirmed.status = TurnAlignment.CONFIRMED
    confirmed.save()
    align_interview(bilingual)
    assert linked("de", 9) == [11, 12]
    assert row(turn("de", 9), turn("zh", 12)).status == TurnAlignment.AUTO


def test_a_decision_made_in_the_other_direction_is_respected(bilingual):
    """An editor's row may link a Chinese turn to a German one; it counts the same."""
    TurnAlignment.objects.filter(source=turn("de", 3)).delete()
    TurnAlignment.objects.create(source=turn("zh", 5), target=turn("de", 3), status=TurnAlignment.REJECTED)
    align_interview(bilingual)
    assert linked("de", 3) == []


def test_editor_decisions_survive_reingest_of_a_corrected_file(bilingual):
    """The German file is corrected (typos fixed, one exchange removed) and ingested again: the
    editor's confirmed, changed and rejected links stay; links of removed turns go with them."""
    moved = row(turn("de", 0), turn("zh", 2))
    moved.target, moved.status = turn("zh", 1), TurnAlignment.CONFIRMED
    moved.save()
    TurnAlignment.objects.filter(source=turn("de", 4), target=turn("zh", 6)).update(status=TurnAlignment.REJECTED)
    TurnAlignment.objects.filter(source=turn("de", 9), target=turn("zh", 11)).update(status=TurnAlignment.CONFIRMED)
    keys = {o: turn("de", o).key for o in (0, 4, 6, 7, 9)}

    corrected = [
        (role, text.replace("Wie viel", "Wieviel").replace("am liebsten", "am allerliebsten")) for role, text in DE_ROWS
    ]
    del corrected[6:8]  # the question about the last 12 months and its answer
    result = ingest_german(corrected)

    assert result.status == "updated" and result.turns_edited == 2 and result.turns_removed == 2
    de = {t.key: t for t in Turn.objects.filter(transcript__language="de")}
    assert keys[6] not in de and keys[7] not in de
    assert row(de[keys[0]], turn("zh", 1)).status == TurnAlignment.CONFIRMED
    assert TurnAlignment.objects.get(source=de[keys[4]]).status == TurnAlignment.REJECTED
    assert row(de[keys[9]], turn("zh", 11)).status == TurnAlignment.CONFIRMED
    assert linked("de", 0) == [1] and linked("de", 4) == []
    assert linked("de", 6) == [10]  # the GPT-4 question moved up and still finds its counterpart
    assert linked("de", 7) == [11, 12]


# --- Pages --------------------------------------------------------------------------------------


def sbs_rows(html):
    """The rows of the side-by-side page, as HTML fragments."""
    body = html.split('<ol class="sbs-rows">', 1)[1].rsplit("</ol>", 1)[0]  # folds nest lists of rows
    return ['<li class="sbs-row' + part for part in body.split('<li class="sbs-row')[1:]]


def row_of(rows, turn):
    return next(r for r in rows if f'id="q-{turn.key}"' in r)


def test_side_by_side_shows_aligned_turns_on_one_row(client, seeds):
    """A reader sees a German question next to the same question in Chinese, and the Chinese
    small talk the German leaves out next to “Not in this translation”."""
    url = reverse("interviews:side_by_side", args=[seeds.slug]) + "?left=de&right=zh"
    html = client.get(url).content.decode()
    rows = sbs_rows(html)
    de, zh = turn("de", 14), turn("zh", 18)  # gold: “Okay, das ist Dateninnovation” = “好的，这是数据创新”
    shared = row_of(rows, de)
    assert f'id="q-{zh.key}"' in shared and de.text in shared and zh.text in shared
    small_talk = row_of(rows, turn("zh", 0))
    assert "Not in this translation" in small_talk and 'lang="de"' in small_talk.split("</div>")[0]
    assert "sbs-turn" not in small_talk.split('<div class="sbs-cell" lang="zh">')[0]
    every_turn = set(re.findall(r'id="q-([a-z0-9]+)"', html))
    assert len(every_turn) == 74 + 125  # each turn exactly once
    assert html.count("Not in this translation") == sum(1 for r in rows if "Not in this translation" in r)


def test_side_by_side_marks_possible_matches_and_section_headings(client, seeds):
    html = client.get(reverse("interviews:side_by_side", args=[seeds.slug]) + "?left=de&right=zh").content.decode()
    possible = [r for r in sbs_rows(html) if "sbs-row--possible" in r.split(">", 1)[0]]
    assert possible and all("Possible match" in r for r in possible)
    for section in Transcript.objects.get(language="de").sections.all():
        assert f'<h2 class="section-heading" lang="de">{section.heading}</h2>' in html.replace("&#x27;", "'")


def test_side_by_side_swaps_sides_and_labels_languages(client, seeds):
    html = client.get(reverse("interviews:side_by_side", args=[seeds.slug]) + "?left=zh&right=de").content.decode()
    first = next(row for row in sbs_rows(html) if 'lang="zh"' in row and 'lang="de"' in row)  # a linked row
    assert first.index('lang="zh"') < first.index('lang="de"')
    assert '<p class="sbs-lang">中文</p>' in first and '<p class="sbs-lang">Deutsch</p>' in first
    assert 'href="/interviews/20vc-aidan-gomez-cohere/side-by-side/?left=de&amp;right=zh">Swap sides' in html


@pytest.mark.parametrize(
    "query, message",
    [
        ("?left=fr&right=zh", "This interview has no transcript “fr”."),
        ("?left=zh&right=zh", "Choose two different transcripts."),
    ],
)
def test_side_by_side_explains_a_bad_choice_and_shows_two_transcripts(client, seeds, query, message):
    response = client.get(reverse("interviews:side_by_side", args=[seeds.slug]) + query)
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html and "Showing" in html
    assert len(set(re.findall(r'id="q-([a-z0-9]+)"', html))) == 74 + 125


def test_side_by_side_of_an_interview_with_one_transcript_says_so(client):
    ingest_german()
    html = client.get(reverse("interviews:side_by_side", args=["a-talk"])).content.decode()
    assert "only one transcript" in html


def test_interview_page_links_to_side_by_side_and_to_aligned_turns(client, bilingual):
    html = client.get(reverse("interviews:transcript", args=["a-talk", "de"])).content.decode()
    assert 'href="/interviews/a-talk/side-by-side/?left=de&amp;right=zh">Side by side</a>' in html
    counterpart = turn("zh", 2)
    assert f'Also in <a href="{counterpart.get_absolute_url()}" lang="zh" hreflang="zh">中文</a>' in html
    zh_page = client.get(reverse("interviews:transcript", args=["a-talk", "zh"])).content.decode()
    assert zh_page.count('class="also-in"') == 11  # the two small-talk turns have no German


def test_interview_page_marks_a_possible_match(client, bilingual):
    TurnAlignment.objects.filter(source=turn("de", 1)).update(confidence=POSSIBLE_MATCH_THRESHOLD - 0.1)
    html = client.get(reverse("interviews:transcript", args=["a-talk", "de"])).content.decode()
    assert html.count("(possible match)") == 1


def test_single_transcript_interview_page_has_no_side_by_side_link(client):
    ingest_german()
    html = client.get(reverse("interviews:interview", args=["a-talk"])).content.decode()
    assert "Side by side" not in html and "Also in" not in html


# --- JSON ---------------------------------------------------------------------------------------


def test_alignment_json_lists_rows_of_turn_keys(client, bilingual):
    data = client.get(reverse("interviews:api_alignment", args=["a-talk"]) + "?left=de&right=zh").json()
    assert (data["left"]["slug"], data["right"]["slug"]) == ("de", "zh")
    assert data["possible_match_below"] == POSSIBLE_MATCH_THRESHOLD
    rows = data["rows"]
    assert rows[0] == {
        "left": [],
        "right": [turn("zh", 0).key],
        "confidence": None,
        "status": None,
        "possible_match": False,
    }
    last = rows[-1]
    assert last["left"] == [turn("de", 9).key] and last["right"] == [turn("zh", 11).key, turn("zh", 12).key]
    assert last["status"] == "auto" and last["confidence"] > POSSIBLE_MATCH_THRESHOLD
    assert sum(len(r["left"]) for r in rows) == 10 and sum(len(r["right"]) for r in rows) == 13


def test_alignment_json_shows_editor_status_and_hides_rejected_links(client, bilingual):
    TurnAlignment.objects.filter(source=turn("de", 0)).update(status=TurnAlignment.CONFIRMED, confidence=1.0)
    TurnAlignment.objects.filter(source=turn("de", 1)).update(status=TurnAlignment.REJECTED)
    rows = client.get(reverse("interviews:api_alignment", args=["a-talk"])).json()["rows"]
    by_left = {r["left"][0]: r for r in rows if r["left"]}
    assert by_left[turn("de", 0).key]["status"] == "confirmed"
    assert by_left[turn("de", 1).key]["right"] == []
    assert {
        "left": [],
        "right": [turn("zh", 3).key],
        "confidence": None,
        "status": None,
        "possible_match": False,
    } in rows


def test_alignment_json_rejects_an_unknown_transcript(client, bilingual):
    response = client.get(reverse("interviews:api_alignment", args=["a-talk"]) + "?right=fr")
    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": "bad_request", "message": "This interview has no transcript “fr”.", "available": ["de", "zh"]}
    }


# --- Admin --------------------------------------------------------------------------------------


ADMIN = "/admin/interviews/turnalignment/"


def test_admin_lists_links_with_both_texts_and_filters(admin_client, bilingual):
    html = admin_client.get(ADMIN + "?match=likely").content.decode()
    assert EXCHANGES[0][1] in html and EXCHANGES[0][2] in html  # the first question, German and Chinese
    assert "[de ¶1]" in html and "[zh ¶3]" in html
    TurnAlignment.objects.filter(source=turn("de", 1)).update(confidence=0.2)
    html = admin_client.get(ADMIN + "?match=possible").content.decode()
    assert "20% · possible match" in html and "1 turn alignment" in html


def test_admin_actions_confirm_and_reject_links(admin_client, bilingual):
    first, second = row(turn("de", 0), turn("zh", 2)), row(turn("de", 1), turn("zh", 3))
    response = admin_client.post(ADMIN, {"action": "confirm", "_selected_action": [first.pk]}, follow=True)
    assert "Confirmed 1 links" in response.content.decode()
    admin_client.post(ADMIN, {"action": "reject", "_selected_action": [second.pk]})
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.status, first.confidence, second.status) == ("confirmed", 1.0, "rejected")
    align_interview(bilingual)
    assert linked("de", 0) == [2] and linked("de", 1) == []


def test_admin_changing_a_links_target_confirms_it_and_rejects_the_old_pair(admin_client, bilingual):
    link = row(turn("de", 0), turn("zh", 2))
    response = admin_client.post(
        f"{ADMIN}{link.pk}/change/", {"source": turn("de", 0).pk, "target": turn("zh", 1).pk, "status": "auto"}
    )
    assert response.status_code == 302
    link.refresh_from_db()
    assert (link.target, link.status, link.confidence) == (turn("zh", 1), "confirmed", 1.0)
    assert row(turn("de", 0), turn("zh", 2)).status == "rejected"
    align_interview(bilingual)
    assert linked("de", 0) == [1]


def test_admin_changing_a_target_to_an_automatically_linked_turn_replaces_that_row(admin_client, bilingual):
    """German 9 is linked to Chinese 11 and 12; the editor moves the 9 ↔ 11 row to 12."""
    link = row(turn("de", 9), turn("zh", 11))
    response = admin_client.post(
        f"{ADMIN}{link.pk}/change/", {"source": turn("de", 9).pk, "target": turn("zh", 12).pk, "status": "confirmed"}
    )
    assert response.status_code == 302
    assert TurnAlignment.objects.filter(source=turn("de", 9), status="confirmed").get().target == turn("zh", 12)
    align_interview(bilingual)
    assert linked("de", 9) == [12]


def test_admin_adds_a_link_by_hand_as_confirmed(admin_client, bilingual):
    add = admin_client.get(ADMIN + "add/").content.decode()
    assert '<option value="confirmed" selected>' in add
    response = admin_client.post(
        ADMIN + "add/", {"source": turn("zh", 0).pk, "target": turn("de", 0).pk, "status": "auto"}
    )
    assert response.status_code == 302
    added = row(turn("zh", 0), turn("de", 0))
    assert (added.status, added.confidence) == ("confirmed", 1.0)
    align_interview(bilingual)
    # The editor's link now decides German turn 0: the algorithm's guess (Chinese 2) is dropped.
    assert linked("zh", 0) == [0] and linked("de", 0) == [0]


@pytest.mark.parametrize(
    "pair, message",
    [
        (("de", 0, "de", 1), "Both turns are in the same transcript"),
        (("de", 0, "other", 0), "The turns belong to different interviews"),
    ],
)
def test_admin_refuses_a_link_that_joins_no_translations(admin_client, bilingual, pair, message):
    ingest_text(slug="other", title="Another talk", filename="other.txt", transcript_slug="en")
    source = Turn.objects.get(transcript__language=pair[0], transcript__interview__slug="a-talk", ordinal=pair[1])
    target = Turn.objects.get(transcript__slug=pair[2] if pair[2] != "other" else "en", ordinal=pair[3])
    response = admin_client.post(ADMIN + "add/", {"source": source.pk, "target": target.pk, "status": "confirmed"})
    assert response.status_code == 200 and message in response.content.decode()


def test_admin_refuses_to_overwrite_another_editor_decision(admin_client, bilingual):
    TurnAlignment.objects.filter(source=turn("de", 1)).update(status=TurnAlignment.REJECTED)
    response = admin_client.post(
        ADMIN + "add/", {"source": turn("zh", 3).pk, "target": turn("de", 1).pk, "status": "confirmed"}
    )
    assert "An editor already decided about these two turns" in response.content.decode()
    assert "is rejected by an editor" in response.content.decode()


def test_admin_turn_picker_finds_turns_by_their_words(admin_client, bilingual):
    response = admin_client.get(
        "/admin/autocomplete/",
        {"term": "董事会", "app_label": "interviews", "model_name": "turnalignment", "field_name": "target"},
    )
    results = response.json()["results"]
    assert [r["text"][:9] for r in results] == ["[zh ¶7] H", "[zh ¶8] G"]  # the board question and its answer
    assert [r["id"] for r in results] == [str(turn("zh", 6).pk), str(turn("zh", 7).pk)]


def test_admin_view_on_site_opens_side_by_side_at_the_link(admin_client, bilingual):
    link = row(turn("de", 3), turn("zh", 5))
    assert link.get_absolute_url() == f"/interviews/a-talk/side-by-side/?left=de&right=zh#q-{turn('de', 3).key}"
    html = admin_client.get(link.get_absolute_url()).content.decode()
    assert f'id="q-{turn("de", 3).key}"' in html
