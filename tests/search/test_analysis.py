"""Search text analysis: what a user finds, and sees highlighted, for German, Chinese and English.

Pure Whoosh + jieba (no Django): each test builds or reuses a tiny in-memory index with one TEXT
field per language, analysed by interviews.search.analysis, and queries it the way the search page does.
"""

import html
import os
import pickle
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import query as wq
from whoosh.fields import ID, Schema
from whoosh.filedb.filestore import RamStorage
from whoosh.qparser import QueryParser

from interviews.search.analysis import (
    ANALYZERS,
    analyzer_for,
    chinese_analyzer,
    fold,
    german_analyzer,
    multilingual_fields,
    multilingual_query,
    split_german_compound,
)
from interviews.search.highlighting import _tokens, highlight, query_terms

ROOT = Path(__file__).resolve().parents[2]
FIELDS = ("text_de", "text_zh", "text_en")

DOCS = {
    "de_quality": ("de", "Die Datenqualität ist für Modelle von entscheidender Bedeutung."),
    "de_compute": ("de", "Ohne Rechenleistung kann man keine großen Modelle trainieren."),
    "de_interview": ("de", "Das Interview wurde im Frühjahr in Berlin geführt."),
    "de_interviews": ("de", "Wir haben viele Interviews mit Gründern ausgewertet."),
    "de_phrase": ("de", "Die Qualität der Daten entscheidet über den Erfolg."),
    "zh_quality": ("zh", "数据质量至关重要。"),
    "zh_synthetic": ("zh", "我们的重点是合成数据。"),
    "zh_robots": ("zh", "模型需要更强大更便宜，AI 下一个大的突破在机器人。"),
    "zh_funding": ("zh", "我们在2024年完成了A轮融资。"),
    "en_models": ("en", "These models learn quickly from synthetic data."),
    "en_model": ("en", "A model of the company was shown to investors."),
}


@pytest.fixture(scope="module")
def ix():
    schema = Schema(id=ID(stored=True, unique=True), django_ct=ID(stored=True), **multilingual_fields(stored=True))
    index = RamStorage().create_index(schema)
    with index.writer() as writer:
        for doc_id, (lang, text) in DOCS.items():
            writer.add_document(id=doc_id, django_ct="interviews.turn", **{f"text_{lang}": text})
    return index


def search(ix, fieldname, query_string):
    """The ids a user gets for ``query_string`` in one field (AND of the words, like Haystack)."""
    q = QueryParser(fieldname, ix.schema).parse(query_string)
    with ix.searcher() as searcher:
        return {hit["id"] for hit in searcher.search(q, limit=None)}


def search_all(ix, query_string):
    """The ids a user gets when the query is matched against every language's field."""
    q = multilingual_query(query_string, ix.schema, FIELDS)
    with ix.searcher() as searcher:
        return {hit["id"] for hit in searcher.search(q, limit=None)}


def tokens(analyzer, text, mode="index", **kwargs):
    return [
        (t.text, t.pos, t.startchar, t.endchar) for t in analyzer(text, positions=True, chars=True, mode=mode, **kwargs)
    ]


# ---------------------------------------------------------------------------------------------
# Chinese
# ---------------------------------------------------------------------------------------------


def test_chinese_query_for_a_two_word_term_finds_it_inside_a_sentence(ix):
    """Searching 数据质量 finds the turn "数据质量至关重要" and nothing else."""
    assert search(ix, "text_zh", "数据质量") == {"zh_quality"}


def test_chinese_query_finds_a_term_at_the_end_of_a_sentence(ix):
    """Searching 合成数据 finds "我们的重点是合成数据"."""
    assert search(ix, "text_zh", "合成数据") == {"zh_synthetic"}


def test_chinese_single_word_query_finds_the_longer_term(ix):
    """Searching 质量 (quality) finds "数据质量至关重要" too."""
    assert search(ix, "text_zh", "质量") == {"zh_quality"}


def test_chinese_word_that_is_not_in_a_turn_does_not_find_it(ix):
    """Searching 数据 finds the two turns that say 数据, not the one about robots."""
    assert search(ix, "text_zh", "数据") == {"zh_quality", "zh_synthetic"}
    assert search(ix, "text_zh", "机器人") == {"zh_robots"}
    assert search(ix, "text_zh", "区块链") == set()


