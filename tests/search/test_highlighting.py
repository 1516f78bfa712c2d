"""Highlighting analyses only the runs of a text that can hold a term of the query, and marks
exactly what analysing every run would mark.

``highlighting._may_hold`` tells from a run's normalised text that analysing it cannot yield
any of the query's terms (see the comment above it): these tests hold that test to be a
necessary condition, run by run and term by term, on the seed transcripts and on generated text,
and the spans found with it equal to those of the whole text analysed. Pure Whoosh + jieba.
"""

import json
import subprocess
import tempfile
import unicodedata
from pathlib import Path

import opencc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.lang.porter import stem as porter_stem

from interviews.languages import fold, to_simplified
from interviews.search.analysis import analyzer_for
from interviews.search.highlighting import (
    _HAN_START_RE,
    T2S_CHANGES,
    _analysis_key,
    _known_runs,
    _matched_spans,
    _may_hold,
    _normaliser,
    _run_tokens_of,
    _t2s_changes,
    _word_runs,
    highlight,
)

ROOT = Path(__file__).resolve().parents[2]
SEED_TEXTS = sorted((ROOT / "data" / "transcripts").glob("*.txt"))
LANGUAGES = ("de", "zh", "en", "ja")  # "ja": the generic analyzer


def reference_spans(text, terms, language) -> list:
    """What highlighting marks, found the slow way: the whole text analysed, every token kept."""
    tokens = analyzer_for(language)(text, chars=True, mode="index")
    return sorted((t.startchar, t.endchar, t.text) for t in tokens if t.text in terms and t.endchar > t.startchar)


def runs_and_terms(text, language):
    """``{run: terms}`` of every run of word characters of ``text``, analysed one by one."""
    key = _analysis_key(language)
    analyse = _run_tokens_of(key)
    return {match.group(): analyse(match.group())[1] for match in _word_runs(analyzer_for(language)).finditer(text)}


def forget_runs():
    for language in LANGUAGES:
        _known_runs(_analysis_key(language)).clear()


def assert_every_term_is_let_through(text, language):
    key = _analysis_key(language)
    normalise = _normaliser(key)
    assert normalise is not None, f"the {language} analyzer has no normaliser: its chain changed?"
    for run, terms in runs_and_terms(text, language).items():
        normalised = normalise(run)
        if normalised is None:
            continue  # analysed whatever the query
        for term in terms:
            assert _may_hold(key, frozenset({term}))(normalised), (language, run, term, normalised)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("path", SEED_TEXTS, ids=lambda path: path.name)
def test_a_run_is_never_skipped_for_a_term_it_holds_in_the_seed_transcripts(path, language):
    """Every word of the seed transcripts, analysed, is a query: the run it comes from passes
    the test for that term in every analyzer."""
    assert_every_term_is_let_through(path.read_text(encoding="utf-8"), language)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("path", SEED_TEXTS, ids=lambda path: path.name)
def test_the_seed_transcripts_are_marked_as_the_whole_text_analysed_marks_them(path, language):
    """Each paragraph with queries made of its own terms (five at a time, with a term of another
    paragraph), with the runs known and forgotten: the same spans as the whole text analysed."""
    paragraphs = [p for p in path.read_text(encoding="utf-8").split("\n") if p.strip()]
    terms_of = [sorted(set().union(*runs_and_terms(p, language).values())) for p in paragraphs]
    elsewhere = [term for terms in terms_of for term in terms[:1]]
    for i, (paragraph, terms) in enumerate(zip(paragraphs, terms_of)):
        if i % 2:
            forget_runs()
        for j in range(0, len(terms), 5):
            query = set(terms[j : j + 5]) | {elsewhere[(i + j) % len(elsewhere)]}
            assert _matched_spans(paragraph, query, language) == reference_spans(paragraph, query, language), query


PIECES = (
    ["Die", "Datenqualität", "DATENQUALITÄT", "Gründerinnen", "Seriengründer", "Straße", "STRASSE", "Modelle"]
    + ["models", "happy", "hopping", "conflated", "relational", "yelling", "Ys", "ies", "sses", "e.g", "U.S.", "3.5"]
    + ["GPT-4", "2024", "_x_", "ﬁrst", "Æsop", "Wiśniewski", "naïve", "İstanbul", "ΣΟΦΙΑ", "ꭰꭱ", "Ｆｕｌｌ", "①②"]
    + ["数据质量至关重要", "大数据质量", "我们", "為什麼", "數據質量", "瞭解", "么麼", "乾隆", "乾燥", "回覆", "沈阳"]
    + ["豈", "々", "〇", "㊀", "データ品質", "ｶﾞｷﾞ", "ｶﾀｶﾅ", "が", "한국어", "Русский"]
    + [" ", " ", "-", ".", "\n", "。", "'", "é", "ß", "\u0301", "\u3099"]
)


