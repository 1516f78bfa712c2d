"""Editors' changes to speakers, turns, transcripts and interviews, with the index work they cause.

Every function here runs inside the caller's transaction (the admin's change views are atomic) or
opens its own, and records the affected turns with `outbox.enqueue()` in that same transaction:
the search index is updated in one batch after the commit, never for a change that rolled back.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from interviews import outbox
from interviews.models import IndexTask, Participant, Speaker, SpeakerRedirect, Turn


def reindex_turns(turns) -> None:
    outbox.enqueue(turns.order_by("transcript_id", "ordinal").values_list("key", flat=True))


def reindex_speaker(speaker: Speaker) -> None:
    """The speaker's name and slug are part of every document of theirs."""
    reindex_turns(Turn.objects.filter(speaker=speaker))


def forget_turns(turns) -> None:
    """Turns about to be deleted with their transcript or interview leave the index too."""
    outbox.enqueue(turns.values_list("key", flat=True), IndexTask.DELETE)


def speaker_slug_changed(speaker: Speaker, old_slug: str) -> None:
    """Keep `/speakers/<old_slug>/` working after an editor changed the slug."""
    if old_slug and old_slug != speaker.slug:
        SpeakerRedirect.objects.update_or_create(old_slug=old_slug, defaults={"speaker": speaker})
    # The speaker took back an address that used to redirect: the page itself answers again.
    SpeakerRedirect.objects.filter(old_slug=speaker.slug).delete()


def turn_changed(turn: Turn) -> None:
    """After an editor saved a turn: a new speaker joins the interview, and the turn is reindexed."""
    Participant.objects.get_or_create(interview=turn.transcript.interview, speaker=turn.speaker)
    outbox.enqueue([turn.key])


@dataclass
class MergeResult:
    kept: Speaker
    merged: list[str]  # names of the speakers merged away
    turns_moved: int
    interviews: int


@transaction.atomic
def merge_speakers(kept: Speaker, others: list[Speaker]) -> MergeResult:
    """Make `others` the same person as `kept`: their turns, participations and aliases move, their
    names become aliases, and their pages redirect permanently to the kept speaker's."""
    others = [s for s in others if s.pk != kept.pk]
    other_ids = [s.pk for s in others]
    moved_keys = list(
        Turn.objects.filter(speaker_id__in=other_ids).order_by("transcript_id", "ordinal").values_list("key", flat=True)
    )
    turns_moved = Turn.objects.filter(speaker_id__in=other_ids).update(speaker=kept)

    interviews = set()
    for participant in Participant.objects.filter(speaker_id__in=other_ids).order_by("id"):
        interviews.add(participant.interview_id)
        existing = Participant.objects.filter(interview_id=participant.interview_id, speaker=kept).first()
        if existing is None:
            participant.speaker = kept
            participant.save(update_fields=["speaker"])
            continue
        if not existing.role and participant.role:
            existing.role = participant.role
            existing.save(update_fields=["role"])
        participant.delete()

    aliases = list(kept.aliases)
    for other in others:
        for alias in [*other.aliases, other.name]:
            if alias and alias != kept.name and alias not in aliases:
                aliases.append(alias)
    kept.aliases = aliases
    kept.bio = kept.bio or next((other.bio for other in others if other.bio), "")
    kept.save(update_fields=["aliases", "bio"])

    SpeakerRedirect.objects.filter(speaker_id__in=other_ids).update(speaker=kept)
    for other in others:
        SpeakerRedirect.objects.update_or_create(old_slug=other.slug, defaults={"speaker": kept})
    Speaker.objects.filter(pk__in=other_ids).delete()

    # Every moved turn now carries the kept speaker's name: one batch for all of them.
    outbox.enqueue(moved_keys)
    return MergeResult(kept, [other.name for other in others], turns_moved, len(interviews))
