"""Fuzzed transcript files through the admin upload, served by gunicorn: no server error, no partial
record, every request answered within gunicorn's worker timeout.

    .venv/bin/python benchmarks/fuzz_uploads.py                 # 600 files, about 10 minutes
    .venv/bin/python benchmarks/fuzz_uploads.py --files 50 --port 8108

A throwaway archive (set up like `make data`) is served by gunicorn on a loopback port. An editor
logs in and uploads each file from tests/hostile_inputs.fuzzed_uploads() (random bytes, truncated
UTF-8, UTF-16 without BOM, zip/PDF/PNG renamed, 50,000-attribute tags, 13,000 nested brackets, huge
lines, mixed encodings, valid transcripts with garbage, mutated transcripts, odd file names, ...).
A refused file must leave every table as it was. A file that reaches the preview is confirmed as
it stands: then either the transcript is written whole (turn count, ordinals, sections, original
file, search index) or nothing is, with the reason on the page; an upload left waiting is
cancelled, so the staging area ends empty. Exit status 1 on any server error, partial record or
request slower than the timeout.
"""

from __future__ import annotations

import argparse
import collections
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import integrity  # noqa: E402
from harness import Archive, Client, follow_job, form_fields, free_port, stage_upload, upload_path  # noqa: E402

from tests.hostile_inputs import fuzzed_uploads  # noqa: E402

GUNICORN_TIMEOUT_S = 120  # archive/gunicorn.conf.py


def row_counts() -> dict:
    from django.apps import apps
    from django.contrib.auth.models import User

    models = list(apps.get_app_config("interviews").get_models()) + [User]
    return {model.__name__: model.objects.count() for model in models}


@dataclass
class Tally:
    """What the run found so far: outcomes (overall and per kind of file), problems, the slowest request."""

    outcomes: collections.Counter = field(default_factory=collections.Counter)
    by_kind: collections.defaultdict = field(default_factory=lambda: collections.defaultdict(collections.Counter))
    problems: list[str] = field(default_factory=list)
    slowest: tuple[float, str] = (0.0, "")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=600)
    parser.add_argument("--seed", type=int, default=600)
    parser.add_argument("--port", type=int, default=0, help="loopback port for gunicorn (default: a free one)")
    parser.add_argument("--time-limit", type=float, default=3600, help="upload no new file after this many seconds")
    args = parser.parse_args(argv)

    data_dir = Path(tempfile.mkdtemp(prefix="fuzz-uploads-"))
    archive = Archive(data_dir, args.port or free_port())
    tally = Tally()
    started = time.monotonic()
    try:
        archive.use_here()
        archive.setup(seeds=True)
        archive.start()
        client = Client(archive.url)
        client.login()
        files = fuzzed_uploads(args.files, args.seed)
        print(f"{len(files)} files, gunicorn on {archive.url}", flush=True)
        for number, (kind, filename, data) in enumerate(files, 1):
            if time.monotonic() - started > args.time_limit:
                print(f"time limit reached after {number - 1} files")
                break
            outcome = fuzz_one(client, tally, number, kind, filename, data)
            if number % 50 == 0 or outcome == "server error":
                print(
                    f"[{number}/{len(files)}] {dict(tally.outcomes)}; slowest {tally.slowest[0] / 1000:.1f} s "
                    f"({tally.slowest[1]})",
                    flush=True,
                )
        tally.problems += final_problems(archive)
    finally:
        archive.stop()
    print_summary(tally)
    for problem in tally.problems:
        print("PROBLEM", problem)
    if tally.problems:
        print(f"the archive is kept in {data_dir}")
    else:
        shutil.rmtree(data_dir, ignore_errors=True)
    return 1 if tally.problems else 0


