"""Small builders for test data: real files through the real ingest."""

from pathlib import Path

from interviews.ingest import ingest_transcript
from interviews.sources import InterviewInfo, ParticipantInfo, Source, TranscriptInfo

SEEDS = Path(__file__).resolve().parent.parent / "data" / "transcripts"

SHORT_INTERVIEW = """\
A talk about data

Host: Welcome to the show. What matters most in training models?

Guest: Data quality matters more than anything else. One bad data point can change a model.

We spend most of our time on cleaning.

Host: And compute?

Guest: Compute helps, but it is the dumbest way to improve a model.
"""


def make_source(
    *,
    text=SHORT_INTERVIEW,
    filename="talk.txt",
    slug="a-talk",
    title="A talk about data",
    language="en",
    transcript_slug="en",
    **transcript_fields,
) -> Source:
    return Source(
        data=text.encode("utf-8"),
        filename=filename,
        interview=InterviewInfo(
            slug=slug,
            title=title,
            participants=[
                ParticipantInfo("Hanna Host", "host", ["Host"]),
                ParticipantInfo("Gita Guest", "guest", ["Guest"]),
            ],
        ),
        transcript=TranscriptInfo(file=filename, slug=transcript_slug, language=language, **transcript_fields),
    )


def ingest_text(**kwargs):
    return ingest_transcript(make_source(**kwargs))


def index_first_turn_in_another_process(text):
    """Another process (forked) commits the archive's first turn to the index with `text`, through
    its own backend instance, writing nothing to the database; returns the changed turn."""
    import os

    from haystack import connections

    from interviews.models import Turn
    from interviews.search.engines import engine

    turn = engine().index_queryset().get(key=Turn.objects.order_by("pk").values_list("key", flat=True)[0])
    turn.text = text
    pid = os.fork()
    if pid == 0:  # the other process: writes the index only
        status = 1
        try:
            connections.reload("default")
            engine().index_turns([turn])
            status = 0
        finally:
            os._exit(status)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    return turn
