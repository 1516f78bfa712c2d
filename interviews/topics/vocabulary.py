"""The topic vocabulary file (data/topics.json): read and validated, and merged with editors'
changes. Plain Python, no Django; `interviews.topics.tagging.load_vocabulary` writes it to the
database.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from interviews import languages
from interviews.topics.rules import RuleError, compile_rules

VOCABULARY_FILE = Path(__file__).resolve().parents[2] / "data" / "topics.json"
LANGUAGES = languages.SUPPORTED  # the languages the vocabulary has names and keywords for


@dataclass
class VocabularyEntry:
    slug: str
    names: dict[str, str]
    keywords: dict[str, list[str]]


class VocabularyError(ValueError):
    """A vocabulary file that cannot be loaded; the message says where and why."""


def read_vocabulary(path: Path = VOCABULARY_FILE) -> list[VocabularyEntry]:
    """The topics a vocabulary file defines, validated: every keyword compiles, slugs are unique."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        topics = data["topics"]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise VocabularyError(f"{path}: not a readable JSON vocabulary ({exc})") from None
    except (KeyError, TypeError):
        raise VocabularyError(f'{path}: a vocabulary needs a "topics" list') from None
    entries, seen = [], set()
    for number, topic in enumerate(topics, 1):
        where = f"{Path(path).name}, topic {number}"
        if not isinstance(topic, dict) or not topic.get("slug") or not topic.get("name_en"):
            raise VocabularyError(f'{where}: every topic needs a "slug" and a "name_en"')
        slug = str(topic["slug"])
        if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug) or len(slug) > 60:
            raise VocabularyError(f"{where}: {slug!r} is not a slug (lower-case letters, digits, hyphens)")
        if slug in seen:
            raise VocabularyError(f"{where}: slug {slug!r} appears twice")
        seen.add(slug)
        keywords = topic.get("keywords", {})
        if not isinstance(keywords, dict) or not all(
            isinstance(words, list) and all(isinstance(w, str) for w in words) for words in keywords.values()
        ):
            raise VocabularyError(f'{where} ({slug}): "keywords" must map languages to lists of strings')
        try:
            compile_rules({slug: keywords})
        except RuleError as exc:
            raise VocabularyError(f"{where} ({slug}): {exc}") from None
        names = {lang: str(topic.get(f"name_{lang}", "")) for lang in LANGUAGES}
        entries.append(VocabularyEntry(slug, names, {lang: list(words) for lang, words in keywords.items()}))
    return entries


def merge_keywords(current: Sequence[str], previous: Sequence[str], file: Sequence[str]) -> list[str]:
    """Three-way merge of one keyword list: what the file changed since the last load (`previous`)
    is applied to what the database holds now (`current`), so an editor's additions and removals
    in the admin stay, and so do the file's."""
    dropped = set(previous) - set(file)
    merged = [k for k in current if k not in dropped]
    merged += [k for k in file if k not in previous and k not in merged]
    return merged
