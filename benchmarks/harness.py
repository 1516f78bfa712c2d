"""What the reliability scripts share: a throwaway archive (its own ARCHIVE_DATA_DIR, set up by the
same commands as `make data`), gunicorn on a loopback port with its log read as it is written, an
HTTP client that logs in to the admin and fills in its forms, and generated transcripts.

Nothing here is mocked: the scripts drive `manage.py` and gunicorn exactly as a deployment does.
"""

from __future__ import annotations

import hashlib
import html.parser
import http.client
import json
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the scripts inspect the archive with its own code
SEEDS = ROOT / "data" / "transcripts"
ADMIN_USER, ADMIN_PASSWORD = "reliability", "reliability-" + "p" * 12


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- The archive ----------------------------------------------------------------------------------


@dataclass
class Archive:
    """An archive in ``data_dir``: `manage()` runs commands on it, `start()` serves it with gunicorn."""

    data_dir: Path
    port: int
    extra_env: dict = field(default_factory=dict)
    database_url: str = ""  # a PostgreSQL database of its own (own_database()); else SQLite in data_dir
    server: subprocess.Popen | None = None
    log: list = field(default_factory=list)  # (monotonic time, line) of gunicorn's stderr
    _reader: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "ARCHIVE_")) and k != "DATABASE_URL"}
        env.update(
            DJANGO_SETTINGS_MODULE="archive.settings",
            DJANGO_DEBUG="0",
            DJANGO_SECRET_KEY="reliability-script-secret-key-" + "x" * 40,
            ARCHIVE_DATA_DIR=str(self.data_dir),
            ALLOWED_HOSTS="127.0.0.1,localhost",
            HOST="127.0.0.1",
            PORT=str(self.port),
            WEB_CONCURRENCY="2",
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        return env

    def use_here(self) -> None:
        """Make this process a Django process of the archive, to set it up and inspect it."""
        import django

        os.environ.update({k: v for k, v in self.env.items() if k.startswith(("DJANGO_", "ARCHIVE_"))})
        os.environ.pop("DJANGO_LOG_LEVEL", None)
        os.environ.pop("DATABASE_URL", None)  # the archive's own SQLite file, as its gunicorn uses
        django.setup()

    def command(self, *args: str) -> list[str]:
        return [sys.executable, str(ROOT / "manage.py"), *args]

    def manage(self, *args: str, check=True, timeout=600) -> subprocess.CompletedProcess:
        result = subprocess.run(
            self.command(*args), cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if check and result.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
        return result

    def setup(self, *, seeds=True) -> None:
        """The steps of `make data`, and an editor account for the admin, run in this process
        (which `use_here()` pointed at the archive; one Django start instead of six)."""
        import io

        from django.contrib.auth import get_user_model
        from django.core.management import call_command

        out = io.StringIO()
        call_command("migrate", "--noinput", stdout=out)
        call_command("load_topics", stdout=out)
        if seeds:
            call_command("ingest", str(SEEDS), stdout=out)
        call_command("check_index", "--fix", stdout=out)
        call_command("collectstatic", "--noinput", verbosity=0, stdout=out)
        get_user_model().objects.create_superuser(ADMIN_USER, "r@example.org", ADMIN_PASSWORD)

    def start(self, timeout=60) -> None:
        # A script stopped with SIGTERM (timeout, kill <pid>) unwinds, so stop() ends gunicorn too.
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
        gunicorn = Path(sys.executable).parent / "gunicorn"
        self.server = subprocess.Popen(
            [str(gunicorn), "-c", "archive/gunicorn.conf.py", "archive.wsgi"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",  # one undecodable byte must not end the reading of the log
            bufsize=1,
            start_new_session=True,  # our own process group: stop() ends exactly what it started
        )
        self._reader = threading.Thread(target=self._read_log, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise RuntimeError("gunicorn exited:\n" + "\n".join(line for _, line in self.log[-40:]))
            try:
                Client(self.url).get("/robots.txt", timeout=2)
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer in time")

    def _read_log(self):
        for line in self.server.stderr:
            self.log.append((time.monotonic(), line.rstrip("\n")))

    def children(self) -> list[int]:
        """The master's live child processes: its workers and the job runner. Every thread's
        children: the job runner is started by a thread of the master, not its main one."""
        pid = self.server.pid
        children = []
        try:
            for task in Path(f"/proc/{pid}/task").iterdir():
                children += (task / "children").read_text().split()
        except OSError:
            return []
        alive = []
        for child in children:
            try:  # a killed child stays listed until the master reaps it
                state = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except (OSError, IndexError):
                continue
            if state not in ("Z", "X"):
                alive.append(int(child))
        return alive

    def workers(self) -> list[int]:
        """The gunicorn worker processes (children of the master, but for the job runner)."""
        return [pid for pid in self.children() if not is_job_runner(pid)]

    def job_runner(self) -> int | None:
        """The live upload job runner gunicorn started, if there is one."""
        return next((pid for pid in self.children() if is_job_runner(pid)), None)

    def wait_for_workers(self, count: int, timeout=30) -> list[int]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            workers = self.workers()
            if len(workers) >= count:
                return workers
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn has {len(self.workers())} workers, expected {count}")

    def stop(self) -> None:
        if self.server is None or self.server.poll() is not None:
            return
        self.server.terminate()
        try:
            self.server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.server.pid, signal.SIGKILL)
            self.server.wait()


# --- HTTP ----------------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes
    ms: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Client:
    """A minimal browser: cookies, no redirects followed, multipart uploads, the admin's forms."""

    def __init__(self, base_url: str):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.cookies: dict[str, str] = {}

    def request(self, method, path, body=None, headers=None, timeout=180) -> Response:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        started = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        finally:
            conn.close()
        ms = (time.perf_counter() - started) * 1000
        for name, value in resp.getheaders():
            if name.lower() == "set-cookie":
                cookie = value.split(";", 1)[0]
                key, _, val = cookie.partition("=")
                if val and "max-age=0" not in value.lower():
                    self.cookies[key.strip()] = val.strip()
                else:
                    self.cookies.pop(key.strip(), None)
        return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data, ms)

    def get(self, path, params=None, timeout=180) -> Response:
        if params:
            path += ("&" if "?" in path else "?") + urlencode(params, doseq=True)
        return self.request("GET", path, timeout=timeout)

    def post(self, path, fields: dict, files: dict | None = None, timeout=180) -> Response:
        """A form post; ``files`` maps a field to (filename, bytes). Sends the CSRF token it holds."""
        fields = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **fields}
        if files:
            body, content_type = multipart(fields, files)
        else:
            body, content_type = urlencode(fields, doseq=True).encode(), "application/x-www-form-urlencoded"
        return self.request("POST", path, body=body, headers={"Content-Type": content_type}, timeout=timeout)

    def login(self, username=ADMIN_USER, password=ADMIN_PASSWORD) -> None:
        self.get("/admin/login/")
        response = self.post("/admin/login/", {"username": username, "password": password, "next": "/admin/"})
        if response.status != 302:
            raise RuntimeError(f"admin login failed ({response.status})")


def multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = "----reliability" + uuid.uuid4().hex
    out = []
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{item}\r\n'.encode())
    for name, (filename, data) in files.items():
        safe = filename.replace('"', "%22").replace("\r", " ").replace("\n", " ")
        out.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{safe}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n".encode()
            + data
            + b"\r\n"
        )
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