def fuzz_one(client, tally: Tally, number: int, kind: str, filename: str, data: bytes) -> str:
    """Upload one file as an editor would and check what it left behind; returns the outcome."""
    from interviews.models import Transcript

    before = row_counts()
    latest = Transcript.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    outcome, responses = upload(client, filename, data)
    for response in responses:
        if response.status >= 500:
            tally.problems.append(f"#{number} {kind} ({filename!r}): server error {response.status}")
            outcome = "server error"
        if response.ms > tally.slowest[0]:
            tally.slowest = (response.ms, f"#{number} {kind}, {len(data):,} bytes")
        if response.ms >= GUNICORN_TIMEOUT_S * 1000:
            tally.problems.append(f"#{number} {kind}: {response.ms / 1000:.0f} s, over the worker timeout")
    after = row_counts()
    new = list(Transcript.objects.filter(pk__gt=latest))
    if outcome == "written":
        if len(new) != 1:
            tally.problems.append(f"#{number} {kind}: confirmed, but {len(new)} new transcripts")
        for transcript in new:
            tally.problems += [f"#{number} {kind}: partial: {p}" for p in integrity.transcript_problems(transcript)]
    elif after != before:
        changed = {k: (before[k], after[k]) for k in after if before[k] != after[k]}
        tally.problems.append(f"#{number} {kind}: partial: {outcome}, but rows changed {changed}")
    tally.outcomes[outcome] += 1
    tally.by_kind[kind][outcome] += 1
    return outcome


def upload(client, filename: str, data: bytes) -> tuple[str, list]:
    """Stage the file; if it reaches the preview, confirm it as it stands (cancel it if the
    confirmation is refused). Returns the outcome (refused, not confirmed, written) and every response."""
    timeout = GUNICORN_TIMEOUT_S + 30
    responses = [stage_upload(client, filename, data, timeout=timeout)]
    location = responses[-1].headers.get("location", "")
    if not (responses[-1].status == 302 and location.startswith(upload_path()) and location != upload_path()):
        return "refused", responses
    preview_url = location
    responses.append(client.get(preview_url, timeout=timeout))
    if responses[-1].status != 200:
        return "refused", responses
    fields = {**form_fields(responses[-1].text), "action": "confirm"}
    responses.append(client.post(preview_url, fields, timeout=timeout))
    responses.append(follow_job(client, responses[-1], timeout=timeout))
    if responses[-1].status == 302 and "/done/" in responses[-1].headers.get("location", ""):
        return "written", responses
    responses.append(client.post(preview_url, {"action": "cancel"}))
    return "not confirmed", responses


def final_problems(archive: Archive) -> list[str]:
    """After every file: the search index agrees with the database, the staging area is empty,
    gunicorn logged no error."""
    from django.conf import settings

    problems = integrity.index_problems()
    staging = Path(settings.ARCHIVE_STAGING_DIR)
    left = [p.name for p in staging.iterdir()] if staging.exists() else []
    if left:
        problems.append(f"{len(left)} uploads left in the staging area")
    server_log = [line for _, line in archive.log if "Traceback" in line or "Error handling request" in line]
    if server_log:
        problems.append(f"gunicorn logged {len(server_log)} errors: {server_log[:3]}")
    return problems


def print_summary(tally: Tally) -> None:
    outcomes, slowest = tally.outcomes, tally.slowest
    print("\nkind                          " + "  ".join(f"{o:>13}" for o in ("refused", "not confirmed", "written")))
    for kind, counts in sorted(tally.by_kind.items()):
        print(f"{kind:<30}" + "  ".join(f"{counts[o]:>13}" for o in ("refused", "not confirmed", "written")))
    total = sum(outcomes.values())
    print(
        f"\n{total} files: {outcomes['refused']} refused with a message, {outcomes['not confirmed']} previewed but "
        f"not written (with a message), {outcomes['written']} written whole; {outcomes['server error']} server errors, "
        f"{sum('partial' in p for p in tally.problems)} partial records; slowest request {slowest[0] / 1000:.1f} s "
        f"({slowest[1]}; gunicorn timeout {GUNICORN_TIMEOUT_S} s)"
    )


if __name__ == "__main__":
    sys.exit(main())
