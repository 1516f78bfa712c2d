"""The analyzers' fast path for indexing gives exactly the postings Whoosh's own token pipeline
gives: the same terms, frequencies, weights and positions, for every field of a turn, whatever
the text (German compounds and stop words, Chinese, kana, names, punctuation, nothing at all).

Pure Whoosh + jieba: each test compares a field's ``word_values`` (what a writer adds to the
index for one document) through our analyzer with the same through a plain ``CompositeAnalyzer``
of the same parts, which runs every filter's generator as Whoosh does.
"""

import pickle
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.analysis import CompositeAnalyzer
from whoosh.formats import Frequency, Positions

from interviews.search.analysis import ANALYZERS, IndexingAnalyzer, generic_analyzer
from interviews.search.indexes import TurnIndex, surface_analyzer
from interviews.search.tokenizer import FoldFilter, MixedScriptTokenizer

ROOT = Path(__file__).resolve().parents[2]

#: Every analyzer a turn's fields use: the language fields and ``text`` (the words as written).
ANALYZERS_BY_FIELD = {
    "text_de": ANALYZERS["de"],
    "text_zh": ANALYZERS["zh"],
    "text_en": ANALYZERS["en"],
    "text_xx": generic_analyzer(),
    "text": surface_analyzer(),
}

TEXTS = [
    "",
    "   \n\t ",
    "...!?;–—",
    "Die Datenqualität ist für Modelle von entscheidender Bedeutung.",
    "Seriengründerinnen und Gründer: die Forschungsergebnisse der Rechenleistung, das ist es.",
    "der die das und oder",  # nothing but stop words
    "Die die die Daten die",  # stop words between and around a word
    "Startups Interviews Autos Ärzte über Österreich's Straße",
    "数据质量至关重要。大数据质量决定了模型的上限。",
    "我们在2023年用GPT-4训练了Transformer模型，数据质量很重要",
    "國際化與數據質量",  # traditional characters (simplified in the Chinese field)
    "カタカナ テスト ひらがな 漢字と仮名",
    "The data of the founders; don't GPT 5 e.g. 3.141 naïve café Wiśniewski's",
    "a b c 1 2 3 the of and",
    "Aidan Gomez (艾丹·戈麦斯) und Dr. Anna Wang — co-founder of Cohere",
    "under_score snake_case 10x 1,000,000 50% C++ C# .NET",
    "ﬁnance Œuvre ŁÓDŹ þorn straße",
]


def _postings(analyzer, text, fmt):
    return sorted(fmt.word_values(text, analyzer, mode="index"))


def _generic(analyzer):
    """The same parts in a plain Whoosh analyzer: every filter's generator, as Whoosh runs them."""
    return CompositeAnalyzer(*analyzer.items)


def _assert_same_postings(text):
    for field, analyzer in ANALYZERS_BY_FIELD.items():
        for fmt in (Positions(), Frequency()):
            fast = _postings(analyzer, text, fmt)
            assert fast == _postings(_generic(analyzer), text, fmt), (field, type(fmt).__name__, text)


def test_every_field_of_a_turn_uses_the_fast_path():
    for name, field in TurnIndex.fields.items():
        if name.startswith("text"):
            assert isinstance(field.analyzer, IndexingAnalyzer), name
    for analyzer in ANALYZERS_BY_FIELD.values():
        assert isinstance(analyzer, IndexingAnalyzer)


@pytest.mark.parametrize("text", TEXTS)
def test_fast_path_gives_the_postings_of_the_generic_pipeline(text):
    _assert_same_postings(text)


def test_fast_path_gives_the_same_postings_for_the_seed_transcripts():
    texts = [path.read_text(encoding="utf-8") for path in sorted((ROOT / "data" / "transcripts").glob("*.txt"))]
    assert texts
    for text in texts:
        for paragraph in text.split("\n\n"):
            _assert_same_postings(paragraph)


def test_the_same_text_twice_and_texts_in_turn_give_the_same_postings():
    """The tokens of the last text are kept for the next field: a different text is not served them."""
    for first, second in zip(TEXTS, TEXTS[1:] + TEXTS[:1]):
        _assert_same_postings(first)
        _assert_same_postings(first)
        _assert_same_postings(second)


def test_kept_tokens_are_not_served_to_a_tokenizer_with_other_settings():
    """Without kana bigrams, kana runs are one token each: a text analysed with bigrams just before
    must not hand its tokens on."""
    text = "カタカナ テスト ひらがな"
    bigrams = IndexingAnalyzer(MixedScriptTokenizer(kana_bigrams=True), FoldFilter())
    whole = IndexingAnalyzer(MixedScriptTokenizer(kana_bigrams=False), FoldFilter())
    assert _postings(bigrams, text, Positions()) == _postings(_generic(bigrams), text, Positions())
    assert _postings(whole, text, Positions()) == _postings(_generic(whole), text, Positions())
    assert _postings(whole, text, Positions()) != _postings(bigrams, text, Positions())


def test_a_full_memo_is_emptied_and_the_postings_stay_the_same(monkeypatch):
    """The memo is emptied before a text once it holds MEMO_WORDS words."""
    analyzer = IndexingAnalyzer(*ANALYZERS["de"].items)
    monkeypatch.setattr(IndexingAnalyzer, "MEMO_WORDS", 3)
    for text in TEXTS:
        assert _postings(analyzer, text, Positions()) == _postings(_generic(analyzer), text, Positions())
    assert len(analyzer._fast_memo) <= 3 + len(TEXTS[-1].split())  # the limit, and the last text's words


def test_queries_and_highlighting_calls_run_the_generic_pipeline():
    analyzer = ANALYZERS["de"]
    text = "Die Datenqualität der Gründerinnen"
    for kwargs in ({"mode": "query"}, {"mode": "index", "chars": True, "positions": True}, {"tokenize": False}):
        fast = [(t.text, getattr(t, "pos", None)) for t in analyzer(text, **kwargs)]
        plain = [(t.text, getattr(t, "pos", None)) for t in _generic(analyzer)(text, **kwargs)]
        assert fast == plain


def test_the_memo_is_not_pickled_into_an_index():
    analyzer = IndexingAnalyzer(*ANALYZERS["zh"].items)
    _postings(analyzer, "数据质量至关重要", Positions())
    restored = pickle.loads(pickle.dumps(analyzer))
    assert not any(name.startswith("_fast") for name in vars(restored))
    assert _postings(restored, "数据质量至关重要", Positions()) == _postings(analyzer, "数据质量至关重要", Positions())


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(
                [
                    "die",
                    "der",
                    "und",
                    "Daten",
                    "Datenqualität",
                    "Gründerinnen",
                    "the",
                    "of",
                    "GPT",
                    "5",
                    "a",
                    "数据",
                    "质量",
                    "至关重要",
                    "カナ",
                    "Straße",
                    "naïve",
                    " ",
                    ".",
                    ",",
                    "-",
                    "'",
                    "\n",
                ]
            ),
            st.text(max_size=6),
        ),
        max_size=25,
    )
)
def test_fast_path_gives_the_postings_of_the_generic_pipeline_for_any_text(parts):
    _assert_same_postings(" ".join(parts) if len(parts) % 2 else "".join(parts))
