"""What the charts count as a word. Pure Python, no Django.

The rule, for text in any language: every Han, Kana or Hangul character is one word, and every
other run of letters and digits is one word (``languages.CJK_CHARS`` says which characters are
CJK). So "Datenqualität ist alles" is 3 words, "数据质量" is 4 and "我们用GPT-4" is 3 + 2 = 5.

Why characters for CJK: Chinese and Japanese are written without spaces, so a whitespace count
would make a whole Chinese turn one word. Splitting into dictionary words (jieba, as the search
analyzer does) is slower, changes with the dictionary's version and has no answer for Korean
or Japanese here; a character is the unit Chinese readers count text in (字数). The charts only
compare turns of one transcript with each other (shares within one language), never a German
count with a Chinese one, so the unit need only be consistent within a language. Mixed text (an
English name in a Chinese turn) is counted by the same rule, character by character where it is
CJK and word by word where it is not.
"""

import re

from interviews.languages import CJK_CHARS

# One CJK character, or a run of word characters that are not CJK.
_WORD_RE = re.compile(f"[{CJK_CHARS}]|[^\\W{CJK_CHARS}]+")


def count_words(text: str) -> int:
    """Words in ``text`` by the rule above."""
    return len(_WORD_RE.findall(text or ""))


def first_words(text: str, limit: int = 12) -> str:
    """The opening of ``text``: its first ``limit`` words by the same rule, with "…" when cut."""
    text = " ".join((text or "").split())
    matches = _WORD_RE.finditer(text)
    for n, match in enumerate(matches, start=1):
        if n == limit:
            end = match.end()
            return text if end >= len(text) else text[:end] + "…"
    return text
