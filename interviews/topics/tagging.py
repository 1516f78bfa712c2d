"""Topics in the database: the controlled vocabulary loaded into `Topic` rows, and turns tagged
by the keyword rules of `interviews.topics.rules`, corrected by editors.

`load_vocabulary()` reads data/topics.json (see `interviews.topics.vocabulary`) into `Topic` rows
and `tag_turns()` writes `TurnTopic(source=rule)` rows, never touching an editor's `added` or
`removed` rows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from interviews import outbox
from interviews.models import Participant, Topic, Transcript, Turn, TurnTopic
from interviews.topics.rules import RuleError as RuleError  # re-exported: the admin validates keywords
from interviews.topics.rules import TopicRules, share_question_topics
from interviews.topics.rules import parse_keyword as parse_keyword  # re-exported for the admin
from interviews.topics.vocabulary import LANGUAGES as LANGUAGES  # re-exported for the admin
from interviews.topics.vocabulary import VOCABULARY_FILE, VocabularyError, merge_keywords, read_vocabulary

logger = logging.getLogger(__name__)


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
    changes since the last load. Never deletes a topic, never touches turns' topics; the turns of a
    renamed topic are re-indexed, as the topic admin does. Raises VocabularyError."""
    entries = read_vocabulary(path)
    existing = {topic.slug: topic for topic in Topic.objects.all()}
    result = LoadResult()
    renamed = []
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
        if (topic.name_en, topic.name_de, topic.name_zh) != before[:3]:
            renamed.append(topic.pk)
        result.rules_changed |= keywords_changed
    reindex_turns_of(renamed)
    return result


def reindex_turns_of(topic_ids) -> None:
    """Queue the turns that carry these topics (or an editor removed from them) for the index:
    search pages and transcript pages show topics by name, and the shared caches of both hold
    names until the index's version changes."""
    if topic_ids:
        outbox.enqueue(Turn.objects.filter(topic_links__topic__in=topic_ids).values_list("key", flat=True).distinct())


_last_rules: tuple[dict, TopicRules] | None = None


def current_rules() -> TopicRules:
    """The rules as editors left them in the database. A keyword that slipped past the admin's
    validation is skipped with a warning rather than stopping an ingest. The rules last built
    are used again while the keywords are the same (a bulk load tags one transcript at a time)."""
    global _last_rules
    keywords = {t.slug: t.keywords for t in Topic.objects.only("slug", "keywords")}
    if _last_rules is None or _last_rules[0] != keywords:
        _last_rules = (keywords, TopicRules(keywords, strict=False))
    return _last_rules[1]


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
    wanted = _rule_topics(turns, rules or current_rules())
    rule_rows, decisions = _topic_rows(list(wanted))

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


def _rule_topics(turns: Sequence[Turn], rules: TopicRules) -> dict[int, set[int]]:
    """{turn pk: topic pks} the rules give, shared within each transcript's exchanges.

    `turns` are sorted by transcript and ordinal."""
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


def _topic_rows(ids: list[int]) -> tuple[dict[int, dict[int, int]], dict[int, dict[int, str]]]:
    """The turns' current topic rows: ({turn: {topic: rule row pk}}, {turn: {topic: added/removed}})."""
    rule_rows: dict[int, dict[int, int]] = {pk: {} for pk in ids}
    decisions: dict[int, dict[int, str]] = {pk: {} for pk in ids}
    for i in range(0, len(ids), 500):
        for pk, turn_id, topic_id, source in TurnTopic.objects.filter(turn_id__in=ids[i : i + 500]).values_list(
            "pk", "turn_id", "topic_id", "source"
        ):
            if source == TurnTopic.RULE:
                rule_rows[turn_id][topic_id] = pk
            else:
                decisions[turn_id][topic_id] = source
    return rule_rows, decisions


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