def test_chinese_quoted_phrase_matches_only_words_in_that_order(ix):
    """A quoted Chinese phrase finds the sentence; the same words in another order do not."""
    assert search(ix, "text_zh", '"数据质量至关重要"') == {"zh_quality"}
    assert search(ix, "text_zh", '"质量至关重要"') == {"zh_quality"}
    assert search(ix, "text_zh", '"重点是合成数据"') == {"zh_synthetic"}
    assert search(ix, "text_zh", '"质量数据"') == set()


def test_latin_words_and_numbers_inside_chinese_text_are_searchable(ix):
    """ "AI" and "2024" written inside Chinese sentences are found like any other word."""
    assert search(ix, "text_zh", "AI") == {"zh_robots"}
    assert search(ix, "text_zh", "ai 突破") == {"zh_robots"}
    assert search(ix, "text_zh", "2024") == {"zh_funding"}


def test_every_document_query_and_exact_filters_still_work_on_the_chinese_field(ix):
    """`*` lists every Chinese turn (browse pages, facets), and django_ct-style exact filters
    combine with Chinese words, which jieba's stock ChineseAnalyzer breaks."""
    zh_ids = {d for d, (lang, _) in DOCS.items() if lang == "zh"}
    q = QueryParser("text_zh", ix.schema).parse("*")
    assert isinstance(q, wq.Every)
    with ix.searcher() as searcher:
        assert {h["id"] for h in searcher.search(q, limit=None)} == zh_ids
    assert search(ix, "text_zh", "django_ct:interviews.turn AND 数据") == {"zh_quality", "zh_synthetic"}
    assert search(ix, "text_zh", "django_ct:interviews.turn") == set(DOCS)
    # tokenize=False (what Whoosh uses for `*`, prefixes and wildcards) is one token.
    assert [t.text for t in chinese_analyzer()("*", tokenize=False)] == ["*"]
    assert [t.text for t in chinese_analyzer()("数据*", tokenize=False)] == ["数据*"]


def test_chinese_tokens_have_sequential_positions_and_exact_character_offsets():
    """Each word gets the next position (phrases work) and start/end point at the word in the
    original text (highlighting works); the index also holds the whole word and sub-words."""
    text = "我们说：数据质量至关重要，AI也是。"
    query_toks = tokens(chinese_analyzer(), text, mode="query")
    assert [p for _, p, _, _ in query_toks] == list(range(len(query_toks)))
    index_toks = tokens(chinese_analyzer(), text)
    for term, _, start, end in index_toks:
        assert fold(text[start:end]) == term
    positions = [p for _, p, _, _ in index_toks]
    assert positions == sorted(positions)
    index_terms = {term for term, *_ in index_toks}
    assert {"数据", "质量", "至关重要", "至关", "重要", "ai"} <= index_terms
    # cut_for_search-like: a long word is indexed whole and by every dictionary word inside it.
    long_word = {term for term, *_ in tokens(chinese_analyzer(), "中华人民共和国")}
    assert {"中华人民共和国", "中华", "人民", "共和国", "共和"} <= long_word


# ---------------------------------------------------------------------------------------------
# German
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["Datenqualität", "datenqualitat", "Daten", "Qualität", "qualitat", "DATENQUALITÄT"])
def test_german_compound_is_found_by_itself_its_parts_and_without_umlauts(ix, query):
    """Datenqualität is found by Datenqualität, datenqualitat, Daten and Qualität."""
    assert "de_quality" in search(ix, "text_de", query)


def test_german_compound_parts_do_not_find_unrelated_turns(ix):
    """Daten does not find the turn about computing power; Leistung not the one about data."""
    assert "de_compute" not in search(ix, "text_de", "Daten")
    assert "de_quality" not in search(ix, "text_de", "Leistung")
    assert search(ix, "text_de", "Qualität") == {"de_quality", "de_phrase"}


def test_german_plural_and_singular_find_each_other(ix):
    """Modell finds turns that say Modelle (and vice versa)."""
    assert search(ix, "text_de", "Modell") == {"de_quality", "de_compute"}
    assert search(ix, "text_de", "Modelle") == {"de_quality", "de_compute"}


def test_german_rechenleistung_is_found_by_the_whole_word_and_by_leistung(ix):
    """Rechenleistung is found by Rechenleistung and by Leistung."""
    assert search(ix, "text_de", "Rechenleistung") == {"de_compute"}
    assert search(ix, "text_de", "Leistung") == {"de_compute"}


def test_german_loan_word_interview_singular_and_plural_find_each_other(ix):
    """Interview finds "Interviews" and Interviews finds "Interview" (the German stemmer alone
    does not)."""
    assert search(ix, "text_de", "Interview") == {"de_interview", "de_interviews"}
    assert search(ix, "text_de", "Interviews") == {"de_interview", "de_interviews"}


