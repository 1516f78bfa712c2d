"""How long an editor waits for a 5 MB upload: confirm to progress page, and to done.

    .venv/bin/python benchmarks/upload_job.py            # about 3-5 min on a 2-core machine

Sets up the seed archive, serves it with gunicorn (which starts the job runner), logs in as an
editor and uploads a generated German transcript of 13,035 turns just under 5 MB (the limit)
through the admin: upload, preview, confirm. Times the confirm's answer and the progress page it
leads to, then polls the progress JSON as the page does and prints when each stage began and when
the job was done. Exit status 1 if the job failed or the transcript is not whole.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import Archive, Client, form_fields, free_port, seed_sentences, stage_upload

TURNS = 13_035
LIMIT = 5 * 1024 * 1024


def five_megabytes(turns: int, rng: random.Random) -> bytes:
    """A German interview of `turns` turns, as long as fits under the upload limit."""
    sentences = seed_sentences()["de"]
    per_turn = (LIMIT - 200) // turns - len("Harry Stebbings: \n\n")
    lines = ["Ein sehr langes Gespräch", ""]
    for n in range(turns):
        speaker = ("Harry Stebbings", "Aidan Gomez")[n % 2]
        text = ""
        while len((text + " " + sentences[0]).encode()) < per_turn:
            text = f"{text} {rng.choice(sentences)}".strip()
        lines += [f"{speaker}: {text or rng.choice(sentences)}", ""]
    data = "\n".join(lines).encode()
    assert len(data) <= LIMIT, len(data)
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=TURNS)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    data = five_megabytes(args.turns, random.Random(args.seed))
    archive = Archive(Path(tempfile.mkdtemp(prefix="upload-job-")), free_port(), {"WEB_CONCURRENCY": "2"})
    archive.use_here()
    archive.setup()
    archive.start()
    try:
        editor = Client(archive.url)
        editor.login()
        staged = stage_upload(editor, "long.txt", data, {"language": "de"}, timeout=300)
        assert staged.status == 302, staged.text[:500]
        preview = editor.get(staged.headers["location"], timeout=300)
        print(
            f"{len(data):,} bytes, {args.turns:,} turns: upload {staged.ms / 1000:.1f} s, preview {preview.ms / 1000:.1f} s"
        )
        started = time.monotonic()
        confirmed = editor.post(staged.headers["location"], {**form_fields(preview.text), "action": "confirm"})
        job_url = confirmed.headers.get("location", "")
        assert confirmed.status == 302 and "/upload/jobs/" in job_url, (confirmed.status, confirmed.text[:500])
        page = editor.get(job_url)
        assert page.status == 200 and "<progress" in page.text
        print(
            f"confirm answered in {confirmed.ms:.0f} ms, the progress page in {page.ms:.0f} ms: "
            f"{time.monotonic() - started:.2f} s from confirm to progress page"
        )
        shown, state = "", {}
        while state.get("status") not in ("done", "failed"):
            state = json.loads(editor.get(job_url + "progress/").text)
            if state["text"] != shown:  # what the page shows, each time it changes
                shown = state["text"]
                print(f"  {time.monotonic() - started:6.1f} s  {state['status']:<8} {state['text']}")
            time.sleep(0.5)
        elapsed = time.monotonic() - started
        print(f"{state['status']} {elapsed:.1f} s after the confirm: {state['text']}")
        from interviews.models import Transcript

        transcript = Transcript.objects.get(original_name="long.txt")
        whole = [transcript.turn_count, transcript.turns.count()]
        print(f"transcript: {whole[0]} turns recorded, {whole[1]} written")
        if state["status"] != "done" or whole[0] != whole[1]:
            sys.exit(1)
    finally:
        archive.stop()


if __name__ == "__main__":
    main()
