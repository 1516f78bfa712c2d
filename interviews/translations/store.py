"""Translations: which turns of an interview's transcripts say the same thing, stored and read.

`interviews.translations.align` computes the links (pure, no database). This module runs it for every pair
of transcripts of an interview and keeps its output as `TurnAlignment` rows, one row per
(source turn, target turn), where the source is the transcript with fewer turns. Rows have a
status: `auto` rows belong to the algorithm and are replaced on every run; `confirmed` and
`rejected` rows are an editor's decisions and are never overwritten.

How an editor's decisions constrain the algorithm, for one pair of transcripts:

* a `rejected` pair of turns is never stored again as `auto`, in either direction;
* a `confirmed` pair stays as it is (confidence 1: it is certain);
* a turn of the shorter transcript with a confirmed link keeps the algorithm's link only if that
  link contains a confirmed target (the editor agreed, e.g. confirmed one turn of a merge: the
  others stay as automatic links); when the algorithm's link points elsewhere, it is dropped,
  because the editor corrected it.

Turn rows survive a corrected re-ingest when their text is similar, so decisions survive it too;
a removed turn takes its rows with it.
"""

from __future__ import annotations

import functools
import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Count, DateTimeField, Func, Max, OuterRef, Q, Subquery
from django.utils import timezone

from interviews import languages
from interviews.models import Interview, Transcript, Turn, TurnAlignment
from interviews.translations.align import AlignInput, align, source_side
from interviews.translations.glossary import dictionary_glosses
from interviews.translations.meanings import Glosses

# Automatic links below this confidence are shown as "possible match". On the seeds, 3 of the 4
# wrong links are below it and 2 of 70 right ones (tests/translations/alignment/eval_alignment.py).
POSSIBLE_MATCH_THRESHOLD = 0.5


class Translation(NamedTuple):
    """A turn of another transcript that says the same as a given turn."""

    turn: Turn | HitTurn
    confidence: float
    status: str

    @property
    def is_possible_match(self) -> bool:
        return is_possible_match(self.confidence, self.status)


def is_possible_match(confidence: float, status: str) -> bool:
    return status == TurnAlignment.AUTO and confidence < POSSIBLE_MATCH_THRESHOLD


# --- Aligning and storing -----------------------------------------------------------------------


@dataclass
class PairSummary:
    """What one pair of transcripts looks like after alignment (editor rows included)."""

    source: Transcript  # the one with fewer turns
    target: Transcript
    source_turns: int
    target_turns: int
    links: int  # source turns with a counterpart
    possible_matches: int  # ... of which only possible matches
    linked_targets: int  # target turns with a counterpart
    confirmed: int  # editor decisions kept
    rejected: int
    created: int = 0  # automatic rows written, changed and removed by this run
    updated: int = 0
    deleted: int = 0

    @property
    def omitted_source(self) -> int:
        return self.source_turns - self.links

    @property
    def omitted_target(self) -> int:
        return self.target_turns - self.linked_targets

    def __str__(self) -> str:
        s, t = self.source.language_name, self.target.language_name
        text = (
            f"{self.source.slug} ↔ {self.target.slug}: {self.links} links ({self.possible_matches} possible matches);"
            f" not in the other transcript: {self.omitted_source} of {self.source_turns} {s} turns,"
            f" {self.omitted_target} of {self.target_turns} {t} turns"
        )
        if self.confirmed or self.rejected:
            text += f"; editor decisions kept: {self.confirmed} confirmed, {self.rejected} rejected"
        return text


@dataclass
class AlignmentSummary:
    interview: Interview
    pairs: list[PairSummary] = field(default_factory=list)

    @property
    def links(self) -> int:
        return sum(p.links for p in self.pairs)

    def __str__(self) -> str:
        if not self.pairs:
            return f"{self.interview.slug}: nothing to align (fewer than two transcripts)"
        return "\n".join(f"{self.interview.slug} {pair}" for pair in self.pairs)


def _between(a: Transcript, b: Transcript):
    """Rows linking a turn of `a` with a turn of `b`, in either direction."""
    return TurnAlignment.objects.filter(
        Q(source__transcript=a, target__transcript=b) | Q(source__transcript=b, target__transcript=a)
    )


