"""Progress on stderr and the measuring helpers of the benchmarks: peak memory, percentiles, sizes."""

from __future__ import annotations

from pathlib import Path


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class Progress:
    """A one-line bar on a terminal, a line every few seconds otherwise: done/total, rate, ETA."""

    def __init__(self, label: str, total: int, unit: str, stream=None, every: float | None = None):
        import sys
        import time

        self.label, self.total, self.unit = label, max(total, 1), unit
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.every = every if every is not None else (0.5 if self.tty else 5.0)
        self.clock = time.monotonic
        self.started = self.last = self.clock()
        self.done = 0

    def _line(self) -> str:
        elapsed = max(self.clock() - self.started, 1e-9)
        rate = self.done / elapsed
        eta = _duration((self.total - self.done) / rate) if rate and self.done < self.total else "0:00"
        return (
            f"{self.label:<10} {self.done:>9,}/{self.total:,} {self.unit}  {100 * self.done / self.total:5.1f}%  "
            f"{rate:8,.0f} {self.unit}/s  elapsed {_duration(elapsed)}  ETA {eta}"
        )

    def update(self, done: int) -> None:
        self.done = done
        now = self.clock()
        if now - self.last >= self.every:
            self.last = now
            self.stream.write(("\r" + self._line()) if self.tty else self._line() + "\n")
            self.stream.flush()

    def finish(self) -> None:
        self.stream.write(("\r" if self.tty else "") + self._line() + "\n")
        self.stream.flush()


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (Linux reports ru_maxrss in KiB)."""
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    """p50/p95/p99 by linear interpolation between the closest ranks."""
    import statistics

    if len(samples_ms) < 2:
        value = round(samples_ms[0], 2) if samples_ms else None
        return {"p50": value, "p95": value, "p99": value}
    cuts = statistics.quantiles(samples_ms, n=100, method="inclusive")
    return {"p50": round(statistics.median(samples_ms), 2), "p95": round(cuts[94], 2), "p99": round(cuts[98], 2)}


def directory_mb(path: Path) -> float:
    total = sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file()) if Path(path).exists() else 0
    return round(total / 1024 / 1024, 2)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far, from /proc."""
    import os

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def gunicorn_processes(master_pid: int) -> dict:
    """{pid: kind} of a gunicorn master ("master") and its children: its workers ("worker") and
    anything else it started ("other": the job runner), from /proc."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    processes = {master_pid: "master"}
    for pid in map(int, children):
        try:
            processes[pid] = "worker" if b"gunicorn" in Path(f"/proc/{pid}/cmdline").read_bytes() else "other"
        except FileNotFoundError:  # exited between the listing and the read
            pass
    return processes
