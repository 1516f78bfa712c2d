"""A real archive for end-to-end tests: its own data directory, migrated and loaded by the same
commands as `make data`, served by gunicorn on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


# The two screens the browser tests read pages on (`sized_page` in tests/conftest.py).
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveArchive:
    data_dir: Path
    port: int
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k != "DATABASE_URL"}
        env.update(
            DJANGO_SETTINGS_MODULE="archive.settings",
            DJANGO_DEBUG="0",
            DJANGO_SECRET_KEY="live-test-secret-key-" + "x" * 40,
            ARCHIVE_DATA_DIR=str(self.data_dir),
            ALLOWED_HOSTS="127.0.0.1,localhost",
            PORT=str(self.port),
            WEB_CONCURRENCY="2",
        )
        return env

    def manage(self, *args: str, check=True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, check=check
        )

    def setup(self, transcripts: Path | None = ROOT / "data" / "transcripts") -> None:
        """The steps of `make data`."""
        self.manage("migrate", "--noinput")
        self.manage("load_topics")
        if transcripts is not None:
            self.manage("ingest", str(transcripts))
        self.manage("check_index", "--fix")
        self.manage("collectstatic", "--noinput", "--verbosity", "0")

    def start(self) -> None:
        self.start_with()

    def start_with(self, **env: str) -> None:
        """Serve with gunicorn, with ``env`` over the archive's environment (e.g. WEB_CONCURRENCY)."""
        gunicorn = Path(sys.executable).parent / "gunicorn"
        # A file, not a pipe: nobody reads a pipe while the server runs, and a full one blocks
        # gunicorn (seen as "connection refused" in browser tests under load).
        self.log = open(self.data_dir / "gunicorn.log", "w+b")
        self.process = subprocess.Popen(
            [str(gunicorn), "-c", "archive/gunicorn.conf.py", "archive.wsgi"],
            cwd=ROOT,
            env={**self.env, **env},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/", timeout=2).read()
                return
            except OSError:
                if self.process.poll() is not None:
                    self.log.seek(0)
                    raise RuntimeError("gunicorn exited: " + self.log.read().decode(errors="replace")[-2000:]) from None
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer within 30 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process:
            self.log.close()
