"""Cross-language query expansion: what a query also searches, from small dictionaries written
the way CC-CEDICT and Ding write theirs."""

import pytest

from interviews.search import dictionaries
from interviews.search.analysis import analyzer_for
from interviews.search.evaluation import occurs_literally
from interviews.search.expansion import Vocabulary, expand
from interviews.search.query import SearchParams, parse_query, search
from tests.search.dictionary_samples import CEDICT, DING


@pytest.fixture
def dicts(tmp_path):
    path = tmp_path / "dictionaries.sqlite3"
    dictionaries.build(
        path,
        cedict_lines=CEDICT,
        ding_lines=DING,
        topics=[{"names": {"en": "Robotics", "de": "Robotik", "zh": "机器人"}}],
    )
    return dictionaries.Dictionaries(path)


def searched(query, dicts):
    return {e.original: list(e.alternatives) for e in expand(parse_query(query), dicts).expansions}


def test_an_english_word_also_searches_german_and_chinese(dicts):
    assert searched("data", dicts) == {"data": ["数据", "daten"]}


def test_a_german_word_searches_english_and_through_it_chinese(dicts):
    assert searched("Daten", dicts) == {"daten": ["data", "数据"]}


def test_a_chinese_word_searches_english_and_through_it_german(dicts):
    assert searched("数据", dicts) == {"数据": ["data", "numbers", "daten"]}


def test_words_a_dictionary_knows_as_one_phrase_translate_together(dicts):
    query = expand(parse_query("supply chain"), dicts)
    assert query.whoosh_syntax() == "((supply chain) OR 供应链 OR lieferkette)"


def test_a_plural_is_looked_up_as_written_and_as_its_singular(dicts):
    assert searched("children", dicts) == {"children": ["kinder", "kind"]}


def test_topic_names_translate_too(dicts):
    assert "robotik" in searched("robotics", dicts)["robotics"]


def test_names_pass_through_unchanged(dicts):
    query = expand(parse_query("Aidan Gomez"), dicts)
    assert query.expansions == () and query.whoosh_syntax() == "aidan gomez"


def test_stop_words_are_dropped_once_something_is_translated(dicts):
    """'of' would otherwise be demanded in the German and Chinese turns, which have no such word."""
    assert expand(parse_query("synthetic of data"), dicts).whoosh_syntax() == (
        "(synthetic OR 合成 OR synthetisch) (data OR 数据 OR daten)"
    )


def test_traditional_chinese_also_searches_simplified(dicts):
    assert searched("數據", dicts)["數據"][:2] == ["数据", "data"]


def test_a_chinese_word_of_several_words_also_matches_them_side_by_side(dicts):
    """大模型 ranks the turns that say 大模型 above those with 大 … 模型 apart."""
    assert '"大模型"' in expand(parse_query("大模型"), dicts).whoosh_syntax()


def test_gpt4_also_searches_gpt_4(dicts):
    assert expand(parse_query("GPT4"), dicts).whoosh_syntax() == '(gpt4 OR "gpt 4")'


def test_german_written_out_umlauts_also_search_the_umlaut(dicts):
    assert searched("Datenqualitaet", dicts) == {"datenqualitaet": ["datenqualität"]}


def test_exclusions_are_not_expanded(dicts):
    assert expand(parse_query("-data"), dicts).expansions == ()


def test_without_a_dictionary_file_nothing_is_translated(tmp_path):
    query = expand(parse_query("data"), dictionaries.Dictionaries(tmp_path / "missing.sqlite3"))
    assert query.expansions == () and query.whoosh_syntax() == "data"


def test_a_long_query_is_cut_at_a_word_boundary():
    query = parse_query("modell " * 40 + "LeCun")
    assert all(words[0] in {"modell", "lecun"} for words in query.include)
    assert "lecu" not in query.display().split()


