"""A 20,000-turn transcript (the most ingest accepts): its strip stays a few hundred segments, so
each of its pages stays light. Sizes are asserted; times are printed, not asserted (they depend on
the machine)."""

import time

import pytest

from interviews.charts import data
from interviews.models import Transcript
from tests.factories import ingest_text

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

TURNS = 20_000


def long_text():
    lines = ["A very long talk", ""]
    for n in range(TURNS // 2):
        lines += [f"Host: Question {n} about data quality and compute?", ""]
        lines += [f"Guest: Answer {n}. " + "Models learn from good data, and data quality matters. " * (1 + n % 7), ""]
    return "\n".join(lines)


def test_a_20000_turn_transcript_draws_a_strip_of_buckets(client, settings):
    settings.ARCHIVE_MAX_UPLOAD_BYTES = 50 * 1024 * 1024
    ingest_text(text=long_text(), filename="long.txt", slug="long-talk")
    transcript = Transcript.objects.select_related("interview").get()
    assert transcript.turn_count == TURNS

    started, cpu = time.perf_counter(), time.process_time()
    charts = data.transcript_charts(transcript)
    took, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert charts.bucket_size == 67 and len(charts.segments) == 299  # ceil(20,000 / 300) turns a segment
    assert charts.strip.count("<a ") == 299
    started = time.perf_counter()
    assert data.transcript_charts(transcript) == charts  # drawn once per version of the index
    again = time.perf_counter() - started

    started = time.perf_counter()
    html = client.get(transcript.get_absolute_url()).content.decode()
    page = time.perf_counter() - started
    start = html.index('<figure class="strip"')
    strip = html[start : html.index("</figure>", start)]
    print(
        f"\ncharts of {TURNS} turns: {took * 1000:.0f} ms ({cpu * 1000:.0f} ms of CPU), again {again * 1000:.0f} ms; page {page * 1000:.0f} ms, {len(html) // 1024} KiB, strip {len(strip) // 1024} KiB"
    )
    assert len(strip) < 200_000
