#!/usr/bin/env python
"""Where the index process of a bulk load spends its time: the index written again from a built
archive's database, as a bulk load's index process writes it, timed or under cProfile.

    .venv/bin/python benchmarks/profile_index.py --dir bench-20000 [--profile FILE] [--top 40]

``--dir`` is an archive kept by ``manage.py bench --keep DIR`` (or the build phase's DIR); it is
copied to a scratch directory first (``--work``, default a temporary one) and left untouched. In
the copy the index is emptied, every turn is queued in the outbox, and the outbox is applied in
commits of the bulk load's size (`outbox._commit_size`, tiered merges), as `outbox._drain` does.
Prints the CPU seconds of that work; with ``--profile``, the functions that take it (cumulative,
then own time). ``--keep`` leaves the copy, whose index can be compared with another's
(``benchmarks/compare_index.py``).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _child(work: Path, profile: str, top: int) -> None:
    import django

    django.setup()
    from haystack import connections as search_connections

    from benchmarks.phases import warm_analyzers
    from interviews import outbox
    from interviews.models import IndexTask, Turn
    from interviews.search.indexing import process_index_tasks

    search_connections["default"].get_backend().clear()
    IndexTask.objects.all().delete()
    keys = list(Turn.objects.order_by("id").values_list("key", flat=True))
    IndexTask.objects.bulk_create([IndexTask(turn_key=key, action=IndexTask.UPDATE) for key in keys], batch_size=2000)
    warm_analyzers()

    profiler = cProfile.Profile() if profile else None
    cpu, wall = time.process_time(), time.monotonic()
    if profiler:
        profiler.enable()
    commits = 0
    while pending := IndexTask.objects.count():
        process_index_tasks(batch_size=outbox._last_commit_size(pending), bulk=True, max_batches=1)
        commits += 1
    if profiler:
        profiler.disable()
    cpu, wall = time.process_time() - cpu, time.monotonic() - wall
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"indexed {len(keys)} turns in {commits} commits: {cpu:.1f} s CPU, {wall:.1f} s wall, "
        f"{len(keys) / cpu:.0f} turns per CPU second, peak memory {peak_mb:.0f} MB"
    )
    if profiler:
        profiler.dump_stats(profile)
        for order in ("cumulative", "tottime"):
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats(order).print_stats(top)
            print(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", required=True, type=Path, help="a built benchmark archive (left untouched)")
    parser.add_argument("--work", type=Path, help="scratch directory for the copy (default: a temporary one)")
    parser.add_argument("--profile", default="", help="write cProfile stats here and print the top functions")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--keep", action="store_true", help="keep the copy (its index, for comparing)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.work, args.profile, args.top)
        return

    from benchmarks.bench import child_env

    work = args.work or Path(tempfile.mkdtemp(prefix="profile-index-"))
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(args.dir / "data", work / "data", ignore=shutil.ignore_patterns("cache"))
    try:
        command = [
            sys.executable,
            __file__,
            "--child",
            "--dir",
            str(args.dir),
            "--work",
            str(work),
            "--top",
            str(args.top),
        ]
        if args.profile:
            command += ["--profile", os.path.abspath(args.profile)]
        subprocess.run(command, env=child_env(work), cwd=ROOT, check=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept: {work}")


if __name__ == "__main__":
    main()