def test_literal_queries_are_told_apart_from_translated_ones():
    texts = ["Die Datenqualität ist wichtig.", "数据质量至关重要。"]
    assert occurs_literally("Datenqualität", texts) and occurs_literally("数据", texts)
    assert not occurs_literally("data quality", texts)


def test_the_results_page_says_what_else_was_searched_and_offers_only_what_was_typed(
    client, archive, settings, tmp_path
):
    """'data' finds the German Daten and the Chinese 数据 turns, says so, and links to the exact search."""
    settings.DATA_DIR = tmp_path
    dictionaries.build(tmp_path / "dictionaries.sqlite3", cedict_lines=CEDICT, ding_lines=DING)
    html = client.get("/search/", {"q": "data"}).content.decode()
    assert "Also searched:" in html and "数据" in html and "daten" in html
    assert 'href="/search/?q=data&amp;exact=1">search only what I typed</a>' in html
    data = client.get("/api/search", {"q": "data"}).json()
    assert data["count"] > 0 and data["expansions"] == [{"query": "data", "also": ["数据", "daten"]}]
    exact = client.get("/api/search", {"q": "data", "exact": "1"}).json()
    assert exact["expansions"] == [] and exact["count"] < data["count"]


# --- Choosing among translations, and words a dictionary lists otherwise ----------------------

MORE_CEDICT = """\
衝破 冲破 [chong1 po4] /breakthrough/to overcome an obstacle quickly/
突破 突破 [tu1 po4] /to break through/to make a breakthrough/
晶片 晶片 [jing1 pian4] /chip/wafer/
芯片 芯片 [xin1 pian4] /computer chip/microchip/
長大 长大 [zhang3 da4] /to grow up/
客戶 客户 [ke4 hu4] /client/customer/
支持 支持 [zhi1 chi2] /to be in favor of/to support/to back/
合成 合成 [he2 cheng2] /to compose/to constitute/compound/synthesis/mixture/synthetic/
數據 数据 [shu4 ju4] /data/numbers/digital/
孩子 孩子 [hai2 zi5] /child/
""".splitlines()

MORE_DING = """\
Kundenbetreuung {f} :: customer support; customer care
Kunde {m}; Kundin {f} | Kunden {pl} :: customer | customers
Support {m} :: support
synthetisch {adj} :: synthetic
Daten {pl} :: data
Durchbruch {m} :: breakthrough
Kinder {pl} :: children
Ontario (Provinz in Kanada; Hauptstadt: Toronto) :: Ontario (Hauptstadt: Toronto)
""".splitlines()


@pytest.fixture
def more_dicts(tmp_path):
    path = tmp_path / "more.sqlite3"
    dictionaries.build(path, cedict_lines=MORE_CEDICT, ding_lines=MORE_DING)
    return dictionaries.Dictionaries(path)


def archive_holding(*words):
    """A vocabulary of an archive whose turns hold ``words`` (in whichever language they are)."""
    held = {
        (f"text_{language}", token.text)
        for language in ("de", "zh", "en")
        for word in words
        for token in analyzer_for(language)(word, mode="query")
    }
    return Vocabulary(lambda field, term: int((field, term) in held))


def searched_in(query, dicts, vocabulary=None):
    return {
        e.original: list(e.alternatives) for e in expand(parse_query(query), dicts, vocabulary=vocabulary).expansions
    }


def test_translations_the_archive_holds_are_chosen_before_those_it_does_not(more_dicts):
    """冲破 glosses 'breakthrough' first, but the archive says 突破: that is what is searched."""
    assert "冲破" in searched_in("breakthrough", more_dicts)["breakthrough"]
    also = searched_in("breakthrough", more_dicts, archive_holding("突破", "Durchbruch"))["breakthrough"]
    assert "突破" in also and "冲破" not in also


def test_when_the_archive_holds_no_translation_the_dictionary_s_best_is_still_searched(more_dicts):
    assert searched_in("breakthrough", more_dicts, archive_holding("nothing"))["breakthrough"][0] == "冲破"