def _inputs(transcript: Transcript, roles: dict[int, str]) -> tuple[list[Turn], list[AlignInput]]:
    turns = list(transcript.turns.order_by("ordinal").only("id", "ordinal", "speaker_id", "text"))
    return turns, [AlignInput(t.ordinal, roles.get(t.speaker_id, ""), t.text, transcript.language) for t in turns]


def _align_pair(
    first: Transcript, second: Transcript, roles: dict[int, str], glosses: Glosses | None = None
) -> PairSummary:
    first_turns, first_in = _inputs(first, roles)
    second_turns, second_in = _inputs(second, roles)
    if source_side(first_in, second_in) == "b":
        first, second, first_turns, second_turns = second, first, second_turns, first_turns
        first_in, second_in = second_in, first_in
    source_ids = {t.pk for t in first_turns}
    by_ordinal_s = {t.ordinal: t.pk for t in first_turns}
    by_ordinal_t = {t.ordinal: t.pk for t in second_turns}

    rows = list(_between(first, second))
    decided = {frozenset((r.source_id, r.target_id)) for r in rows if r.status != TurnAlignment.AUTO}
    confirmed_targets: dict[int, set[int]] = defaultdict(set)  # source turn -> confirmed target turns
    for r in rows:
        if r.status == TurnAlignment.CONFIRMED:
            s, t = (r.source_id, r.target_id) if r.source_id in source_ids else (r.target_id, r.source_id)
            confirmed_targets[s].add(t)

    wanted: dict[tuple[int, int], float] = {}
    for link in align(first_in, second_in, glosses=glosses):
        s = by_ordinal_s[link.source]
        targets = [by_ordinal_t[o] for o in link.targets]
        if s in confirmed_targets and not confirmed_targets[s].intersection(targets):
            continue  # the editor linked this turn elsewhere
        for t in targets:
            if frozenset((s, t)) not in decided:
                wanted[(s, t)] = link.confidence

    # Automatic rows are updated in place, not dropped and re-made: their ids (admin links an
    # editor has open) stay valid across re-alignments.
    auto = {(r.source_id, r.target_id): r for r in rows if r.status == TurnAlignment.AUTO}
    stale = [r.pk for pair, r in auto.items() if pair not in wanted]
    deleted = TurnAlignment.objects.filter(pk__in=stale).delete()[0] if stale else 0
    changed, now = [], timezone.now()
    for pair, confidence in wanted.items():
        row = auto.get(pair)
        if row is not None and row.confidence != confidence:
            row.confidence, row.updated_at = confidence, now
            changed.append(row)
    updated = TurnAlignment.objects.bulk_update(changed, ["confidence", "updated_at"]) if changed else 0
    new = [TurnAlignment(source_id=s, target_id=t, confidence=c) for (s, t), c in wanted.items() if (s, t) not in auto]
    TurnAlignment.objects.bulk_create(new)

    summary = _summarise(first, second, len(first_turns), len(second_turns), source_ids)
    summary.created, summary.updated, summary.deleted = len(new), updated, deleted
    return summary


def _summarise(source, target, source_turns, target_turns, source_ids) -> PairSummary:
    linked: dict[int, bool] = {}  # source turn -> is it only a possible match
    linked_targets: set[int] = set()
    confirmed = rejected = 0
    for row in _between(source, target).only("source_id", "target_id", "confidence", "status"):
        if row.status == TurnAlignment.REJECTED:
            rejected += 1
            continue
        confirmed += row.status == TurnAlignment.CONFIRMED
        s, t = (row.source_id, row.target_id) if row.source_id in source_ids else (row.target_id, row.source_id)
        linked[s] = linked.get(s, True) and is_possible_match(row.confidence, row.status)
        linked_targets.add(t)
    return PairSummary(
        source=source,
        target=target,
        source_turns=source_turns,
        target_turns=target_turns,
        links=len(linked),
        possible_matches=sum(linked.values()),
        linked_targets=len(linked_targets),
        confirmed=confirmed,
        rejected=rejected,
    )


