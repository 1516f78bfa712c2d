"""Topics: the controlled vocabulary, assigned to turns by keyword rules and corrected by editors.

The matching core (`fold`, `compile_rules`, `match_topics`, `share_question_topics`) is plain
Python that touches nothing of Django: rules and texts in, topic slugs out, tested on plain
strings. The rest maps it onto the database: `load_vocabulary()` reads data/topics.json into
`Topic` rows and `tag_turns()` writes `TurnTopic(source=rule)` rows, never touching an editor's
`added` or `removed` rows.

Keyword syntax (per language, one keyword per entry; case, accents and Umlauts ignored):
  modell      the whole word only
  modell*     words starting with it: Modelle, Modellen, Modellleistung (German inflection)
  *qualitat   words ending with it: Datenqualität (German compounds put the head last)
  *daten*     words containing it
  open source words in sequence; spaces and hyphens alike, so it finds Open-Source
  数据质量     a keyword with Chinese characters matches anywhere (Chinese has no spaces)
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from interviews import languages, outbox
from interviews.languages import fold
from interviews.models import Participant, Topic, Transcript, Turn, TurnTopic

logger = logging.getLogger(__name__)

VOCABULARY_FILE = Path(__file__).resolve().parents[2] / "data" / "topics.json"
LANGUAGES = languages.SUPPORTED  # the languages the vocabulary has names and keywords for
FALLBACK_LANGUAGE = "en"  # loan words (GPU, open source, startup) are the likeliest shared terms

HOST = "host"


class RuleError(ValueError):
    """A keyword that cannot be used; the message names it."""


# --- Matching (no Django) ------------------------------------------------------------------------

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


def _base_language(language: str) -> str:
    return re.split(r"[-_]", (language or "").strip().lower(), maxsplit=1)[0]


class _LanguageIndex:
    """All topics' keywords for one language, indexed so a text is matched in one pass over its
    distinct words (dictionary look-ups of each word and of its beginnings and endings) instead of
    one regular expression per keyword: at 100k turns that is the difference between seconds and
    minutes."""

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

    def match(self, folded: str) -> set[str]:
        found: set[str] = set()
        for word in set(_TOKEN.findall(folded)):
            found.update(self.exact.get(word, ()))
            for n in self.prefix_lengths:
                if n > len(word):
                    break
                found.update(self.prefix.get(word[:n], ()))
            for n in self.suffix_lengths:
                if n > len(word):
                    break
                found.update(self.suffix.get(word[-n:], ()))
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
        language = _base_language(language)
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
    languages = {lang for by_language in keywords.values() for lang in by_language} | {FALLBACK_LANGUAGE}
    for language in sorted(languages):
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


# --- Vocabulary file -----------------------------------------------------------------------------


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


# --- Database ------------------------------------------------------------------------------------


def merge_keywords(current: Sequence[str], previous: Sequence[str], file: Sequence[str]) -> list[str]:
    """Three-way merge of one keyword list: what the file changed since the last load (`previous`)
    is applied to what the database holds now (`current`), so an editor's additions and removals
    in the admin stay, and so do the file's."""
    dropped = set(previous) - set(file)
    merged = [k for k in current if k not in dropped]
    merged += [k for k in file if k not in previous and k not in merged]
    return merged


@dataclass
class LoadResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rules_changed: bool = False  # a topic was added or its keywords changed: turns need re-tagging

    def summary(self) -> str:
        return f"{len(self.created)} created, {len(self.updated)} updated, {len(self.unchanged)} unchanged"


@transaction.atomic
def load_vocabulary(path: Path = VOCABULARY_FILE) -> LoadResult:
    """Load a vocabulary file into `Topic` rows: new topics are added, existing ones take the file's
    changes since the last load. Never deletes a topic, never touches turns. Raises VocabularyError."""
    entries = read_vocabulary(path)
    existing = {topic.slug: topic for topic in Topic.objects.all()}
    result = LoadResult()
    for entry in entries:
        snapshot = {"names": entry.names, "keywords": entry.keywords}
        topic = existing.get(entry.slug)
        if topic is None:
            Topic.objects.create(
                slug=entry.slug,
                **{f"name_{lang}": name for lang, name in entry.names.items()},
                keywords=entry.keywords,
                file_snapshot=snapshot,
            )
            result.created.append(entry.slug)
            result.rules_changed = True
            continue
        previous = topic.file_snapshot or {}
        before = (topic.name_en, topic.name_de, topic.name_zh, topic.keywords)
        for lang, name in entry.names.items():
            current = getattr(topic, f"name_{lang}")
            if not current or current == previous.get("names", {}).get(lang):
                setattr(topic, f"name_{lang}", name or current)
        old_keywords = previous.get("keywords", {})
        languages = [*entry.keywords, *(lang for lang in topic.keywords if lang not in entry.keywords)]
        keywords = {
            lang: merge_keywords(topic.keywords.get(lang, []), old_keywords.get(lang, []), entry.keywords.get(lang, []))
            for lang in languages
        }
        keywords_changed = keywords != topic.keywords
        topic.keywords = keywords
        topic.file_snapshot = snapshot
        topic.save()
        if (topic.name_en, topic.name_de, topic.name_zh, topic.keywords) != before:
            result.updated.append(entry.slug)
        else:
            result.unchanged.append(entry.slug)
        result.rules_changed |= keywords_changed
    return result


def current_rules() -> TopicRules:
    """The rules as editors left them in the database. A keyword that slipped past the admin's
    validation is skipped with a warning rather than stopping an ingest."""
    return TopicRules({t.slug: t.keywords for t in Topic.objects.only("slug", "keywords")}, strict=False)


