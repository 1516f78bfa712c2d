"""Golden files: the whole parse of each file in tests/parsing/transcripts/ is pinned in its
.expected.json (regenerate on purpose: tests/parsing/regen_golden.py)."""

from __future__ import annotations

import importlib.util
import json

import pytest

from tests.parsing.helpers import TESTS


def _load_regen_golden():
    spec = importlib.util.spec_from_file_location("regen_golden", TESTS / "regen_golden.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


regen_golden = _load_regen_golden()


@pytest.mark.parametrize("transcript", regen_golden.transcript_files(), ids=lambda p: p.name)
def test_golden_file(transcript):
    """The whole parse of each file in tests/parsing/transcripts/ matches its .expected.json."""
    expected = json.loads(regen_golden.expected_path(transcript).read_text(encoding="utf-8"))
    actual = regen_golden.parse_golden(transcript).to_json()
    assert actual == expected, "parser output changed; if intended, run: python tests/parsing/regen_golden.py"


def test_every_golden_transcript_has_an_expected_file():
    assert len(regen_golden.transcript_files()) >= 6
    for transcript in regen_golden.transcript_files():
        assert regen_golden.expected_path(transcript).exists(), transcript.name