@transaction.atomic
def align_interview(interview: Interview, *, transcript: Transcript | None = None) -> AlignmentSummary:
    """Align every pair of the interview's transcripts (only the pairs with `transcript`, if
    given) and store the links, replacing earlier automatic ones and keeping editor decisions.
    Word meanings from the bilingual dictionaries are used when the dictionary file is built
    (``manage.py build_dictionaries``; ``make data`` builds it before ingesting)."""
    roles = dict(interview.participants.values_list("speaker_id", "role"))
    glosses = dictionary_glosses()
    transcripts = list(interview.transcripts.order_by("language", "slug"))
    summary = AlignmentSummary(interview)
    for first, second in itertools.combinations(transcripts, 2):
        if transcript is None or transcript.pk in (first.pk, second.pk):
            summary.pairs.append(_align_pair(first, second, roles, glosses))
    return summary


# --- Editors' decisions --------------------------------------------------------------------------


def confirm(rows) -> int:
    """Mark links as right. Confirmed links are certain (confidence 1) and kept by re-alignment."""
    return rows.update(status=TurnAlignment.CONFIRMED, confidence=1.0, updated_at=timezone.now())


def reject(rows) -> int:
    """Mark links as wrong: hidden from readers, and never re-created by re-alignment."""
    return rows.update(status=TurnAlignment.REJECTED, updated_at=timezone.now())


def record_rejection(source_id: int, target_id: int) -> None:
    """Reject the pair of turns, whichever way round a row links them (or add a rejected row)."""
    pair = TurnAlignment.objects.filter(
        Q(source_id=source_id, target_id=target_id) | Q(source_id=target_id, target_id=source_id)
    )
    if not reject(pair):
        TurnAlignment.objects.create(source_id=source_id, target_id=target_id, status=TurnAlignment.REJECTED)


# --- Reading ------------------------------------------------------------------------------------


def translations_for(turns) -> dict[int, list[Translation]]:
    """For each turn, the turns of other transcripts that say the same (rejected links left out),
    in both directions, ordered by language and position. One query for a whole page of turns."""
    ids = {turn.pk for turn in turns}
    if not ids:
        return {}
    return _translations(Q(source_id__in=ids) | Q(target_id__in=ids), ids, lambda turn: turn.pk)


def also_in(turns) -> dict[int, list[Translation]]:
    """For each turn, the first aligned turn in each other transcript (`first_per_transcript`):
    what its "also in" links show, reading only that (`_LINK_SIDE`), each turn a `HitTurn`
    without its text. One query. Read as model instances (seven a link: the link, and each
    side's turn, transcript and speaker), a page of the 100,000-turn bench archive (148 turns,
    71 links shown, on average over 40 pages) took 4.5-4.7 ms; read as rows, 1.8 ms."""
    ids = {turn.pk for turn in turns}
    if not ids:
        return {}
    rows = (
        TurnAlignment.objects.filter(Q(source_id__in=ids) | Q(target_id__in=ids))
        .exclude(status=TurnAlignment.REJECTED)
        .values_list(
            *(f"{side}__{name}" for side in ("source", "target") for name in ("id", *_LINK_SIDE)),
            "confidence",
            "status",
        )
    )
    result: dict = {pk: [] for pk in ids}
    side = _HitTurns()
    width = 1 + len(_LINK_SIDE)
    for row in rows:
        (source_id, *source), (target_id, *target) = row[:width], row[width : 2 * width]
        confidence, status = row[2 * width :]
        if source_id in result:
            result[source_id].append(Translation(side(*target), confidence, status))
        if target_id in result:
            result[target_id].append(Translation(side(*source), confidence, status))
    for translations in result.values():
        translations.sort(key=_reading_order)
    return {pk: first_per_transcript(translations) for pk, translations in result.items()}


def _reading_order(translation) -> tuple:
    """Translations by language, transcript, then position: the order every list of them takes."""
    turn = translation.turn
    return turn.transcript.language, turn.transcript.slug, turn.ordinal


def links_version(turn_ids=None) -> tuple:
    """The number of the translation links of the turns ``turn_ids`` (ids, or a query of them; None
    for every link of the archive) and their latest change, rejected links included: an editor's
    new, changed or removed link changes it (a removal the count, the others the time; `reject`
    sets the time). One query. What a page that shows these turns' translations keeps in its
    cache key (interviews/page_cache.py)."""
    links = TurnAlignment.objects.all()
    if turn_ids is not None:
        links = links.filter(Q(source_id__in=turn_ids) | Q(target_id__in=turn_ids))
    version = links.aggregate(links=Count("pk"), latest=Max("updated_at"))
    return _version(version["links"], version["latest"])