def test_german_quoted_phrases_respect_word_order_also_across_stop_words_and_compounds(ix):
    """Quoted German phrases match in order, including phrases with der/die and compounds."""
    assert search(ix, "text_de", '"entscheidender Bedeutung"') == {"de_quality"}
    assert search(ix, "text_de", '"Bedeutung entscheidender"') == set()
    assert search(ix, "text_de", '"Qualität der Daten"') == {"de_phrase"}
    assert search(ix, "text_de", '"Die Datenqualität ist für Modelle"') == {"de_quality"}
    assert search(ix, "text_de", '"Daten Qualität"') == set()


def test_german_founders_are_not_confused_with_reasons_and_feminine_forms_match():
    """Gründer finds Gründerinnen and Seriengründer, not "Gründe" (reasons) -- the plain German
    stemmer maps all of them to "grund"."""
    schema = Schema(id=ID(stored=True), **multilingual_fields())
    index = RamStorage().create_index(schema)
    with index.writer() as writer:
        writer.add_document(id="founders", text_de="Die Gründerinnen und Gründer erzählen.")
        writer.add_document(id="serial", text_de="Ein Seriengründer aus München.")
        writer.add_document(id="reasons", text_de="Dafür gibt es viele Gründe.")
    assert search(index, "text_de", "Gründer") == {"founders", "serial"}
    assert search(index, "text_de", "Gründerin") == {"founders", "serial"}
    assert search(index, "text_de", "Grund") == {"reasons"}


def test_german_compound_splitting_splits_compounds_but_not_ordinary_words():
    """Compounds split into real words (with linking -s-); common words stay whole."""
    assert split_german_compound("datenqualitat") == ("daten", "qualitat")
    assert split_german_compound("rechenleistung") == ("rechen", "leistung")
    assert split_german_compound("modellleistung") == ("modell", "leistung")
    assert split_german_compound(fold("Geschäftsentwicklung"))[-1] == "entwicklung"
    for word in [
        "wahrscheinlich",
        "unternehmen",
        "erstellen",
        "parameter",
        "kandidaten",
        "spezifischer",
        "technologische",
        "verantwortung",
        "modelle",
        "interview",
        "weiterentwickeln",
        "grunderinnen",
    ]:
        assert split_german_compound(word) == (), word


def test_german_query_analysis_gives_one_term_per_word_and_keeps_wildcards_whole():
    """At query time a compound is one term (so phrases line up); `*` terms are not stemmed."""
    assert [t for t, *_ in tokens(german_analyzer(), "Datenqualität Modelle", mode="query")] == [
        "datenqualitat",
        "modell",
    ]
    assert [t.text for t in german_analyzer()("Datenqual*", tokenize=False)] == ["datenqual*"]
    assert _prefix_search_ids() == {"de_quality"}


def test_latin_accents_and_ligatures_fold_but_other_scripts_keep_their_marks():
    assert fold("Wiśniewski") == "wisniewski"
    assert fold("naïve café ﬁrst Straße") == "naive cafe first strasse"
    assert fold("Søren Æsop Cœur Łódź Đorđe") == "soren aesop coeur lodz dorde"
    assert fold("がギ한국") == "がギ한국"  # voiced kana and Hangul are not Latin accents


def test_english_analysis_folds_and_still_stems_and_keeps_the_word_s_characters():
    english = analyzer_for("en")
    text = "Wiśniewski's naïve cafés"
    assert [(t, text[start:end]) for t, _, start, end in tokens(english, text)] == [
        ("wisniewski", "Wiśniewski"),
        ("naiv", "naïve"),
        ("cafe", "cafés"),
    ]
    assert [t for t, *_ in tokens(english, "Wisniewski naive cafe", mode="query")] == ["wisniewski", "naiv", "cafe"]


def _prefix_search_ids():
    schema = Schema(id=ID(stored=True), **multilingual_fields())
    index = RamStorage().create_index(schema)
    with index.writer() as writer:
        writer.add_document(id="de_quality", text_de=DOCS["de_quality"][1])
        writer.add_document(id="de_compute", text_de=DOCS["de_compute"][1])
    return search(index, "text_de", "datenqual*")


# ---------------------------------------------------------------------------------------------
# English, fallback, all languages together
# ---------------------------------------------------------------------------------------------