class _FormReader(html.parser.HTMLParser):
    """The fields of every form on a page, as a browser would submit them (first option selected
    by default, checked boxes and radios only)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._select = None
        self._first = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "fields": {}, "buttons": set()})
        if not self.forms:
            return
        fields = self.forms[-1]["fields"]
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "file", "reset"):
                self.forms[-1]["buttons"].add(name)
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    fields[name] = a.get("value", "on")
            else:
                fields[name] = a.get("value", "")
        elif tag == "button" and name:
            self.forms[-1]["buttons"].add(name)
        elif tag == "select" and name:
            self._select = name
            self._first = None
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._first is None:
                self._first = value
                fields.setdefault(self._select, value)
            if "selected" in a:
                fields[self._select] = value
        elif tag == "textarea" and name:
            self._textarea = name
            fields[name] = ""

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1]["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            if self._textarea and self.forms:
                value = self.forms[-1]["fields"][self._textarea]
                self.forms[-1]["fields"][self._textarea] = value[1:] if value.startswith("\n") else value
            self._textarea = None


def form_fields(page_html: str, button="action") -> dict:
    """The fields of the form on the page that has a button (or file input) named ``button``."""
    reader = _FormReader()
    reader.feed(page_html)
    for form in reader.forms:
        if button in form["buttons"]:
            return dict(form["fields"])
    raise ValueError(f"no form with a {button!r} button on the page")


def upload_path() -> str:
    return "/admin/interviews/transcript/upload/"


def stage_upload(client: Client, filename: str, data: bytes, details: dict | None = None, timeout=180) -> Response:
    """Step 1 of the admin upload: the file and its details. A 302 leads to the preview."""
    page = client.get(upload_path())
    fields = form_fields(page.text, button="file") if 'name="file"' in page.text else {}
    fields = {k: v for k, v in fields.items() if k != "file"}
    fields.update(details or {})
    return client.post(upload_path(), fields, files={"file": (filename, data)}, timeout=timeout)


def own_database() -> str:
    """With DATABASE_URL naming a PostgreSQL server (`make test-postgres`), a new database of its
    own on that server, as pytest-django makes its test database: the URL to give an Archive, or
    '' (SQLite in the archive's directory) when DATABASE_URL is not PostgreSQL. Drop it with
    drop_database()."""
    server = os.environ.get("DATABASE_URL", "")
    if not server.startswith(("postgres://", "postgresql://")):
        return ""
    import psycopg

    name = f"archive_live_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(urlsplit(server)._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlsplit(server)._replace(path=f"/{name}").geturl()


def drop_database(url: str) -> None:
    if not url:
        return
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(urlsplit(url)._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def is_job_runner(pid: int) -> bool:
    """The upload job runner gunicorn starts beside its workers (`manage.py run_jobs`)."""
    try:
        return b"run_jobs" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def follow_job(client: Client, confirmed: Response, timeout=300) -> Response:
    """After the preview's confirm: a 302 to the upload's progress page is a queued job, which the
    job runner writes; poll its JSON until it is done or failed, then answer with the job page (a
    302 to the result page once done; the error, 200, if it failed). Any other answer is returned
    as it is (the preview again, with what to fix)."""
    location = confirmed.headers.get("location", "")
    if confirmed.status != 302 or "/upload/jobs/" not in location:
        return confirmed
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = json.loads(client.get(location + "progress/").text)
        if state["status"] in ("done", "failed"):
            return client.get(location)
        time.sleep(0.2)
    raise RuntimeError(f"the upload job at {location} was not done after {timeout} s: {state['text']}")


# --- Generated transcripts -----------------------------------------------------------------------

_SENTENCE_RE = re.compile(r"(?<=[。！？!?.])\s*")


def seed_sentences() -> dict[str, list[str]]:
    """Sentences of the seed transcripts by language: text that reads like the real thing."""
    from interviews.parsing import parse_transcript

    sentences: dict[str, list[str]] = {}
    for path in sorted(SEEDS.glob("*.txt")):
        parsed = parse_transcript(path.read_bytes(), filename=path.name)
        # One paragraph per turn: a short paragraph between turns would read as a section heading.
        pool = [
            " ".join(s.split()) for turn in parsed.turns for s in _SENTENCE_RE.split(turn.text) if len(s.strip()) > 8
        ]
        sentences.setdefault(parsed.language, []).extend(pool)
    return sentences


PEOPLE = {
    "de": [("Anna Berger", "host"), ("Jonas Weber", "guest")],
    "zh": [("王芳", "host"), ("李伟", "guest")],
}


@dataclass
class Generated:
    number: int
    language: str
    title: str
    marker: str  # a word in every turn, found by searching for it
    turns: list[tuple[str, str]]  # (speaker, text)

    def text(self) -> str:
        lines = [self.title, ""]
        for speaker, text in self.turns:
            lines += [f"{speaker}: {text}", ""]
        return "\n".join(lines)

    def data(self) -> bytes:
        return self.text().encode("utf-8")

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data()).hexdigest()


def generate(number: int, language: str, turns: int, sentences: dict, rng: random.Random) -> Generated:
    marker = f"fimark{number}x{secrets.token_hex(2)}"
    joiner = "" if language == "zh" else " "
    people = PEOPLE[language]
    out = []
    for t in range(turns):
        speaker = people[t % 2][0]
        body = joiner.join(rng.sample(sentences[language], rng.randint(1, 4)))
        out.append((speaker, f"{body} {marker}"))
    title = f"Generated interview {number}" if language != "zh" else f"生成的访谈 {number}"
    return Generated(number, language, title, marker, out)


def corrected(original: Generated, sentences: dict, rng: random.Random) -> Generated:
    """A corrected version: some turns dropped, some edited, a few added (same marker)."""
    joiner = "" if original.language == "zh" else " "
    turns = []
    for speaker, text in original.turns:
        roll = rng.random()
        if roll < 0.1:
            continue  # removed: its key must leave the index
        if roll < 0.2:
            text = f"{text} {rng.choice(sentences[original.language])}"  # edited: keeps its key
        turns.append((speaker, text))
        if rng.random() < 0.05:
            body = joiner.join(rng.sample(sentences[original.language], 2))
            turns.append((speaker, f"{body} {original.marker}"))
    if len(turns) < 2:
        turns = list(original.turns)
    turns[0] = (turns[0][0], turns[0][1] + " " + secrets.token_hex(3))  # never byte-identical
    return Generated(original.number, original.language, original.title, original.marker, turns)


def manifest(gen: Generated, filename: str, interview_slug: str = "") -> dict:
    people = PEOPLE[gen.language]
    return {
        "interview": {
            "slug": interview_slug or f"generated-{gen.number}",
            "title": gen.title,
            "original_language": gen.language,
            "participants": [{"name": name, "role": role} for name, role in people],
        },
        "transcripts": [
            {
                "file": filename,
                "slug": gen.language,
                "language": gen.language,
                "publisher": "Fault injection",
                "published_on": "2024-01-01",
            }
        ],
    }