def with_links_version(turns):
    """The turns annotated with ``links_version``'s two parts, ``links_count`` and
    ``links_latest``, read with each turn rather than by a query of its own."""
    linked = TurnAlignment.objects.filter(Q(source_id=OuterRef("pk")) | Q(target_id=OuterRef("pk"))).order_by()
    return turns.annotate(
        links_count=Subquery(linked.annotate(n=Func("pk", function="COUNT")).values("n")[:1]),
        links_latest=Subquery(
            linked.annotate(m=Func("updated_at", function="MAX", output_field=DateTimeField())).values("m")[:1]
        ),
    )


def turn_links_version(turn) -> tuple:
    """`links_version` of one turn read `with_links_version`."""
    return _version(turn.links_count, turn.links_latest)


def _version(count, latest) -> tuple:
    return count, latest.isoformat() if latest else None


def translations_of(turn) -> list[Translation]:
    """The same passage in the interview's other transcripts, from alignment links in either
    direction; a pair an editor rejected is left out. Ordered by language, then position."""
    return translations_for([turn])[turn.pk]


def translations_for_keys(keys) -> dict[str, list[Translation]]:
    """`translations_for`, by turn key: for a page of search hits, which carry keys, not turns.
    One query, however many keys, with only the columns a hit shows of each turn (its key,
    position, text, speaker's name, transcript's language and slug), each turn a `HitTurn`."""
    keys = sorted(set(keys))
    if not keys:
        return {}
    sql, params = _by_keys_sql(len(keys))
    with connection.cursor() as cursor:
        cursor.execute(sql, [keys[p.index] if isinstance(p, _KeyAt) else p for p in params])
        rows = cursor.fetchall()
    result: dict = {key: [] for key in keys}
    side = _HitTurns()
    width = len(_HIT_SIDE)
    for row in rows:
        source, target = side(*row[:width]), side(*row[width : 2 * width])
        confidence, status = row[2 * width :]
        if source.key in result:
            result[source.key].append(Translation(target, confidence, status))
        if target.key in result:
            result[target.key].append(Translation(source, confidence, status))
    for translations in result.values():
        translations.sort(key=_reading_order)
    return result


class HitTranscript(NamedTuple):
    language: str
    slug: str

    @property
    def language_name(self) -> str:
        return languages.name(self.language)


class HitSpeaker(NamedTuple):
    name: str


class HitTurn(NamedTuple):
    """A turn as much as a search hit shows of it (`translations_for_keys`) or an "also in" link
    (`also_in`, with no text), with the attributes of a `Turn` that they read. Not a model
    instance: building three (turn, transcript, speaker) for each side of a link was 2% of the
    load test's CPU (cProfile of its mix replayed in order, 100k turns)."""

    key: str
    ordinal: int
    text: str
    transcript_id: int
    transcript: HitTranscript
    speaker: HitSpeaker


class _HitTurns:
    """Makes the `HitTurn` of a row's columns (`_LINK_SIDE`, and `_HIT_SIDE`'s text after them),
    one transcript and speaker object each for the turns that share them (a page's links name a
    few)."""

    def __init__(self):
        self.transcripts, self.speakers = {}, {}

    def __call__(self, key, ordinal, transcript_id, language, slug, name, text="") -> HitTurn:
        if (transcript := self.transcripts.get((language, slug))) is None:
            transcript = self.transcripts[language, slug] = HitTranscript(language, slug)
        if (speaker := self.speakers.get(name)) is None:
            speaker = self.speakers[name] = HitSpeaker(name)
        return HitTurn(key, ordinal, text, transcript_id, transcript, speaker)


#: What an "also in" link shows of the other turn (interviews/turn_html.py) and what orders them.
_LINK_SIDE = ("key", "ordinal", "transcript_id", "transcript__language", "transcript__slug", "speaker__name")
#: What a search hit shows of each side of a link (interviews.search.query.Counterpart): reading
#: only these, not every column of two turns, two transcripts and two speakers (JSON among them).
_HIT_SIDE = (*_LINK_SIDE, "text")


