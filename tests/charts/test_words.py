"""What the charts count as a word."""

from interviews.charts.words import count_words, first_words


def test_space_separated_languages_count_runs_of_letters_and_digits():
    assert count_words("Datenqualität ist alles.") == 3
    assert count_words("GPT-4 costs $100, it's said") == 7  # GPT, 4, costs, 100, it, s, said


def test_each_han_kana_or_hangul_character_is_a_word():
    assert count_words("数据质量至关重要。") == 8  # the full stop is no word
    assert count_words("データ品質") == 5
    assert count_words("데이터") == 3


def test_mixed_text_counts_cjk_by_character_and_the_rest_by_word():
    assert count_words("我们用GPT-4") == 5


def test_nothing_is_no_words():
    assert count_words("") == count_words(None) == count_words(" \n—… ") == 0


def test_first_words_cut_by_the_same_rule():
    assert first_words("one two three four", 2) == "one two…"
    assert first_words("数据质量至关重要", 4) == "数据质量…"
    assert first_words("short  text\n", 12) == "short text"