def test_english_plural_and_singular_find_each_other(ix):
    """ "models" finds "model" and "model" finds "models"."""
    assert search(ix, "text_en", "models") == {"en_models", "en_model"}
    assert search(ix, "text_en", "model") == {"en_models", "en_model"}
    assert search(ix, "text_en", '"synthetic data"') == {"en_models"}


def test_one_query_is_matched_against_every_language(ix):
    """A query box searches all languages: each finds its own turns, stop words don't hurt."""
    assert search_all(ix, "Modelle") >= {"de_quality", "de_compute"}
    assert search_all(ix, "models") == {"en_models", "en_model"}
    assert search_all(ix, "数据质量") == {"zh_quality"}
    assert search_all(ix, "die Daten") == {"de_quality", "de_phrase"}
    assert search_all(ix, "AI") == {"zh_robots"}


def test_analyzer_for_picks_by_language_code_and_falls_back_to_a_generic_analyzer():
    """de-AT/zh_Hans/EN pick their analyzers; French and Japanese get folding and CJK handling."""
    assert analyzer_for("de-AT") is ANALYZERS["de"]
    assert analyzer_for("zh_Hans") is ANALYZERS["zh"]
    assert analyzer_for("EN") is ANALYZERS["en"]
    generic = analyzer_for("fr")
    assert analyzer_for(None) is generic and analyzer_for("ja") is generic
    assert [t for t, *_ in tokens(generic, "Qualité des Données")] == ["qualite", "des", "donnees"]
    assert [t for t, *_ in tokens(generic, "ありがとう", mode="query")] == ["あり", "りが", "がと", "とう"]
    assert "勉強" in [t for t, *_ in tokens(generic, "日本語を勉強します")]


def test_analyzers_survive_pickling_as_whoosh_stores_them_in_the_index():
    """Whoosh pickles the schema (with its analyzers) into the index and reopens it."""
    for analyzer in list(ANALYZERS.values()) + [analyzer_for("ja")]:
        clone = pickle.loads(pickle.dumps(analyzer))
        assert clone == analyzer
        assert tokens(clone, "Datenqualität 数据质量") == tokens(analyzer, "Datenqualität 数据质量")
    storage = RamStorage()
    storage.create_index(Schema(id=ID(stored=True), **multilingual_fields()))
    reopened = storage.open_index()
    with reopened.writer() as writer:
        writer.add_document(id="x", text_zh="数据质量至关重要", text_de="Datenqualität")
    assert search(reopened, "text_zh", "质量") == {"x"}
    assert search(reopened, "text_de", "Daten") == {"x"}


def test_jieba_starts_quietly_with_its_cache_in_a_writable_directory(tmp_path):
    """The first Chinese analysis in a fresh process prints nothing to stderr; jieba is loaded
    only when needed and the module never imports Django."""
    code = (
        "import sys; from interviews.search.analysis import chinese_analyzer; from interviews.search.tokenizer import _jieba;"
        "assert 'jieba' not in sys.modules and 'django' not in sys.modules;"
        "print([t.text for t in chinese_analyzer()('数据质量至关重要', mode='query')]);"
        "assert 'django' not in sys.modules;"
        "print(_jieba().tmp_dir)"
    )
    env = dict(os.environ, JIEBA_CACHE_DIR=str(tmp_path / "jieba"))
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "['数据', '质量', '至关', '重要']" in result.stdout
    assert result.stdout.strip().endswith(str(tmp_path / "jieba"))
    assert list((tmp_path / "jieba").glob("jieba*.cache"))


# ---------------------------------------------------------------------------------------------
# Query terms and highlighting
# ---------------------------------------------------------------------------------------------


def test_a_name_search_marks_the_names_typed_not_the_speakers_it_also_finds():
    """A name search also finds every turn of the speakers it names (``speaker:"slug"^4`` in the
    expanded query); those clauses are not words of the text to mark."""
    expanded = '(aidan OR speaker:"aidan-chen"^4) (gomez OR speaker:"alex-gomez"^4)'
    for language in ("en", "de", "zh", None):
        assert query_terms(expanded, language) == ["aidan", "gomez"]
    assert highlight("The speaker Alex Chen met Aidan Gomez.", expanded, "en") == (
        "The speaker Alex Chen met <mark>Aidan</mark> <mark>Gomez</mark>."
    )