@dataclass
class TagResult:
    turns: int = 0
    assignments: int = 0  # topics the turns carry now, editors' decisions included
    untagged: int = 0  # turns that carry no topic
    changed: list[str] = field(default_factory=list)  # keys of turns whose rule topics changed

    def summary(self) -> str:
        return (
            f"{self.turns} turns tagged: {self.assignments} topic assignments, "
            f"{self.untagged} turns without a topic, {len(self.changed)} turns changed"
        )

    def add(self, other: TagResult) -> None:
        self.turns += other.turns
        self.assignments += other.assignments
        self.untagged += other.untagged
        self.changed += other.changed


def _wanted_topics(turns: list[Turn], rules: TopicRules) -> dict[int, set[int]]:
    """turn pk → the topic pks the rules give it, questions sharing with their answers; `turns`
    sorted by transcript and position."""
    topic_ids = dict(Topic.objects.values_list("slug", "pk"))
    transcripts = {
        t.pk: t
        for t in Transcript.objects.filter(pk__in={turn.transcript_id for turn in turns}).only("language", "interview")
    }
    roles = {
        (p.interview_id, p.speaker_id): p.role
        for p in Participant.objects.filter(interview__in={t.interview_id for t in transcripts.values()})
    }

    wanted: dict[int, set[int]] = {}
    start = 0
    while start < len(turns):
        end = start
        while end < len(turns) and turns[end].transcript_id == turns[start].transcript_id:
            end += 1
        transcript = transcripts[turns[start].transcript_id]
        chunk = turns[start:end]
        own = [rules.match(turn.text, transcript.language) for turn in chunk]
        shared = share_question_topics(
            [(roles.get((transcript.interview_id, turn.speaker_id), ""), topics) for turn, topics in zip(chunk, own)]
        )
        for turn, slugs in zip(chunk, shared):
            wanted[turn.pk] = {topic_ids[slug] for slug in slugs if slug in topic_ids}
        start = end
    return wanted


@transaction.atomic
def tag_turns(turns: Iterable[Turn], *, rules: TopicRules | None = None, enqueue: bool = True) -> TagResult:
    """Assign topics to `turns` by the keyword rules: their `rule` rows are replaced, an editor's
    `added` and `removed` rows are never touched (and a rule never overrides them).

    Questions and answers share topics among the turns given (see `share_question_topics`), so pass
    whole transcripts in order. Turns whose topics changed are queued for the search index unless
    `enqueue` is False (ingest queues every turn it writes anyway).
    """
    turns = sorted(turns, key=lambda t: (t.transcript_id, t.ordinal))
    result = TagResult(turns=len(turns))
    if not turns:
        return result
    wanted = _wanted_topics(turns, rules or current_rules())

    rule_rows: dict[int, dict[int, int]] = {pk: {} for pk in wanted}  # turn → {topic → row pk}
    decisions: dict[int, dict[int, str]] = {pk: {} for pk in wanted}  # turn → {topic → added/removed}
    ids = list(wanted)
    for i in range(0, len(ids), 500):
        for pk, turn_id, topic_id, source in TurnTopic.objects.filter(turn_id__in=ids[i : i + 500]).values_list(
            "pk", "turn_id", "topic_id", "source"
        ):
            if source == TurnTopic.RULE:
                rule_rows[turn_id][topic_id] = pk
            else:
                decisions[turn_id][topic_id] = source

    stale, fresh = [], []
    for turn in turns:
        topics = wanted[turn.pk] - set(decisions[turn.pk])
        existing = rule_rows[turn.pk]
        gone = [pk for topic_id, pk in existing.items() if topic_id not in topics]
        new = [topic_id for topic_id in topics if topic_id not in existing]
        stale += gone
        fresh += [TurnTopic(turn_id=turn.pk, topic_id=topic_id, source=TurnTopic.RULE) for topic_id in new]
        if gone or new:
            result.changed.append(turn.key)
        added = {t for t, source in decisions[turn.pk].items() if source == TurnTopic.ADDED}
        carried = len(topics | added)
        result.assignments += carried
        result.untagged += not carried
    for i in range(0, len(stale), 500):
        TurnTopic.objects.filter(pk__in=stale[i : i + 500]).delete()
    TurnTopic.objects.bulk_create(fresh, batch_size=500)
    if enqueue:
        outbox.enqueue(result.changed)
    return result


def tag_transcripts(
    transcripts: Iterable[Transcript],
    *,
    rules: TopicRules | None = None,
    progress: Callable[[Transcript, TagResult], None] | None = None,
) -> TagResult:
    """Re-tag whole transcripts, one transaction each so a long run never holds the database."""
    rules = rules or current_rules()
    total = TagResult()
    for transcript in transcripts:
        turns = transcript.turns.only("pk", "key", "text", "ordinal", "speaker_id", "transcript_id")
        result = tag_turns(turns, rules=rules)
        total.add(result)
        if progress:
            progress(transcript, result)
    return total


def tag_ingested(transcript: Transcript) -> TagResult:
    """Ingest's hook, inside its transaction: topics for the turns of a transcript just written.

    A database without any topic (a fresh install, a test database) first gets the shipped
    vocabulary, so turns are never ingested untagged by accident.
    """
    if not Topic.objects.exists():
        try:
            load_vocabulary()
        except VocabularyError as exc:  # a broken vocabulary must not block ingest
            logger.warning("topics not loaded: %s", exc)
    return tag_turns(transcript.turns.all(), enqueue=False)
