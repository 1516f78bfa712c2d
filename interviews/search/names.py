"""Speaker names in queries: which words of a query name a speaker of the archive.

A reader types a person's name the way they know it: in full ("Aidan Gomez"), in part ("Gomez",
"Harry"), in another script (艾丹·戈麦斯, 戈麦斯), without accents ("Wisniewski" for
Wiśniewski) or in another case. ``NameIndex`` holds every speaker's name and aliases (the
``Speaker.aliases`` list the transcript parser also reads: one list, so a label an editor adds for
a transcript is a name readers can search, and the other way round) and ``match()`` finds the runs
of query words that name one.

- A whole name or alias matches as consecutive query words in its order, or, in a CJK script, as
  one word with or without its separator (艾丹·戈麦斯, 艾丹戈麦斯).
- One word of a name matches alone when it looks like a name rather than a label: three letters
  or more in Latin script (not "Q", not a stop word), two characters or more in a CJK script.
- Longest runs win; a word that names several speakers (a shared first name) names them all.

Pure: no Django. ``interviews.search.query`` builds the index from the database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from interviews import languages

_WORD_RE = re.compile(r"\w+")
MAX_NAME_WORDS = 4


@dataclass(frozen=True)
class NameMatch:
    """Query words (``start``..``end``, clause positions in ``UserQuery.include``) that name speakers."""

    start: int
    end: int
    slugs: tuple


def name_words(text: str) -> tuple:
    """A name as the folded words a query would have: ``"Wiśniewski"`` -> ``("wisniewski",)``."""
    return tuple(_WORD_RE.findall(languages.fold(languages.to_simplified(text))))


@dataclass
class NameIndex:
    """Every speaker's names, by the words a query would have."""

    stop_words: frozenset = frozenset()
    _names: dict = field(default_factory=dict)  # words -> {slug}

    @classmethod
    def build(cls, speakers: Iterable[tuple], stop_words=frozenset()) -> NameIndex:
        """``speakers``: ``(slug, name, aliases)`` triples."""
        index = cls(stop_words=frozenset(stop_words))
        for slug, name, aliases in speakers:
            for spelling in (name, *(aliases or ())):
                index._add(slug, spelling)
        return index

    def _add(self, slug: str, spelling: str) -> None:
        words = name_words(spelling or "")
        if not words or len(words) > MAX_NAME_WORDS:
            return
        keys = {words}
        if all(languages.has_cjk(word) for word in words):
            keys.add(("".join(words),))  # 艾丹·戈麦斯 typed as 艾丹戈麦斯
        keys.update((word,) for word in words if self._is_name_word(word))
        if len(words) == 1 and not self._is_name_word(words[0]):
            keys.discard(words)  # a label such as "Q" is no name to search by
        for key in keys:
            self._names.setdefault(key, set()).add(slug)

    def _is_name_word(self, word: str) -> bool:
        if word in self.stop_words or word.isdigit():
            return False
        return len(word) >= (2 if languages.has_cjk(word) else 3)

    def __bool__(self):
        return bool(self._names)

    def match(self, include: tuple) -> list[NameMatch]:
        """The runs of ``include`` (a ``UserQuery``'s clauses) that name speakers, longest first
        at each position, in query order."""
        matches = []
        i = 0
        while i < len(include):
            for size in range(min(MAX_NAME_WORDS, len(include) - i), 0, -1):
                words = tuple(w for clause in include[i : i + size] for word in clause for w in name_words(word))
                slugs = self._names.get(words)
                if slugs is None and len(words) > 1 and all(languages.has_cjk(w) for w in words):
                    slugs = self._names.get(("".join(words),))
                if slugs:
                    matches.append(NameMatch(i, i + size, tuple(sorted(slugs))))
                    i += size
                    break
            else:
                i += 1
        return matches