def test_query_terms_are_the_analysed_words_of_the_query_without_negated_ones():
    """The terms used for highlighting are what the index stores; NOT-ed words are left out."""
    assert query_terms('"Modelle" AND Interviews', "de") == ["modell", "interview"]
    assert query_terms("Datenqualität NOT Kosten", "de") == ["datenqualitat"]
    assert query_terms("数据质量", "zh") == ["数据", "质量"]
    assert query_terms("models", "en") == ["model"]
    assert query_terms("datenqual*", "de") == ["datenqual*"]
    assert query_terms("   ", "de") == [] and query_terms("*", "zh") == []


def test_highlight_marks_german_stemmed_matches_and_whole_compounds():
    """Searching Daten marks "Datenqualität"; searching Modell marks "Modelle"."""
    text = DOCS["de_quality"][1]
    assert highlight(text, "Daten", "de") == (
        "Die <mark>Datenqualität</mark> ist für Modelle von entscheidender Bedeutung."
    )
    assert highlight(text, "Modell", "de") == (
        "Die Datenqualität ist für <mark>Modelle</mark> von entscheidender Bedeutung."
    )
    assert "<mark>Interviews</mark>" in highlight(DOCS["de_interviews"][1], "Interview", "de")


def test_highlight_marks_chinese_words_found_by_jieba():
    """Searching 质量 marks just 质量; 数据质量 marks the whole term; AI is marked too."""
    assert highlight("数据质量至关重要。", "质量", "zh") == "数据<mark>质量</mark>至关重要。"
    assert highlight("数据质量至关重要。", "数据质量", "zh") == "<mark>数据质量</mark>至关重要。"
    assert highlight(DOCS["zh_robots"][1], "ai", "zh").count("<mark>AI</mark>") == 1


def test_highlight_marks_english_stemmed_matches():
    """Searching model marks "models" and "Model"."""
    assert highlight("Models, models and a Model.", "model", "en") == (
        "<mark>Models</mark>, <mark>models</mark> and a <mark>Model</mark>."
    )
    assert highlight("Nothing relevant here.", "model", "en") == "Nothing relevant here."


def test_highlight_accepts_terms_or_a_whoosh_query():
    """The helper takes query_terms() output or a parsed Whoosh query as well as a string."""
    text = DOCS["de_compute"][1]
    expected = "Ohne <mark>Rechenleistung</mark> kann man keine großen Modelle trainieren."
    assert highlight(text, query_terms("Leistung", "de"), "de") == expected
    assert highlight(text, wq.Term("text_de", "leistung"), "de") == expected


def test_highlight_makes_a_snippet_around_the_best_match_cut_at_word_boundaries():
    """In a long answer the user sees ~200 characters around the match with … at the cuts."""
    words = "Lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod".split()
    filler = " ".join(words[i % len(words)] for i in range(300))
    text = f"{filler} Die Datenqualität entscheidet. {filler}"
    out = highlight(text, "Datenqualität", "de")
    assert out.startswith("…") and out.endswith("…")
    assert "<mark>Datenqualität</mark>" in out
    plain = out.replace("<mark>", "").replace("</mark>", "").strip("…")
    assert 150 <= len(plain) <= 230
    first, last = plain.split()[0], plain.split()[-1]
    assert first in words and last.rstrip(".") in words + ["entscheidet"]

    zh = "我们认为" * 40 + "数据质量至关重要" + "模型需要更强大" * 30
    out = highlight(zh, "数据质量", "zh")
    assert out.startswith("…") and out.endswith("…")
    assert "<mark>数据质量</mark>" in out
    assert len(out.replace("<mark>", "").replace("</mark>", "")) <= 90

    no_match = highlight(text, "Blockchain", "de")
    assert no_match.startswith("Lorem ipsum") and no_match.endswith("…")


XSS_PAYLOADS = [
    "<img src=x onerror=alert(1)//",
    "<script>alert('xss')</script>",
    '"><svg onload=alert(1)>',
    '<a href="javascript:alert(1)">click</a>',
    "<iframe srcdoc='<script>alert(1)</script>'>",
    "</mark><script>alert(1)</script><mark>",
    "<<script>script>alert(1)<</script>/script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<body onload=alert(1)> 数据质量 <img src=x onerror=alert(2)>",
]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
@pytest.mark.parametrize(
    "language,query", [("en", "alert"), ("de", "Datenqualität onerror"), ("zh", "数据质量 script"), ("en", "<script>")]
)
def test_highlight_escapes_xss_payloads_and_outputs_only_mark_tags(payload, language, query):
    """Whatever a transcript contains, the snippet shows it as text: the only tags are <mark>."""
    text = f"Die Datenqualität {payload} ist wichtig. {payload}"
    out = highlight(text, query, language)
    without_marks = out.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in without_marks and ">" not in without_marks
    assert '"' not in without_marks and "'" not in without_marks
    assert re.findall(r"<[^>]*>", out) == [t for t in re.findall(r"</?mark>", out)]
    assert html.unescape(without_marks) == text
    assert out.count("<mark>") == out.count("</mark>")


