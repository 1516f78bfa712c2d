"""Translation alignment: which turns of two translations of one interview say the same thing.

Pure Python (no database): run with `pytest -p no:django tests/translations/test_align.py`.
"""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path

import pytest

from interviews.translations.align import AlignInput, AlignParams, Link, align, source_side
from interviews.translations.numbers import extract_numbers
from interviews.translations.terms import latin_terms

HERE = Path(__file__).resolve().parent


def _eval_module():
    spec = importlib.util.spec_from_file_location("eval_alignment", HERE / "alignment" / "eval_alignment.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# A small interview, German and Chinese side by side: (role, German, Chinese).
EXCHANGES = [
    ("host", "Wie viel Geld hat Ihr Unternehmen bisher eingeworben?", "你们现在筹集了多少钱？"),
    (
        "guest",
        "Ungefähr 1 Milliarde US-Dollar, verteilt auf mehrere Finanzierungsrunden.",
        "总共大约 10 亿美元，分几轮完成。",
    ),
    (
        "host",
        "War die Series A die Runde, die sich am einfachsten abschließen ließ?",
        "Series A 是最容易完成的一轮吗？",
    ),
    (
        "guest",
        "Die erste Runde. Es war nur ein kurzes Gespräch, und danach hatten wir ein paar "
        "Millionen Dollar auf dem Konto, um es einfach auszuprobieren.",
        "第一轮。那只是一次简短的对话，之后我们账户里就有了几百万美元，可以去试试看。",
    ),
    ("host", "Wen hätten Sie am liebsten in Ihrem Vorstand?", "你最希望谁进入你的董事会？"),
    (
        "guest",
        "Mike Volpi und Jordan Jacobs, die heute schon in meinem Vorstand sitzen.",
        "Mike Volpi 和 Jordan Jacobs，他们现在已经是我的董事会成员了。",
    ),
    (
        "host",
        "Was hat in den letzten 12 Monaten Ihre Meinung am stärksten verändert?",
        "在过去的 12 个月里，什么最大地改变了你的看法？",
    ),
    (
        "guest",
        "Die Bedeutung von Daten. Ich habe sie ernsthaft unterschätzt und dachte früher, "
        "es komme nur auf die Skalierung an.",
        "数据的重要性。我严重低估了它，曾经认为一切都只在于规模化。",
    ),
    ("host", "Wie groß war das ursprüngliche GPT-4 eigentlich?", "最初的 GPT-4 到底有多大？"),
    (
        "guest",
        "Angeblich hatte es 1,7 Billionen Parameter; heute sind Modelle mit nur 13 Milliarden Parametern schon besser.",
        "据说它有 1.7 万亿参数；如今只有 130 亿参数的模型就已经更好了。",
    ),
]


SMALL_TALK = [  # an opening the German translation leaves out
    ("host", "你在安大略省的乡村长大，住在你祖父亲手建造的房子里，对吧？"),
    ("guest", "是的，那是一片百英亩的枫树林，离科技很远。"),
]


def de_turns(rows):
    return [AlignInput(i, role, text, "de") for i, (role, text) in enumerate(rows)]


def zh_turns(rows):
    return [AlignInput(i, role, text, "zh") for i, (role, text) in enumerate(rows)]


def pairs(links: list[Link]) -> dict[int, list[int]]:
    return {lk.source: lk.targets for lk in links}


# ------------------------------------------------------------------ constructed pairs


def test_same_turns_in_both_languages_link_one_to_one():
    """Two complete translations: every German turn shows next to the Chinese turn at the
    same place, with high confidence."""
    de = de_turns([(r, d) for r, d, _ in EXCHANGES])
    zh = zh_turns([(r, z) for r, _, z in EXCHANGES])
    links = align(de, zh)
    assert pairs(links) == {i: [i] for i in range(len(EXCHANGES))}
    assert all(lk.confidence > 0.7 for lk in links)


def test_turns_left_out_of_the_shorter_translation_are_skipped():
    """The German leaves out the opening small talk: its first question shows next to the
    Chinese third turn, and the small talk has no German counterpart."""
    zh = zh_turns(SMALL_TALK + [(r, z) for r, _, z in EXCHANGES])
    de = de_turns([(r, d) for r, d, _ in EXCHANGES])
    links = align(de, zh)
    assert pairs(links) == {i: [i + 2] for i in range(len(EXCHANGES))}


def test_dropped_question_and_answer_pair_keeps_the_speaker_sequence_in_step():
    """The German drops one question and its answer from the middle: the turns after the gap
    still show next to their own Chinese turns, not shifted by one exchange."""
    keep = [0, 1, 2, 3, 6, 7, 8, 9]  # exchange 4/5 (the board) is missing in German
    de = de_turns([EXCHANGES[k][:2] for k in keep])
    zh = zh_turns([(r, z) for r, _, z in EXCHANGES])
    links = align(de, zh)
    assert pairs(links) == {i: [k] for i, k in enumerate(keep)}


def test_one_german_turn_merging_two_chinese_turns_links_to_both():
    """The Chinese splits an answer over two consecutive turns of the guest; the German has it
    as one turn, which shows next to both Chinese turns."""
    zh_rows = [(r, z) for r, _, z in EXCHANGES[:9]] + [
        ("guest", "据说最初的 GPT-4 有 1.7 万亿参数，是一个巨大的混合专家模型。"),
        ("guest", "如今只有 130 亿参数的模型就已经比它更好了，成本下降的速度简直不可思议。"),
    ]
    de_rows = [(r, d) for r, d, _ in EXCHANGES[:9]] + [
        (
            "guest",
            "Angeblich hatte das ursprüngliche GPT-4 1,7 Billionen Parameter und war ein riesiges "
            "Mixture-of-Experts-Modell. Heute sind Modelle mit nur 13 Milliarden Parametern "
            "besser, und die Kosten sinken unglaublich schnell.",
        ),
    ]
    links = align(de_turns(de_rows), zh_turns(zh_rows))
    assert pairs(links)[9] == [9, 10]
    assert pairs(links)[8] == [8]


def test_answer_that_absorbs_the_hosts_interjection_links_to_the_whole_run():
    """The German folds the host's short interjection and the rest of the answer into one
    answer: it shows next to the Chinese answer, the interjection and the continuation."""
    zh_rows = (
        [(r, z) for r, _, z in EXCHANGES[:4]]
        + [
            ("guest", "构建第一个版本可能花费 1000 万美元，而改进到第二个版本只要再花 100～200 万美元。"),
            ("host", "但在这里，构建一个模型可能需要 30 亿美元，下一个版本可能需要 50 亿美元？"),
            ("guest", "是的，这种增长不是线性的，而是数量级的。"),
        ]
        + [(r, z) for r, _, z in EXCHANGES[4:]]
    )
    de_rows = (
        [(r, d) for r, d, _ in EXCHANGES[:4]]
        + [
            (
                "guest",
                "Die erste Version kostet vielleicht 10 Millionen US-Dollar, die zweite nur 1 bis 2 "
                "Millionen mehr. Ein neues Modell kann aber 3 Milliarden kosten und die nächste "
                "Version 5 Milliarden. Dieses Wachstum ist nicht linear, sondern geht in "
                "Größenordnungen.",
            ),
        ]
        + [(r, d) for r, d, _ in EXCHANGES[4:]]
    )
    links = pairs(align(de_turns(de_rows), zh_turns(zh_rows)))
    assert links[4] == [4, 5, 6]
    assert links[5] == [7] and links[3] == [3]


# An abridged opening, as in the seeds: the German starts with a loosely reworded question about
# childhood games and a short answer; the Chinese first has small talk, then that exchange (a
# 10-character question, a long answer), then one more exchange about games the German leaves out.
OPENING_DE = [
    ("host", "Bevor wir anfangen, eine Frage an Sie: Haben Sie als Kind gerne Spiele gespielt?"),
    ("guest", "Ich mag Spiele, und Technik liebe ich seit meiner Kindheit."),
]
OPENING_ZH = [
    ("host", "但你喜欢游戏，对吧？"),
    (
        "guest",
        "是的，我确实喜欢游戏，我从小就喜欢科技。只是很难接触到它，我们当时无法上网，只能用拨号上网。"
        "所有朋友都在玩在线游戏，而我只能羡慕，错过了互联网兴起的那段时间。后来我才真正开始编程，"
        "一开始是为了做自己的小游戏，后来慢慢发现自己更喜欢研究背后的技术，这也是我走上这条路的原因。",
    ),
    ("host", "很多成功的创始人小时候都玩过游戏。你认为游戏为什么会成为成功创始人的一个因素？"),
    ("guest", "电子游戏教会你为了更大的目标去做重复而困难的事情，而且你总能重来，再试一次。这种乐观的心态非常重要。"),
]
# A made-up dictionary: word -> English gloss (what interviews.translations.glossary looks up).
GLOSSARY = {
    **{"Spiele": "game", "Kindheit": "childhood", "Technik": "technology", "Geld": "money", "Runde": "round"},
    **{"Vorstand": "board", "Daten": "data", "Parameter": "parameter", "Monaten": "month", "Dollar": "dollar"},
    **{"游戏": "game", "从小": "childhood", "小时候": "childhood", "科技": "technology", "技术": "technology"},
    **{"创始人": "founder", "钱": "money", "轮": "round", "董事会": "board", "数据": "data", "参数": "parameter"},
    **{"月": "month", "美元": "dollar"},
}


def made_up_glosses(text, language):
    return Counter(gloss for word, gloss in GLOSSARY.items() if word in text)


def test_word_meanings_place_an_abridged_opening_on_the_exchange_it_translates():
    """With word meanings, the German opening question and answer show next to the Chinese
    exchange about childhood games, not next to the small talk before it or the exchange after it."""
    de = de_turns(OPENING_DE + [(r, d) for r, d, _ in EXCHANGES])
    zh = zh_turns(SMALL_TALK + OPENING_ZH + [(r, z) for r, _, z in EXCHANGES])
    links = pairs(align(de, zh, glosses=made_up_glosses))
    assert links[0] == [2] and links[1] == [3]
    assert {i: links[i] for i in range(2, 12)} == {i: [i + 4] for i in range(2, 12)}


def test_numbers_written_differently_per_language_find_the_right_turn():
    """Three Chinese exchanges look alike; the German keeps only one of them. The numbers,
    written the German way (500 Millionen, 5 %) and the Chinese way (5%, 5 亿), in a
    different order, tell which one."""
    zh = zh_turns(
        [
            ("host", "你们去年的收入增长了多少？"),
            ("guest", "大约 1.7 万亿美元的市场里，我们增长了 13%，还算不错。"),
            ("host", "你们今年的招聘计划是怎样的？"),
            ("guest", "我们计划在 2024 年把团队扩大到 800 人，主要是在伦敦。"),
            ("host", "你们最近一轮融资是多少？"),
            ("guest", "利润率提高了 5%，我们在这一轮筹集了 5 亿美元，过程复杂得多。"),
        ]
    )
    de = de_turns(
        [
            ("host", "Wie viel haben Sie in Ihrer letzten Runde eingeworben?"),
            (
                "guest",
                "Wir haben in dieser Runde 500 Millionen US-Dollar eingeworben, der Prozess war viel "
                "komplizierter, und die Marge stieg um 5 %.",
            ),
        ]
    )
    links = align(de, zh)
    assert pairs(links) == {0: [4], 1: [5]}
    assert links[1].confidence > 0.8


def test_several_german_turns_can_share_one_chinese_turn():
    """The Chinese folded the host's short follow-up question into the guest's answer; the
    German keeps it as its own turn. Question, follow-up and reply all show next to that one
    Chinese answer."""
    zh = zh_turns(
        SMALL_TALK
        + [(r, z) for r, _, z in EXCHANGES[:6]]
        + [
            ("host", "Jeff Hinton 和 Yann LeCun，你更偏向哪一个？"),
            (
                "guest",
                "我和 Jeff 个人关系更紧密，当然更倾向于他。Yann 的观点太乐观了？不，我在许多关于 AI 的看法上"
                "和 Yann 更为一致，而 Jeff 是那种末日预言者，Yann 最近有点像 Elon Musk 的回复哥。",
            ),
            ("host", "你从来没有被问过、但应该被问到的问题是什么？"),
            ("guest", "人们应该问：你希望事情发展到哪里？"),
        ]
    )
    de = de_turns(
        [(r, d) for r, d, _ in EXCHANGES[:6]]
        + [
            ("host", "Jeff Hinton oder Yann LeCun, wen bevorzugen Sie?"),
            ("guest", "Auf jeden Fall Jeff, ich habe eine engere persönliche Beziehung zu ihm."),
            ("host", "Glaubst du, Yann ist zu optimistisch?"),
            (
                "guest",
                "Nein, ich stimme eher Yanns Sicht auf KI zu. Jeff sagt eher den Weltuntergang voraus, "
                "und Yann ist jetzt ein bisschen wie Elon Musks Antwortbruder.",
            ),
            ("host", "Welche Frage wurde Ihnen noch nie gestellt, sollte aber gestellt werden?"),
            ("guest", "Die Leute sollten fragen: Wohin soll sich das entwickeln?"),
        ]
    )
    assert source_side(de, zh) == "a"  # the German has fewer turns overall
    links = pairs(align(de, zh))
    assert links[6] == [8]
    assert links[7] == links[8] == links[9] == [9]
    assert links[10] == [10] and links[11] == [11]


def test_two_latin_script_translations_link_by_names_not_by_common_words():
    """German and English share a script: only names, terms and numbers count as shared
    words, so a sentence-initial "Was" (German "what", English "was") does not pull the
    German question onto the wrong English turns."""
    english = [
        "How much money have you raised so far?",
        "About 1 billion dollars, across several funding rounds.",
        "Was the Series A the easiest round to close?",
        "The first round. It was just a short conversation, and then we had a few million dollars "
        "in the account to try it out.",
        "Who would you most like on your board?",
        "Mike Volpi and Jordan Jacobs, who already sit on my board today.",
        "What changed your mind most in the last 12 months?",
        "The importance of data. I seriously underestimated it and used to think it was all about scale.",
        "How big was the original GPT-4 really?",
        "Reportedly it had 1.7 trillion parameters; today models with only 13 billion parameters are better.",
    ]
    en = [AlignInput(i, EXCHANGES[i][0], text, "en") for i, text in enumerate(english)]
    keep = [0, 1, 2, 3, 6, 7, 8, 9]
    de = de_turns([EXCHANGES[k][:2] for k in keep])
    assert pairs(align(de, en)) == {i: [k] for i, k in enumerate(keep)}


def test_shorter_transcript_is_always_the_source():
    """Whichever order the transcripts come in, links go from the one with fewer turns to the
    one with more, and `source_side` says which argument that was."""
    keep = [0, 1, 4, 5, 6, 7, 8, 9]
    de = de_turns([EXCHANGES[k][:2] for k in keep])
    zh = zh_turns([(r, z) for r, _, z in EXCHANGES])
    assert source_side(de, zh) == "a" and source_side(zh, de) == "b"
    forward, backward = align(de, zh), align(zh, de)
    assert pairs(forward) == pairs(backward) == {i: [k] for i, k in enumerate(keep)}


def test_empty_transcripts_give_no_links():
    """A transcript without turns has nothing to line up with."""
    zh = zh_turns([(r, z) for r, _, z in EXCHANGES])
    assert align([], zh) == []
    assert align(zh, []) == []
    assert align([], []) == []


def test_single_turns_link_to_each_other():
    """One turn on each side: they are each other's counterpart."""
    links = align(de_turns([EXCHANGES[1][:2]]), zh_turns([(EXCHANGES[1][0], EXCHANGES[1][2])]))
    assert pairs(links) == {0: [0]}
    assert 0.0 <= links[0].confidence <= 1.0


def test_wrong_pairing_gets_lower_confidence_than_right_one():
    """When the German answers come in an order that contradicts their numbers and names, the
    links that order forces are marked less certain than the same links in the right order."""
    zh = zh_turns([(r, z) for r, _, z in EXCHANGES])
    right = de_turns([(r, d) for r, d, _ in EXCHANGES])
    swapped_rows = [(r, d) for r, d, _ in EXCHANGES]
    swapped_rows[5], swapped_rows[9] = swapped_rows[9], swapped_rows[5]  # board <-> GPT-4 sizes
    swapped = de_turns(swapped_rows)
    conf_right = {lk.source: lk.confidence for lk in align(right, zh)}
    conf_swapped = {lk.source: lk.confidence for lk in align(swapped, zh)}
    for k in (5, 9):
        assert conf_swapped.get(k, 0.0) < conf_right[k]
        assert conf_swapped.get(k, 0.0) < 0.5


def test_weights_can_be_changed():
    """The cost weights are parameters: making a left-out Chinese turn prohibitively expensive
    makes the German answer absorb its neighbours instead of skipping them."""
    keep = [0, 1, 2, 3, 6, 7, 8, 9]
    de = de_turns([EXCHANGES[k][:2] for k in keep])
    zh = zh_turns([(r, z) for r, _, z in EXCHANGES])
    default = pairs(align(de, zh))
    strict = pairs(align(de, zh, AlignParams(skip_target=50.0, skip_target_open=50.0)))
    assert default[3] == [3]
    assert sum(len(t) for t in strict.values()) == len(zh)


# ------------------------------------------------------------------ numbers and terms


@pytest.mark.parametrize(
    "text, language, expected",
    [
        ("GPT-4 hat 1,7 Billionen Parameter", "de", [4, 1.7e12]),
        ("GPT-4 有 1.7 万亿参数", "zh", [4, 1.7e12]),
        ("GPT-4 has 1.7 trillion parameters", "en", [4, 1.7e12]),
        ("nur 13 Milliarden Parameter", "de", [1.3e10]),
        ("只有 130 亿参数", "zh", [1.3e10]),
        ("500 Millionen US-Dollar", "de", [5e8]),
        ("5 亿美元", "zh", [5e8]),
        ("ein Zuwachs von 5 %", "de", [5]),
        ("5% 的生产力提升", "zh", [5]),
        ("im Jahr 2024", "de", [2024]),
        ("5,5 Milliarden", "de", [5.5e9]),
        ("1.000 Nutzer", "de", [1000]),
        ("1,000 users", "en", [1000]),
        ("3 billion dollars", "en", [3e9]),
        ("3 Billionen Euro", "de", [3e12]),
        ("1 bis 2 Millionen", "de", [1e6, 2e6]),
        ("100～200 万美元", "zh", [1e6, 2e6]),
        ("2500 万美元", "zh", [2.5e7]),
        ("in drei bis fünf Jahren", "de", [3, 5]),
        ("未来三到五年", "zh", [3, 5]),
        ("um das Zehnfache", "de", [10]),
        ("$3B round", "en", [3e9]),
        ("一个人，一些东西", "zh", []),
        ("在 H100 上运行", "zh", []),
    ],
)
def test_numbers_are_read_as_the_same_value_in_every_language(text, language, expected):
    """A number reads the same whatever the language writes it like: 1,7 Billionen, 1.7 万亿
    and 1.7 trillion are one value; 13 Milliarden is 130 亿; 500 Millionen is 5 亿."""
    assert sorted(extract_numbers(text, language)) == pytest.approx(sorted(expected))


def test_latin_terms_survive_lost_spaces_and_hyphens():
    """Names glued to German words by a bad conversion ("wieMetaSolche") still count."""
    terms = latin_terms("Sie sehen Dinge wieMetaSolche Unternehmen, abChatGPTBisher GPT-4 und Scale AI")
    assert {"meta", "chat", "gpt-4", "gpt", "scale", "ai"} <= terms
    assert "wiemetasolche" in terms  # the glued token itself is kept too


# ------------------------------------------------------------------ the seed transcripts


@pytest.fixture(scope="module")
def seeds():
    ev = _eval_module()
    de, zh, how = ev.load_seed_turns()
    return ev, de, zh, how


def test_seed_turns_come_from_the_real_parser(seeds):
    """The gold sample is checked against the turns the archive's parser produces."""
    ev, de, zh, how = seeds
    assert how == "parser"
    assert (len(de), len(zh)) == (74, 125)


def test_gold_sample_matches_the_seed_turns(seeds):
    """Every gold link still points at the turns it was written for (first characters)."""
    ev, de, zh, _ = seeds
    assert ev.gold_mismatches(de, zh) == []
    gold = ev.load_gold()
    assert len(gold["links"]) >= 30
    assert {g["role"] for g in gold["links"]} == {"host", "guest"}
    assert any(not g["targets"] for g in gold["links"])


def test_seed_alignment_meets_the_quality_bar(seeds):
    """On the abridged German and the full Chinese translation of the same interview, at
    least 93% of the German turns show next to the right Chinese turn (measured: 94.6%)."""
    ev, de, zh, _ = seeds
    links = align(de, zh)
    overall = ev.evaluate(links)
    assert overall["precision"] >= 0.93
    assert overall["recall"] >= 0.95
    assert overall["accuracy"] >= 0.93
    for role in ("host", "guest"):
        r = ev.evaluate(links, role=role)
        assert r["precision"] >= 0.9 and r["recall"] >= 0.9, role


def test_seed_confidence_separates_right_from_wrong_links(seeds):
    """Links judged wrong against the gold carry lower confidence on average than right ones,
    and nearly all right links are above 0.5."""
    ev, de, zh, _ = seeds
    r = ev.evaluate(align(de, zh, AlignParams(min_confidence=0.0)))  # every link, however unsure
    right, wrong = r["right_confidences"], r["wrong_confidences"]
    assert sum(right) / len(right) > 0.9
    assert sum(c >= 0.5 for c in right) / len(right) >= 0.95
    if wrong:
        assert sum(wrong) / len(wrong) < sum(right) / len(right) - 0.2


def test_seed_opening_turns_are_never_linked_to_the_wrong_turns(seeds):
    """Where readers look first: the German opening question and answer are linked to their
    Chinese turns or left unlinked, never paired with the Chinese turns after them."""
    ev, de, zh, _ = seeds
    gold = {g["source"]: g for g in ev.load_gold()["links"]}
    by_source = {link.source: link for link in align(de, zh)}
    for ordinal in range(6):
        link = by_source.get(ordinal)
        assert link is None or ev.judge(link, gold[ordinal]), ordinal


def test_seed_links_made_are_right(seeds):
    """An unsure link is no link: of the links made, at least 98% are right."""
    ev, de, zh, _ = seeds
    assert ev.evaluate(align(de, zh))["precision"] >= 0.98


def test_a_link_below_the_minimum_confidence_is_left_out(seeds):
    _, de, zh, _ = seeds
    unsure = {link.source for link in align(de, zh, AlignParams(min_confidence=0.0)) if link.confidence < 0.33}
    assert unsure and not unsure & {link.source for link in align(de, zh)}


def test_seed_links_are_monotonic_and_consecutive(seeds):
    """Links never cross and each one covers consecutive Chinese turns."""
    _, de, zh, _ = seeds
    links = align(de, zh)
    last = -1
    for lk in links:
        assert lk.targets == list(range(lk.targets[0], lk.targets[-1] + 1))
        assert lk.targets[0] >= last
        last = lk.targets[-1]
        assert 0.0 <= lk.confidence <= 1.0


def _repeated(turns, times, left_out=()):
    """The interview `times` over, as one long transcript, without the (round, ordinal) turns in
    `left_out`: a long interview, with an abridged stretch where `left_out` is a block."""
    out = []
    for round_ in range(times):
        for t in turns:
            if (round_, t.ordinal) not in left_out:
                out.append(AlignInput(len(out), t.role, t.text, t.language))
    return out


def test_long_interviews_align_as_with_the_whole_lattice(seeds, monkeypatch):
    """A long pair is aligned in a band around the diagonal, widened while the best path runs
    along its edge. A 40-turn block left out of one side pulls the path 40 turns off the
    diagonal, beyond the first band: the links must still be those of the whole lattice."""
    from interviews.translations import align as alignment

    _, de, zh, _ = seeds
    long_de = _repeated(de, 2)
    long_zh = _repeated(zh, 2, left_out={(0, o) for o in range(40, 80)})
    assert len(long_de) * len(long_zh) > alignment.FULL_LATTICE_CELLS  # so the band is used
    banded = align(long_de, long_zh)
    monkeypatch.setattr(alignment, "FULL_LATTICE_CELLS", 10**12)
    whole = align(long_de, long_zh)
    assert [(lk.source, lk.targets) for lk in banded] == [(lk.source, lk.targets) for lk in whole]
    assert [lk.confidence for lk in banded] == pytest.approx([lk.confidence for lk in whole], abs=1e-3)
    assert len(banded) > 120


def test_seed_turns_without_a_counterpart_are_left_unlinked(seeds):
    """The German turns the Chinese translation does not have (gold: none) get no link, not a
    "possible match" to the nearest turn."""
    ev, de, zh, _ = seeds
    linked = {link.source for link in align(de, zh)}
    without = [g["source"] for g in ev.load_gold()["links"] if not g["targets"]]
    assert without and not linked & set(without)


def test_a_long_turn_far_from_the_pairs_length_ratio_loses_its_confidence():
    """Long turns are translated in full: a 600-character German answer whose supposed Chinese
    counterpart is 2.4 times the usual length (for this pair) is most likely not its counterpart.
    Short turns, whose lengths vary freely, are left alone."""
    import math

    from interviews.translations.align import LongTurnNorm
    from interviews.translations.features import Span

    def span(length):
        return Span(start=0, size=1, length=length, anchors={}, roles={}, known=0, q_end=False, q_any=False)

    ratio = math.log(0.33)
    norm = LongTurnNorm(ratio, AlignParams(), median=ratio, spread=0.1)
    assert norm.agreement(span(600), span(200)) > 0.99
    assert norm.agreement(span(600), span(480)) < 0.2
    assert norm.agreement(span(100), span(80)) == 1.0
    assert LongTurnNorm(ratio, AlignParams()).agreement(span(600), span(480)) == 1.0  # nothing learnt
