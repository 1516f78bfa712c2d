"""Search fixtures, registered for the whole suite by tests/conftest.py: small transcripts in three
languages, ingested with the commit hooks run so that the outbox indexes them, as in production."""

import datetime

import pytest

from interviews.ingest import ingest_transcript
from interviews.sources import collect_sources
from tests.factories import SEEDS, ingest_text

GERMAN = """\
Ein Gespräch über Daten

Host: Wie wichtig ist Datenqualität für Ihre Modelle?

Guest: Datenqualität ist alles. Modelle lernen nur aus guten Daten.

Host: Und die Rechenleistung?

Guest: Rechenleistung hilft, aber sie ist der teuerste Weg.
"""

CHINESE = """\
关于数据的对话

Host: 数据质量重要吗？

Guest: 数据质量至关重要。我们的重点是合成数据。
"""


@pytest.fixture
def indexed(django_capture_on_commit_callbacks):
    """Ingest with the commit hooks run, as in production: the outbox indexes after the commit."""

    def ingest(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return ingest_text(**kwargs)

    return ingest


@pytest.fixture
def archive(db, indexed):
    """Ten turns, counted by hand.

    a-talk (English, 2023): 4 turns, Hanna Host 2, Gita Guest 2.
    ein-gespraech (German, 2024): 4 turns, Hanna Host 2, Gita Guest 2.
    zh-talk (Chinese, 2024): 2 turns, Hanna Host 1, Gita Guest 1.
    """
    indexed(published_on=datetime.date(2023, 5, 1))
    indexed(
        text=GERMAN,
        filename="gespraech.txt",
        slug="ein-gespraech",
        title="Ein Gespräch",
        language="de",
        transcript_slug="de",
        published_on=datetime.date(2024, 3, 1),
    )
    indexed(
        text=CHINESE,
        filename="zh.txt",
        slug="zh-talk",
        title="关于数据的对话",
        language="zh",
        transcript_slug="zh",
        published_on=datetime.date(2024, 6, 1),
    )


@pytest.fixture
def seeds(db, django_capture_on_commit_callbacks):
    sources, errors = collect_sources([SEEDS])
    assert not errors
    with django_capture_on_commit_callbacks(execute=True):
        for _, source in sources:
            ingest_transcript(source)