def test_highlight_marks_matches_inside_payloads_without_unescaping_them():
    """A match inside markup-looking text is marked, and the markup stays escaped."""
    out = highlight("<img src=x onerror=alert(1)//", "onerror", "en")
    assert out == "&lt;img src=x <mark>onerror</mark>=alert(1)//"
    out = highlight('"><svg onload=alert(1)>', "svg", "en")
    assert out == "&quot;&gt;&lt;<mark>svg</mark> onload=alert(1)&gt;"


def test_highlight_accepts_a_multilingual_whoosh_query(ix):
    """The query object the search ran (all language fields) highlights the German turn."""
    q = multilingual_query("Leistung", ix.schema, FIELDS)
    assert highlight(DOCS["de_compute"][1], q, "de") == (
        "Ohne <mark>Rechenleistung</mark> kann man keine großen Modelle trainieren."
    )


@settings(max_examples=150, deadline=None)
@given(
    text=st.lists(st.sampled_from(list("<>&\"'/=( )ab xäß数据质量。\n") + ["script", "Daten"]), max_size=150).map(
        "".join
    ),
    query=st.sampled_from(["script", "数据", "a", "<b>", "x AND ä", '"data quality"', "*"]),
    language=st.sampled_from(["de", "zh", "en", "fr"]),
)
def test_highlight_output_is_always_escaped_text_with_balanced_marks(text, query, language):
    """For any text and query, the snippet is the escaped text plus balanced <mark> tags."""
    out = highlight(text, query, language)
    without_marks = out.replace("<mark>", "").replace("</mark>", "")
    assert not set("<>\"'") & set(without_marks)
    assert out.count("<mark>") == out.count("</mark>")
    assert "<mark></mark>" not in out
    shown = html.unescape(without_marks).strip("…")
    assert shown in re.sub(r"\s+", " ", text)


@settings(max_examples=200, deadline=None)
@given(
    text=st.lists(
        st.sampled_from(
            ["Die", "Datenqualität", "Gründerinnen", "der", "Modelle", "models", "e.g", "U.S.", "a", "the", "AI"]
            + ["数据质量至关重要", "大数据质量", "我们", "データ品質", "ｶﾀｶﾅ", "Ærø", "naïve", "2024", "_x_"]
            + [" ", "  ", ".", "-", "\n", "。", "'", "é"]
        ),
        max_size=40,
    ).map("".join),
    language=st.sampled_from(["de", "zh", "en", "ja", "fr", None]),
)
def test_highlighting_finds_the_tokens_the_analyzer_finds_in_the_whole_text(text, language):
    """Highlighting analyses a text word run by word run (each run once per process): the tokens,
    with their characters, are the ones the language's analyzer finds in the whole text."""
    whole = [(t.startchar, t.endchar, t.text) for t in analyzer_for(language)(text, chars=True, mode="index")]
    assert sorted(_tokens(text, language)) == sorted(whole)


def test_a_model_number_finds_that_model_only_in_every_language():
    """GPT-5 is the phrase "gpt 5" (query.parse_query): a single digit is a word in English as in
    German and Chinese, so GPT-5 does not find turns about GPT-4."""
    schema = Schema(id=ID(stored=True), **multilingual_fields())
    index = RamStorage().create_index(schema)
    with index.writer() as writer:
        writer.add_document(id="en_gpt5", text_en="We switched to GPT-5 last week.")
        writer.add_document(id="en_gpt4", text_en="GPT-4 was enough for 5 of our customers.")
        writer.add_document(id="de_gpt5", text_de="Wir nutzen jetzt GPT-5.")
        writer.add_document(id="zh_gpt5", text_zh="我们现在用GPT-5。")
    q = multilingual_query('"gpt 5"', index.schema, FIELDS)
    with index.searcher() as searcher:
        assert {hit["id"] for hit in searcher.search(q, limit=None)} == {"en_gpt5", "de_gpt5", "zh_gpt5"}
    assert [t for t, *_ in tokens(analyzer_for("en"), "GPT-5 x", mode="query")] == ["gpt", "5"]
