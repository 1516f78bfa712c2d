"""Topic rules on plain strings: keyword syntax in German, Chinese and English, the shipped
vocabulary, and question/answer sharing. No database."""

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from interviews.languages import fold
from interviews.topics.rules import RuleError, compile_rules, match_topics, share_question_topics
from interviews.topics.vocabulary import read_vocabulary

SHIPPED = compile_rules({entry.slug: entry.keywords for entry in read_vocabulary()})


# --- Matching on plain strings -------------------------------------------------------------------


def test_fold_ignores_case_umlauts_and_sharp_s():
    assert fold("DATENQUALITÄT") == fold("Datenqualität") == "datenqualitat"
    assert fold("Größe") == "grosse"


@pytest.mark.parametrize(
    "text",
    ["Das Modell lernt.", "Die Modelle lernen.", "Mit den Modellen", "Die Modellleistung steigt."],
)
def test_german_stem_matches_inflected_and_compound_forms(text):
    assert match_topics(text, "de", {"models": {"de": ["modell*"]}}) == {"models"}


def test_german_compound_head_matches_at_the_end_of_a_word():
    rules = {"data": {"de": ["*qualitat"]}}
    assert match_topics("Die Datenqualität ist entscheidend.", "de", rules) == {"data"}
    assert match_topics("Qualität zählt.", "de", rules) == {"data"}
    assert match_topics("Qualitätssicherung", "de", rules) == set()


def test_whole_word_keyword_does_not_match_inside_other_words():
    rules = {"society": {"de": ["gesellschaft"]}, "ai": {"de": ["ki"]}}
    assert match_topics("eine Tochtergesellschaft von Amazon", "de", rules) == set()
    assert match_topics("Kinder und KI-Agenten", "de", rules) == {"ai"}


def test_phrase_matches_across_spaces_and_hyphens():
    rules = {"open-source": {"de": ["open source"]}}
    assert match_topics("Open-Source-Modelle sind beliebt", "de", rules) == {"open-source"}
    assert match_topics("bei Open Source sehen", "de", rules) == {"open-source"}
    assert match_topics("open the source", "de", rules) == set()


def test_words_glued_by_a_lost_space_are_still_found():
    rules = {"meta": {"de": ["meta"]}}
    assert match_topics("Sie sehen Dinge wieMetaSolche Unternehmen", "de", rules) == {"meta"}


def test_camel_case_names_still_match_as_one_word():
    rules = {"labs": {"en": ["deepmind", "chatbot*"]}}
    assert match_topics("DeepMind built a ChatBot.", "en", rules) == {"labs"}
    assert match_topics("Deep mind", "en", rules) == set()


@pytest.mark.parametrize(
    "text, keyword",
    [
        ("数据质量至关重要", "数据质量"),
        ("我们的重点是合成数据，我们在这方面投入了很多", "合成数据"),
        ("我们还使用 Google 的TPU。", "TPU"),
        ("AI安全很重要", "AI 安全"),
        ("AI 安全很重要", "AI 安全"),
    ],
)
def test_chinese_keywords_match_as_substrings(text, keyword):
    assert match_topics(text, "zh", {"t": {"zh": [keyword]}}) == {"t"}


def test_english_stems_and_whole_words():
    rules = {"scaling": {"en": ["scaling law*"]}, "robotics": {"en": ["robot*"]}, "agents": {"en": ["agent"]}}
    assert match_topics("Scaling laws still hold for robotics.", "en", rules) == {"scaling", "robotics"}
    assert match_topics("The agency hired an agent.", "en", rules) == {"agents"}
    assert match_topics("The agency grew.", "en", rules) == set()


def test_language_without_rules_uses_english_and_regional_codes_use_their_language():
    rules = {"chips": {"en": ["gpu*"], "de": ["chip*"]}}
    assert match_topics("Les GPUs sont chers", "fr", rules) == {"chips"}
    assert match_topics("Chips sind teuer", "de-DE", rules) == {"chips"}
    assert match_topics("GPUs sind teuer", "de", rules) == set()  # the German list is authoritative


def test_unusable_keyword_is_rejected_with_its_text():
    for bad in ["da*ten", "***", "c++"]:
        with pytest.raises(RuleError, match="keyword"):
            compile_rules({"t": {"en": [bad]}})


@given(text=st.text(max_size=300), language=st.sampled_from(["de", "zh", "en", "fr", "", "zh-Hans"]))
@hypothesis_settings(max_examples=300, deadline=None)
def test_any_text_in_any_language_is_matched_without_error(text, language):
    slugs = match_topics(text, language, SHIPPED)
    assert slugs <= set(SHIPPED.keywords)
    assert slugs == set(SHIPPED.explain(text, language))  # the fast index agrees with keyword by keyword


def test_explain_names_the_keywords_that_matched():
    assert SHIPPED.explain("Die Datenqualität ist entscheidend.", "de") == {"data-quality": ["*datenqualitat*"]}


@pytest.mark.parametrize(
    "text, language",
    [
        ("Die Datenqualität ist entscheidend.", "de"),
        ("Wir haben uns auf synthetische Daten konzentriert.", "de"),
        ("Es fehlen Trainingsdaten, die den Denkprozess zeigen.", "de"),
        ("数据质量至关重要。", "zh"),
        ("我们的重点是合成数据。", "zh"),
        ("Data quality matters more than anything else.", "en"),
        ("We generate synthetic data with large models.", "en"),
    ],
)
def test_shipped_vocabulary_finds_data_quality_in_every_language(text, language):
    assert "data-quality" in match_topics(text, language, SHIPPED)


def test_shipped_vocabulary_is_a_controlled_vocabulary_in_three_languages():
    entries = read_vocabulary()
    assert 12 <= len(entries) <= 20
    for entry in entries:
        assert all(entry.names[lang] for lang in ("en", "de", "zh")), entry.slug
        assert all(entry.keywords.get(lang) for lang in ("en", "de", "zh")), entry.slug


# --- Questions and answers share topics ----------------------------------------------------------


def test_answer_without_topics_takes_the_questions():
    turns = [("host", {"funding"}), ("guest", set()), ("host", {"chips"}), ("guest", {"cloud"})]
    assert share_question_topics(turns) == [{"funding"}, {"funding"}, {"chips"}, {"cloud"}]


def test_question_without_topics_takes_its_answers():
    turns = [("host", set()), ("guest", {"robotics"}), ("guest", {"agents"})]
    assert share_question_topics(turns) == [{"robotics", "agents"}, {"robotics"}, {"agents"}]


def test_topics_travel_no_further_than_one_exchange():
    turns = [("host", {"funding"}), ("guest", set()), ("host", set()), ("guest", set())]
    assert share_question_topics(turns) == [{"funding"}, {"funding"}, set(), set()]


def test_nothing_is_shared_without_a_host():
    turns = [("", {"funding"}), ("", set())]
    assert share_question_topics(turns) == [{"funding"}, set()]
