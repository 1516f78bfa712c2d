"""Fault injection, the suite's short version of `make faults`: benchmarks/fault_injection.py kills an
ingest and the upload job runner mid-upload with SIGKILL, recovers as a deployment would, and checks
that every committed transcript is whole and searchable, with no ghosts and no stuck locks."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def test_three_kills_lose_nothing_and_leave_nothing_half_done(tmp_path):
    summary_file = tmp_path / "summary.json"
    result = subprocess.run(
        [
            sys.executable,
            "benchmarks/fault_injection.py",
            "--kills",
            "3",
            "--quick",
            "--data-dir",
            str(tmp_path / "archive"),
            "--json",
            str(summary_file),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    summary = json.loads(summary_file.read_text())
    assert summary["kills"] == 3
    assert set(summary["by_kind"]) == {"ingest", "correction", "upload"}
    assert (summary["lost"], summary["ghosts"], summary["partial"], summary["stuck"]) == (0, 0, 0, 0)
    assert summary["problems"] == []