def test_an_english_word_is_looked_up_in_the_longer_glosses_it_ends(more_dicts):
    """'chip' finds 芯片, whose gloss is 'computer chip', after 晶片, whose gloss is 'chip'."""
    assert searched_in("chip", more_dicts)["chip"][:2] == ["晶片", "芯片"]


def test_a_phrasal_verb_is_never_looked_up_by_its_particle(more_dicts):
    assert searched_in("up", more_dicts) == {}


def test_a_dictionary_s_remarks_are_no_translations(more_dicts):
    assert more_dicts.translate("en", "ontario", "de") == []


def test_a_verb_in_the_past_is_looked_up_as_its_base_form(more_dicts):
    assert "长大" in searched_in("grew up", more_dicts)["grew up"]


def test_an_irregular_plural_is_looked_up_as_its_singular(more_dicts):
    assert "孩子" in searched_in("children", more_dicts)["children"]


def test_a_phrase_known_in_german_only_is_searched_in_chinese_word_by_word(more_dicts):
    query = expand(parse_query("customer support"), more_dicts)
    assert '"客户 支持"' in query.whoosh_syntax() and "kundenbetreuung" in query.whoosh_syntax()


def test_a_german_compound_no_dictionary_knows_is_translated_by_its_parts(more_dicts):
    """Kundensupport is Kunden + Support: the phrase 'customer support', which Ding knows."""
    also = searched_in("Kundensupport", more_dicts)["kundensupport"]
    assert also[:2] == ["customer support", "kundenbetreuung"]


def test_a_chinese_word_of_parts_is_translated_part_by_part_into_german(more_dicts):
    """合成数据: 'synthetic data' is in no dictionary; German turns need synthetisch and Daten."""
    query = expand(parse_query("合成数据"), more_dicts, vocabulary=archive_holding("synthetisch", "Daten"))
    assert "(synthetisch daten)" in query.whoosh_syntax()
    assert (
        "synthetisch daten" in searched_in("合成数据", more_dicts, archive_holding("synthetisch", "Daten"))["合成数据"]
    )


def test_a_query_of_several_words_can_also_find_turns_with_some_of_them(dicts):
    """The turns with every word rank far above those with some: searched when few have all."""
    assert expand(parse_query("synthetic data"), dicts).relaxed == (
        "(((synthetic OR 合成 OR synthetisch) (data OR 数据 OR daten))^10 "
        "OR (synthetic OR 合成 OR synthetisch) OR (data OR 数据 OR daten))"
    )
    assert expand(parse_query("data"), dicts).relaxed == ""


def test_when_few_turns_have_every_word_those_with_some_follow(client, archive, settings, tmp_path):
    """'synthetic data': the Chinese turn about 合成数据 first, then the turns about data alone,
    and the page says so."""
    settings.DATA_DIR = tmp_path
    dictionaries.build(tmp_path / "dictionaries.sqlite3", cedict_lines=CEDICT, ding_lines=DING)
    page = search(SearchParams(q="synthetic data", group=False))
    assert page.relaxed and page.count > 1
    assert "合成数据" in page.results[0].text
    assert all("合成" not in hit.text for hit in page.results[1:])
    assert "turns with some of them follow" in client.get("/search/", {"q": "synthetic data"}).content.decode()
    assert not search(SearchParams(q="synthetic data", exact=True)).relaxed
    assert not search(SearchParams(q="data", group=False)).relaxed


def test_a_phrase_no_turn_says_in_any_translation_is_searched_word_by_word(more_dicts):
    """No turn says Kundenbetreuung: customer and support are searched (and translated) apart."""
    query = expand(parse_query("customer support"), more_dicts, vocabulary=archive_holding("客户", "支持", "Kunde"))
    assert "kundenbetreuung" not in query.whoosh_syntax()
    assert [e.original for e in query.expansions] == ["customer", "support"]