class _KeyAt(NamedTuple):
    """A parameter of `_by_keys_sql` that is the key at ``index`` in the sorted keys."""

    index: int


@functools.lru_cache(maxsize=128)
def _by_keys_sql(count: int) -> tuple[str, tuple]:
    """The SQL of `translations_for_keys` for ``count`` keys, and its parameters, each key's place
    marked as a `_KeyAt` (every other parameter as it is): built by the ORM once per number of
    keys in a process. Building the query (a subquery per side, four joins, the columns) cost ten times
    what SQLite takes to run it (2.0 ms against 0.2 ms for a page of 20 hits at 100k turns)."""
    placeholders = [f"(key {i})" for i in range(count)]  # no turn has such a key
    # A subquery rather than a join on the key: each side of the OR then uses its index.
    ids = Turn.objects.filter(key__in=placeholders).values("pk")
    rows = (
        TurnAlignment.objects.filter(Q(source_id__in=ids) | Q(target_id__in=ids))
        .exclude(status=TurnAlignment.REJECTED)
        .values_list(
            *(f"{side}__{name}" for side in ("source", "target") for name in _HIT_SIDE), "confidence", "status"
        )
    )
    sql, params = rows.query.sql_with_params()
    where = {placeholder: _KeyAt(index) for index, placeholder in enumerate(placeholders)}
    return sql, tuple(where.get(param, param) if isinstance(param, str) else param for param in params)


def aligned_pairs(keys) -> list[tuple[str, str]]:
    """The pairs of ``keys`` (turn keys) that are linked as the same passage, surely: an editor's
    confirmed links and automatic ones above the possible-match threshold. Two queries."""
    keys = set(keys)
    if not keys:
        return []
    # By ids, in two plain queries: SQLite planned the joined form (both sides a subquery on the
    # key) as a scan, 2.7 s for 1,000 hits of a 5,000-turn archive.
    key_of = dict(Turn.objects.filter(key__in=keys).values_list("pk", "key"))
    rows = (
        TurnAlignment.objects.filter(source_id__in=list(key_of))
        .exclude(status=TurnAlignment.REJECTED)
        .values_list("source_id", "target_id", "confidence", "status")
    )
    return [
        (key_of[source], key_of[target])
        for source, target, confidence, status in rows
        if target in key_of and not is_possible_match(confidence, status)
    ]


def _translations(condition, wanted, identify) -> dict:
    result: dict = {value: [] for value in wanted}
    rows = (
        TurnAlignment.objects.filter(condition)
        .exclude(status=TurnAlignment.REJECTED)
        .select_related("source__transcript", "source__speaker", "target__transcript", "target__speaker")
    )
    for row in rows:
        if identify(row.source) in result:
            result[identify(row.source)].append(Translation(row.target, row.confidence, row.status))
        if identify(row.target) in result:
            result[identify(row.target)].append(Translation(row.source, row.confidence, row.status))
    for translations in result.values():
        translations.sort(key=_reading_order)
    return result


def first_per_transcript(translations: list[Translation]) -> list[Translation]:
    """The first aligned turn in each other transcript: what an "also in" link points to."""
    seen, firsts = set(), []
    for translation in translations:
        if translation.turn.transcript_id not in seen:
            seen.add(translation.turn.transcript_id)
            firsts.append(translation)
    return firsts


# --- Side by side -------------------------------------------------------------------------------


@dataclass
class Row:
    """Turns of two transcripts shown on one row: linked to each other, or one side empty."""

    left: list[Turn]
    right: list[Turn]
    confidence: float | None = None  # the lowest of its links; None when one side is empty
    status: str | None = None  # "confirmed" when an editor confirmed every link, else "auto"
    left_heading: str = ""  # a section of that side starts on this row
    right_heading: str = ""
    fold: Fold | None = None  # set by fold_unmatched() on the first row of a folded run
    ends_fold: bool = False

    @property
    def is_possible_match(self) -> bool:
        return self.confidence is not None and is_possible_match(self.confidence, self.status)

    @property
    def anchor(self) -> str:
        return f"q-{(self.left or self.right)[0].key}"

    @property
    def only_side(self) -> str | None:
        """ "left" or "right" when only that side has turns on this row, else None."""
        if self.left and self.right:
            return None
        return "left" if self.left else "right"


