"""Rewrite the golden files in tests/parsing/transcripts/ from the parser's current output.

Run it on purpose, after a parser change you mean, and read the diff before committing:

    .venv/bin/python tests/parsing/regen_golden.py

Each transcript (`*.txt`, `*.md`, `*.html`) is parsed with the hints in its optional sidecar
`<name>.hints.json` (`speakers`, `language`, `title`); the result's `to_json()` goes to
`<name>.expected.json`. The test suite only reads these files, it never writes them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

GOLDEN_DIR = Path(__file__).resolve().parent / "transcripts"
TRANSCRIPT_SUFFIXES = (".txt", ".md", ".html")


def transcript_files() -> list[Path]:
    return sorted(p for p in GOLDEN_DIR.iterdir() if p.suffix in TRANSCRIPT_SUFFIXES)


def expected_path(transcript: Path) -> Path:
    return transcript.with_name(transcript.stem + ".expected.json")


def hints_for(transcript: Path) -> dict:
    sidecar = transcript.with_name(transcript.stem + ".hints.json")
    return json.loads(sidecar.read_text(encoding="utf-8")) if sidecar.exists() else {}


def parse_golden(transcript: Path):
    """Parse a golden transcript the way ingest would, with the hints from its sidecar."""
    from interviews.parsing import SpeakerHint, parse_transcript

    hints = hints_for(transcript)
    speakers = [SpeakerHint(**speaker) for speaker in hints.get("speakers", [])] or None
    return parse_transcript(
        transcript.read_bytes(),
        filename=transcript.name,
        language=hints.get("language", ""),
        title=hints.get("title", ""),
        speakers=speakers,
    )


def render(result) -> str:
    return json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n"


def main() -> int:
    sys.path.insert(0, str(GOLDEN_DIR.parents[2]))
    for transcript in transcript_files():
        target = expected_path(transcript)
        new = render(parse_golden(transcript))
        old = target.read_text(encoding="utf-8") if target.exists() else None
        if new == old:
            print(f"unchanged  {target.name}")
            continue
        target.write_text(new, encoding="utf-8")
        print(f"{'rewrote' if old is not None else 'created'}    {target.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