@settings(max_examples=300, deadline=None)
@given(
    text=st.lists(st.sampled_from(PIECES) | st.text(max_size=3), max_size=30).map("".join),
    language=st.sampled_from(LANGUAGES),
    data=st.data(),
)
def test_generated_text_is_marked_as_the_whole_text_analysed_marks_it(text, language, data):
    """Mixed scripts, umlauts, ß, traditional Chinese, kana, digits, hyphens and any character:
    every term a run yields passes the test, and any query's spans are the whole text's."""
    assert_every_term_is_let_through(text, language)
    terms = sorted(set().union(*runs_and_terms(text, language).values()) | {"dat", "数据", "model"})
    query = set(data.draw(st.lists(st.sampled_from(terms), min_size=1, max_size=4)))
    forget_runs()
    for _ in range(3):  # runs unseen, seen once (words analysed then), analysed
        assert _matched_spans(text, query, language) == reference_spans(text, query, language)


def test_a_run_without_a_query_term_is_not_analysed(monkeypatch):
    """The point of it all: only the run holding the term is analysed."""
    analysed = []
    analyse = _run_tokens_of("zh")
    monkeypatch.setattr(
        "interviews.search.highlighting._run_tokens_of", lambda key: lambda run: analysed.append(run) or analyse(run)
    )
    forget_runs()
    text = "我们整天被两到三家供应商那里得到的游戏。数据质量至关重要。回覆我们。"
    assert (
        highlight(text, "质量", "zh")
        == "我们整天被两到三家供应商那里得到的游戏。数据<mark>质量</mark>至关重要。回覆我们。"
    )
    assert analysed == ["数据质量至关重要", "回覆我们"]  # 回覆 is converted (回复): analysed anyway


def test_fold_keeps_a_han_run_one_character_for_one():
    """What the Chinese and German tests rest on: fold() maps each Han character to one Han
    character, caseless, so the folded parts of a Han run are parts of the folded run."""
    han = [chr(code) for code in range(0x3000, 0x30000) if _HAN_START_RE.match(chr(code))]
    assert len(han) > 90_000
    for char in han:
        folded = fold(char)
        assert len(folded) == 1 and folded.lower() == folded and unicodedata.combining(folded) == 0, hex(ord(char))
        assert _HAN_START_RE.match(folded), hex(ord(char))
    assert fold("豈乾隆\uf900数据") == "".join(fold(c) for c in "豈乾隆\uf900数据")


@pytest.mark.parametrize("path", SEED_TEXTS, ids=lambda path: path.name)
def test_the_porter_stem_keeps_all_but_four_of_its_characters_from_the_word(path):
    """What the English test rests on, word for word over the seed transcripts."""
    for word in {fold(w) for w in path.read_text(encoding="utf-8").split()}:
        stem = porter_stem(word)
        assert word.startswith(stem[: max(1, len(stem) - 4)]), (word, stem)


def opencc_t2s_changes() -> tuple:
    """``(dictionary files, keys)``: the keys of OpenCC's t2s dictionaries whose first value is not
    the key, read with the opencc_dict tool that comes with the package."""
    package = Path(opencc.__file__).parent / "clib"
    share, tool = package / "share" / "opencc", package / "bin" / "opencc_dict"
    if not tool.exists():
        pytest.skip("OpenCC's opencc_dict tool is not installed")
    config = json.loads((share / "t2s.json").read_text(encoding="utf-8"))
    files = []

    def add(dictionary):
        if dictionary.get("type") == "group":
            for each in dictionary["dicts"]:
                add(each)
        else:
            files.append(dictionary["file"])

    for stage in config.get("normalization", []) + config["conversion_chain"]:
        add(stage["dict"])
    keys = set()
    with tempfile.TemporaryDirectory() as tmp:
        for name in files:
            out = Path(tmp) / f"{name}.txt"
            subprocess.run([tool, "-i", share / name, "-o", out, "-f", "ocd2", "-t", "text"], check=True)
            for line in out.read_text(encoding="utf-8").splitlines():
                key, _, values = line.partition("\t")
                if values.split(" ")[0] != key:
                    keys.add(key)
    return files, sorted(keys)


def test_the_list_of_what_to_simplified_changes_is_opencc_s():
    """interviews/data/zh_t2s_changes.txt is what the installed OpenCC's dictionaries say; after
    an OpenCC upgrade, write it again: ``.venv/bin/python -m tests.search.test_highlighting``."""
    _, keys = opencc_t2s_changes()
    kept = [line for line in T2S_CHANGES.read_text(encoding="utf-8").splitlines() if line and line[0] != "#"]
    assert kept == keys
    for key in keys[::50]:  # each key is converted as a whole: its first value, not the key
        assert to_simplified(key) != key, key
    chars, words = _t2s_changes()
    assert words.search("瞭解") and chars.search("為") and chars.search("𫐷")
    assert not chars.search("数据质量瞭解") and not words.search("数据质量")


def write_t2s_changes() -> None:
    files, keys = opencc_t2s_changes()
    header = (
        "# Keys of OpenCC's t2s dictionaries whose first value is not the key itself, one a line:\n"
        "# what to_simplified() (interviews/languages.py) can change in a text. highlighting.py\n"
        "# analyses a Chinese Han run holding one of them; the conversion leaves a run without any\n"
        f"# as it is. Read from the dictionaries of the PyPI package OpenCC {opencc.__version__} with\n"
        "# its opencc_dict tool by tests/search/test_highlighting.py:\n"
        f"# {', '.join(files)}.\n"
    )
    T2S_CHANGES.write_text(header + "".join(f"{key}\n" for key in keys), encoding="utf-8")


if __name__ == "__main__":
    write_t2s_changes()
