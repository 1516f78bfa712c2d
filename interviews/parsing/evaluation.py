"""Score the parser on real transcripts: turn F1 against expected turns written by hand.

Each excerpt under a dev-set folder (``tests/fixtures/real/``) is a ``.txt`` or ``.html`` file
taken from a published page, with a JSON beside it naming its source, language, layout class and
the expected turns (speaker and first words). Pure Python, like the rest of the parser.

A predicted turn matches an expected one when its text starts with the expected first words
(case and whitespace aside) and its speaker is the right person. Labels are not names: the parser
may call the interviewer "SPIEGEL" or "Q" and the guest by full name in one turn and surname in the
next, so each predicted speaker label is mapped to the expected speaker it most often lines up
with, and a turn counts when that mapping gives the expected speaker.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from interviews.parsing.options import PARAGRAPHS, ParseOptions
from interviews.parsing.pipeline import parse_transcript
from interviews.parsing.types import ParseError


@dataclass
class FileScore:
    name: str
    layout: str
    language: str  # expected
    detected: str  # what the parser said, "" when it refused the file
    expected: int
    predicted: int
    correct: int
    error: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else float(not self.expected)

    @property
    def recall(self) -> float:
        return self.correct / self.expected if self.expected else float(not self.predicted)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class DevSetScore:
    files: list[FileScore]

    @property
    def correct(self) -> int:
        return sum(f.correct for f in self.files)

    @property
    def precision(self) -> float:
        predicted = sum(f.predicted for f in self.files)
        return self.correct / predicted if predicted else 0.0

    @property
    def recall(self) -> float:
        expected = sum(f.expected for f in self.files)
        return self.correct / expected if expected else 0.0

    @property
    def f1(self) -> float:
        """Micro F1 over every turn of every file."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def mean_file_f1(self) -> float:
        return sum(f.f1 for f in self.files) / len(self.files) if self.files else 0.0

    @property
    def languages_detected(self) -> int:
        return sum(f.detected == f.language for f in self.files)

    def report(self) -> str:
        lines = [f"{'file':42} {'layout':36} {'lang':9} {'exp':>4} {'got':>4} {'ok':>4} {'F1':>5}"]
        for f in self.files:
            lang = f.language if f.detected == f.language else f"{f.language}≠{f.detected or '-'}"
            lines.append(
                f"{f.name:42} {f.layout[:36]:36} {lang:9} {f.expected:>4} {f.predicted:>4} {f.correct:>4} {f.f1:5.2f}"
                + (f"  ({f.error})" if f.error else "")
            )
        lines.append(
            f"overall: F1 {self.f1:.3f} (precision {self.precision:.3f}, recall {self.recall:.3f}); "
            f"mean F1 per file {self.mean_file_f1:.3f}; language right on "
            f"{self.languages_detected}/{len(self.files)} files"
        )
        return "\n".join(lines)


def evaluate_dir(folder: Path) -> DevSetScore:
    sources = sorted(p for p in Path(folder).iterdir() if p.suffix in (".txt", ".html"))
    return DevSetScore([evaluate_file(path) for path in sources])


def evaluate_file(path: Path) -> FileScore:
    meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    expected = [(turn["speaker"], turn["first_words"]) for turn in meta["turns"]]
    score = FileScore(
        name=path.name,
        layout=meta["layout"],
        language=meta["language"],
        detected="",
        expected=len(expected),
        predicted=0,
        correct=0,
    )
    try:
        # No language hint: detecting it is part of what is measured.
        result = parse_transcript(path.read_bytes(), filename=path.name)
    except ParseError as error:
        score.error = str(error)
        # The upload preview does not stop there: it opens such a file one paragraph per turn
        # (interviews/upload/staging.py FALLBACKS) with the language detected. Its turns are not
        # counted (the parser refused), its language is.
        try:
            score.detected = parse_transcript(
                path.read_bytes(), filename=path.name, options=ParseOptions(way=PARAGRAPHS)
            ).language
        except ParseError:
            pass
        return score
    predicted = [(turn.speaker, turn.text) for turn in result.turns]
    score.detected = result.language
    score.predicted = len(predicted)
    score.correct = count_correct(expected, predicted)
    score.warnings = result.warnings
    return score


def count_correct(expected: list[tuple[str, str]], predicted: list[tuple[str, str]]) -> int:
    """Turns matched in order by their first words, then speakers mapped label by label."""
    pairs = []
    start = 0
    for exp_speaker, first_words in expected:
        words = _norm(first_words)
        for index in range(start, len(predicted)):
            if _norm(predicted[index][1]).startswith(words):
                pairs.append((predicted[index][0], exp_speaker))
                start = index + 1
                break
    votes: dict[str, Counter] = defaultdict(Counter)
    for label, person in pairs:
        votes[_norm(label)][_norm(person)] += 1
    mapping = {label: counts.most_common(1)[0][0] for label, counts in votes.items()}
    return sum(mapping[_norm(label)] == _norm(person) for label, person in pairs)


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()