@dataclass
class Fold:
    """A run of rows whose turns are all on one side, shown as one expandable row
    ("3 turns only in Deutsch") so that a stretch one translation leaves out is not a run of empty cells."""

    rows: list[Row]
    side: str  # "left" or "right": the side that has the turns

    @property
    def turn_count(self) -> int:
        return sum(len(getattr(row, self.side)) for row in self.rows)


def fold_unmatched(rows: list[Row], *, min_run: int = 2) -> list[Fold]:
    """Each run of at least ``min_run`` rows that have turns on the same side only, as a ``Fold``
    that its first row carries (``row.fold``) and its last row closes (``row.ends_fold``); a single
    unmatched row stays a row. A row that starts a section is never folded (its heading stays in
    view), so it ends a run."""
    folds: list[Fold] = []
    run: list[Row] = []

    def close_run():
        if len(run) >= min_run:
            fold = Fold(list(run), run[0].only_side)
            run[0].fold, run[-1].ends_fold = fold, True
            folds.append(fold)
        run.clear()

    for row in rows:
        side = None if (row.left_heading or row.right_heading) else row.only_side
        if run and side != run[0].only_side:
            close_run()
        if side:
            run.append(row)
    close_run()
    return folds


def side_by_side(left: Transcript, right: Transcript) -> list[Row]:
    """Rows for reading `left` and `right` in parallel, in the order of both transcripts.

    Turns joined by links (directly or through a shared turn, e.g. one German turn for two
    Chinese ones) share a row. A turn without a counterpart gets a row of its own, placed after
    the row of the turn before it on its own side. (One pass in four steps, grouping, placing,
    ordering, headings, that share the groups and positions: kept together on purpose.)
    """
    left_turns = list(left.turns.select_related("speaker", "section", "transcript"))
    right_turns = list(right.turns.select_related("speaker", "section", "transcript"))
    links = [
        (r.source_id, r.target_id, r.confidence, r.status)
        for r in _between(left, right).exclude(status=TurnAlignment.REJECTED)
    ]
    turns = {t.pk: t for t in left_turns + right_turns}
    left_ids = {t.pk for t in left_turns}

    parent = {pk: pk for pk in turns}  # union-find: linked turns end up in one group

    def root(pk):
        while parent[pk] != pk:
            parent[pk] = parent[parent[pk]]
            pk = parent[pk]
        return pk

    for s, t, _, _ in links:
        parent[root(s)] = root(t)
    groups: dict[int, list[Turn]] = defaultdict(list)
    for pk in turns:
        groups[root(pk)].append(turns[pk])
    group_links = defaultdict(list)
    for s, _t, confidence, status in links:
        group_links[root(s)].append((confidence, status))

    rows = []
    last_left = -1.0  # sort position of the latest linked group, on the left side's scale
    positions: dict[int, float] = {}
    for turn in right_turns:  # right-only turns sit after the left position of their predecessor
        g = root(turn.pk)
        if group_links.get(g):
            last_left = max(last_left, min(t.ordinal for t in groups[g] if t.pk in left_ids))
        else:
            positions[g] = last_left + 0.5
    for g, members in groups.items():
        side_l = sorted((t for t in members if t.pk in left_ids), key=lambda t: t.ordinal)
        side_r = sorted((t for t in members if t.pk not in left_ids), key=lambda t: t.ordinal)
        found = group_links.get(g, [])
        if side_l:
            key = (side_l[0].ordinal, side_r[0].ordinal if side_r else -1)
        else:
            key = (positions[g], side_r[0].ordinal)
        row = Row(side_l, side_r)
        if found:
            auto = [c for c, status in found if status != TurnAlignment.CONFIRMED]
            row.confidence = min(auto) if auto else 1.0
            row.status = TurnAlignment.AUTO if auto else TurnAlignment.CONFIRMED
        rows.append((key, row))
    rows = [row for _, row in sorted(rows, key=lambda item: item[0])]

    seen_sections: dict[str, set] = {"left": set(), "right": set()}
    for row in rows:
        for side in ("left", "right"):
            for turn in getattr(row, side):
                if turn.section_id and turn.section_id not in seen_sections[side]:
                    seen_sections[side].add(turn.section_id)
                    setattr(row, f"{side}_heading", turn.section.heading)
                    break
    return rows
