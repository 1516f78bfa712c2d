"""Topic rules: keywords matched against the text of a turn. Plain Python, no Django: rules and
texts in, topic slugs out, tested on plain strings. `interviews.topics.tagging` maps the result
onto the database.

Keyword syntax (per language, one keyword per entry; case, accents and Umlauts ignored):
  modell      the whole word only
  modell*     words starting with it: Modelle, Modellen, Modellleistung (German inflection)
  *qualitat   words ending with it: Datenqualität (German compounds put the head last)
  *daten*     words containing it
  open source words in sequence; spaces and hyphens alike, so it finds Open-Source
  数据质量     a keyword with Chinese characters matches anywhere (Chinese has no spaces)
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from interviews import languages
from interviews.languages import fold

logger = logging.getLogger(__name__)

FALLBACK_LANGUAGE = "en"  # loan words (GPU, open source, startup) are the likeliest shared terms

HOST = "host"


class RuleError(ValueError):
    """A keyword that cannot be used; the message names it."""


_HAN = re.compile(f"[{languages.HAN}]")
# Parsed web pages lose spaces at markup boundaries ("insgesamtDabei", "wieMetaSolche"): a lower-case
# letter followed by a capitalised word is treated as a word boundary.
_GLUED = re.compile(r"(?<=[a-zäöüß])(?=[A-ZÄÖÜ][a-zäöüß])")
_TOKEN = re.compile(r"[a-z0-9]+")
_GAP = r"[\s\-\u2010\u2011\u2013/]+"  # between the words of a phrase: spaces, hyphens, slashes
_KEYWORD_WORD = re.compile(r"\*?[a-z0-9]+\*?")


def readings(text: str) -> list[str]:
    """The folded text, plus a second reading with glued words apart when the text has any: the
    keyword `meta` must find "wieMetaSolche", and `deepmind` must still find "DeepMind"."""
    plain = fold(text)
    split = fold(_GLUED.sub(" ", text))
    return [plain] if split == plain else [plain, split]


@dataclass(frozen=True)
class Keyword:
    """One parsed keyword: `kind` is exact, prefix, suffix, infix or pattern; `value` the folded
    word (or a regular expression for phrases and spaced Chinese)."""

    text: str
    kind: str
    value: str
    needles: tuple[str, ...] = ()  # literal parts a pattern needs: a cheap test before the regex

    def found_in(self, folded: str, tokens: set[str]) -> bool:
        if self.kind == "exact":
            return self.value in tokens
        if self.kind == "prefix":
            return any(t.startswith(self.value) for t in tokens)
        if self.kind == "suffix":
            return any(t.endswith(self.value) for t in tokens)
        if self.kind == "infix":
            return self.value in folded
        return re.search(self.value, folded) is not None


def parse_keyword(keyword: str) -> Keyword:
    """Parse one keyword (syntax in the module docstring). Raises RuleError with the reason."""
    folded = fold(str(keyword)).strip()
    if not folded.strip("* "):
        raise RuleError(f"empty keyword {keyword!r}")
    if _HAN.search(folded):
        pieces = [p for p in re.split(r"[\s*]+", folded) if p]
        if len(pieces) == 1:
            return Keyword(keyword, "infix", pieces[0])
        # "AI 安全" also finds AI安全: Chinese texts space Latin words inconsistently.
        return Keyword(keyword, "pattern", r"\s*".join(re.escape(p) for p in pieces), tuple(pieces))
    words = [w for w in re.split(_GAP, folded) if w]
    for word in words:
        if not _KEYWORD_WORD.fullmatch(word):
            raise RuleError(f"keyword {keyword!r}: use letters and digits, with * only at the start or end of a word")
    if len(words) == 1:
        word = words[0]
        core = word.strip("*")
        kind = {(False, False): "exact", (False, True): "prefix", (True, False): "suffix", (True, True): "infix"}[
            (word.startswith("*"), word.endswith("*"))
        ]
        return Keyword(keyword, kind, core)
    parts = [
        ("[a-z0-9]*" if w.startswith("*") else "") + re.escape(w.strip("*")) + ("[a-z0-9]*" if w.endswith("*") else "")
        for w in words
    ]
    pattern = "(?<![a-z0-9])" + _GAP.join(parts) + "(?![a-z0-9])"
    return Keyword(keyword, "pattern", pattern, tuple(w.strip("*") for w in words))


#: Words whose topics an index remembers (a word's look-ups are done once, not once per turn).
_WORDS_REMEMBERED = 200_000


class _LanguageIndex:
    """All topics' keywords for one language, indexed so a text is matched in one pass over its
    distinct words (dictionary look-ups of each word and of its beginnings and endings) instead of
    one regular expression per keyword: at 100k turns that is the difference between seconds and
    minutes. What each word matches is remembered: most words of a turn were seen before."""

    def __init__(self, keywords: dict[str, list[Keyword]]):
        self.keywords = keywords
        self.exact: dict[str, set[str]] = {}
        self.prefix: dict[str, set[str]] = {}
        self.suffix: dict[str, set[str]] = {}
        self.substrings: list[tuple[str, str]] = []
        self.patterns: list[tuple[tuple[str, ...], re.Pattern, str]] = []
        for slug, parsed in keywords.items():
            for keyword in parsed:
                if keyword.kind in ("exact", "prefix", "suffix"):
                    getattr(self, keyword.kind).setdefault(keyword.value, set()).add(slug)
                elif keyword.kind == "infix":
                    self.substrings.append((keyword.value, slug))
                else:
                    self.patterns.append((keyword.needles, re.compile(keyword.value), slug))
        self.prefix_lengths = sorted({len(p) for p in self.prefix})
        self.suffix_lengths = sorted({len(s) for s in self.suffix})
        self._by_word: dict[str, frozenset[str]] = {}

    def _word_topics(self, word: str) -> frozenset[str]:
        """The topics whose exact, prefix or suffix keywords one word matches."""
        found: set[str] = set(self.exact.get(word, ()))
        for n in self.prefix_lengths:
            if n > len(word):
                break
            found.update(self.prefix.get(word[:n], ()))
        for n in self.suffix_lengths:
            if n > len(word):
                break
            found.update(self.suffix.get(word[-n:], ()))
        return frozenset(found)

    def match(self, folded: str) -> set[str]:
        found: set[str] = set()
        by_word = self._by_word
        for word in set(_TOKEN.findall(folded)):
            topics = by_word.get(word)
            if topics is None:
                topics = self._word_topics(word)
                if len(by_word) >= _WORDS_REMEMBERED:
                    by_word.clear()
                by_word[word] = topics
            found.update(topics)
        for substring, slug in self.substrings:
            if slug not in found and substring in folded:
                found.add(slug)
        for needles, pattern, slug in self.patterns:
            if slug not in found and all(n in folded for n in needles) and pattern.search(folded):
                found.add(slug)
        return found


class TopicRules:
    """Keyword rules {slug: {language: [keyword, ...]}}, parsed once and indexed per language."""

    def __init__(self, keywords: Mapping[str, Mapping[str, Sequence[str]]], *, strict: bool = True):
        self.keywords = keywords
        self.strict = strict  # False: skip an unusable keyword instead of raising RuleError
        self._indexes: dict[str, _LanguageIndex] = {}

    def _parse(self, words: Sequence[str]) -> list[Keyword]:
        parsed = []
        for word in words:
            if not str(word).strip():
                continue
            try:
                parsed.append(parse_keyword(word))
            except RuleError as exc:
                if self.strict:
                    raise
                logger.warning("topic keyword skipped: %s", exc)
        return parsed

    def index(self, language: str) -> _LanguageIndex:
        language = languages.base(language)
        if language not in self._indexes:
            parsed = {}
            for slug, by_language in self.keywords.items():
                # A topic with no list for this language borrows the English one: shared loan words
                # beat nothing. An empty list means "no rules in this language", on purpose.
                words = by_language.get(language)
                if words is None:
                    words = by_language.get(FALLBACK_LANGUAGE, [])
                parsed[slug] = self._parse(words)
            self._indexes[language] = _LanguageIndex(parsed)
        return self._indexes[language]

    def match(self, text: str, language: str) -> set[str]:
        index = self.index(language)
        return set().union(*(index.match(folded) for folded in readings(text)))

    def explain(self, text: str, language: str) -> dict[str, list[str]]:
        """{slug: [the keywords that matched]}, for editors asking why a turn has a topic."""
        texts = [(folded, set(_TOKEN.findall(folded))) for folded in readings(text)]
        found = {}
        for slug, parsed in self.index(language).keywords.items():
            hits = [k.text for k in parsed if any(k.found_in(folded, tokens) for folded, tokens in texts)]
            if hits:
                found[slug] = hits
        return found


def compile_rules(keywords: Mapping[str, Mapping[str, Sequence[str]]]) -> TopicRules:
    """Parse {slug: {language: [keyword, ...]}}; raises RuleError naming the first bad keyword."""
    rules = TopicRules(keywords)
    codes = {lang for by_language in keywords.values() for lang in by_language} | {FALLBACK_LANGUAGE}
    for language in sorted(codes):
        rules.index(language)
    return rules


def match_topics(text: str, language: str, rules) -> set[str]:
    """The slugs of the topics whose keywords for `language` occur in `text`.

    `rules` is a TopicRules or the plain mapping {slug: {language: [keyword, ...]}}.
    """
    if not isinstance(rules, TopicRules):
        rules = TopicRules(rules)
    return rules.match(text, language)


def share_question_topics(turns: Sequence[tuple[str, set[str]]]) -> list[set[str]]:
    """Topics after a question and its answer share them: [(role, own topics)] → [topics].

    An exchange is a host turn (the question) and the non-host turns up to the next host turn (the
    answer). An answer turn with no topic of its own takes the question's; a question with no topic
    of its own ("Why?", "And compute?") takes those of its answer. Only topics a turn found itself
    are shared, so nothing travels further than one exchange.
    """
    result = [set(own) for _, own in turns]
    for start, (role, question_topics) in enumerate(turns):
        if role != HOST:
            continue
        end = start + 1
        while end < len(turns) and turns[end][0] != HOST:
            end += 1
        answer = range(start + 1, end)
        for i in answer:
            if not turns[i][1]:
                result[i] |= question_topics
        if not question_topics:
            for i in answer:
                result[start] |= turns[i][1]
    return result
