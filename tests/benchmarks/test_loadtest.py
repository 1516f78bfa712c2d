"""The load test's own accounting: where the CPU of a timed run went, per request answered.
It is what says how far the HTTP figures are from the goal's CPU budget (docs/benchmarks.md)."""

import os
import subprocess
import sys
import time

from benchmarks.loadtest import cpu_per_request, cpu_snapshot


def snapshot(processes, client=0.0, cores=(0.0, 0.0)):
    return {"processes": processes, "client": client, "cores": cores}


def test_cpu_is_shared_out_per_request_by_kind_of_process():
    before = snapshot(
        {1: ("master", 1.0), 2: ("worker", 10.0), 3: ("worker", 20.0), 4: ("other", 5.0)}, 3.0, (100, 300)
    )
    after = snapshot({1: ("master", 1.1), 2: ("worker", 14.0), 3: ("worker", 26.0), 4: ("other", 5.2)}, 4.0, (250, 500))

    figures = cpu_per_request(before, after, requests=1000)

    assert figures["worker"] == 10.0  # (4 + 6) s over 1,000 requests
    assert figures["wrk"] == 1.0
    assert figures["master"] == 0.1
    assert figures["other"] == 0.2
    assert figures["cores_busy_share"] == 0.75  # 150 of 200 core-seconds
    assert figures["replaced"] == 0


def test_a_worker_replaced_during_the_run_counts_only_its_successor_and_is_reported():
    before = snapshot({1: ("master", 0.0), 2: ("worker", 10.0), 3: ("worker", 10.0)})
    after = snapshot({1: ("master", 0.0), 3: ("worker", 12.0), 5: ("worker", 1.0)})

    figures = cpu_per_request(before, after, requests=100)

    assert figures["worker"] == 30.0  # 2 s of the survivor + 1 s of the new one
    assert figures["replaced"] == 1


def test_a_snapshot_reads_the_processes_under_a_master_and_the_waited_for_children():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        time.sleep(0.2)
        before = cpu_snapshot(os.getpid())
        subprocess.run([sys.executable, "-c", "sum(range(3_000_000))"], check=True)
        after = cpu_snapshot(os.getpid())
    finally:
        child.kill()
        child.wait()

    assert before["processes"][os.getpid()][0] == "master"
    assert before["processes"][child.pid][0] == "other"  # not a gunicorn process
    assert after["client"] > before["client"]  # the finished child's CPU
    assert after["cores"][1] > before["cores"][1]


def test_the_mix_replayed_in_order_is_told_apart_by_kind_and_repeats(capsys):
    """profile_requests' first-pass report: a path asked again within the pass counts as a repeat
    of its kind, and the shares add up to the whole pass."""
    from benchmarks.profile_requests import print_by_kind

    kinds = {"/search/?q=a": "search", "/api/search?q=a": "api", "/interviews/x/de/": "transcript"}
    first_pass = [
        ("/search/?q=a", 0.010),
        ("/api/search?q=a", 0.008),
        ("/search/?q=a", 0.002),
        ("/interviews/x/de/", 0.030),
    ]
    print_by_kind(first_pass, kinds)
    out = capsys.readouterr().out
    assert "12.50 ms CPU a request" in out
    lines = {line.split("  ")[1].strip(): line for line in out.splitlines()[1:]}
    assert set(lines) == {"api, new", "search, new", "search, repeated", "transcript, new"}
    assert "2.00 ms each" in lines["search, repeated"] and "10.00 ms each" in lines["search, new"]
    assert "60.0% of the CPU" in lines["transcript, new"]
