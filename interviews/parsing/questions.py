"""Step 3b: transcripts whose questions carry no speaker label.

Print interviews often label nobody: the question is set off by a leading dash (`──`, `—`, `-¿`)
or simply ends with a question mark, and the answer is the paragraphs up to the next question.
Sometimes the first exchange is labelled (`Mathias Döpfner:` / `Elon Musk:`) and the rest
alternates without labels, or only the answers are (`胡郁：`, `MARTIN PANSY:`). When the label step
accepted no label at all, this step reads that layout and labels the paragraphs that open turns,
naming the asker and the answerer from the labels seen once, else "Q" and "A" for the editor to
map. It only runs where the parser would otherwise refuse the file, and it says what it did in a
warning, since a question mark or a dash is weaker evidence than a label.
"""

from __future__ import annotations

import re
from collections import Counter

from interviews.parsing.labels import NOT_LABELS
from interviews.parsing.lines import Label, Line
from interviews.parsing.text import cjk_count, label_key

# A question marker: one or two dashes of any kind before the text (`──起業`, `—まず`, `-¿Qué`, `- ¿Cómo`).
_DASH_RE = re.compile(r"[-‐‑–—―─━ー]{1,3}\s*(?=\S)")
_DASHES = set("-‐‑–—―─━")
_CLOSERS = "\"')]}»›”’」』】）》"
# A Japanese name before a space opens an answer: `太田 元々、…` (Japanese prose has no spaces).
_CJK_NAME_SPACE_RE = re.compile(r"([\u3040-\u30ff\u3400-\u9fff々]{1,4})[ \u3000](?=\S)")
QUESTION = "Q"
ANSWER = "A"


def infer_question_labels(lines: list[Line]) -> list[str]:
    """Label the lines that open questions and answers; return the warnings (none when the layout
    is not a question-and-answer one and nothing was labelled)."""
    starts = [
        i for i, line in enumerate(lines) if line.para_start and line.text and not line.chrome and not line.heading
    ]
    dashed = [i for i in starts if _dash_question(lines[i].text)]
    if len(dashed) >= 2:
        after_first = [i for i in starts if i >= dashed[0]]
        if len(dashed) >= 0.8 * len(after_first):
            roles = _alternate(dashed)
            how = "Every paragraph starts with a dash: turns alternate, starting with a question."
        else:
            roles = _questions_then_answers(dashed, starts, lines)
            how = "Questions were recognised by their leading dash; answers are the paragraphs between."
    else:
        questions = [i for i in starts if _ends_with_question(lines[i].text)]
        roles = _questions_then_answers(questions, starts, lines)
        answered = sum(role == ANSWER for role in roles.values())
        labelled_answer = any(role == ANSWER and lines[i].candidate for i, role in roles.items())
        if not answered or (len(questions) < 2 and not labelled_answer):
            return []
        how = "Questions were recognised by their question mark; answers are the paragraphs between."
    if not roles:
        return []
    names = _names(lines, roles)
    for i, role in roles.items():
        lines[i].label = _label(lines[i], role, names[role])
    unnamed = [generic for generic in (QUESTION, ANSWER) if names[generic] == generic]
    mapped = f" Map {' and '.join(unnamed)} to people in the preview." if unnamed else ""
    return [f"No recurring speaker labels. {how} Check the turns.{mapped}"]


def _dash_question(text: str) -> bool:
    match = _DASH_RE.match(text)
    return bool(match) and text[0] in _DASHES and not text[match.end() :][:1].isdigit()


def _ends_with_question(text: str) -> bool:
    stripped = text.rstrip().rstrip(_CLOSERS).rstrip()
    return stripped.endswith(("?", "？"))


def _alternate(dashed: list[int]) -> dict[int, str]:
    return {i: (QUESTION if n % 2 == 0 else ANSWER) for n, i in enumerate(dashed)}


def _questions_then_answers(questions: list[int], starts: list[int], lines: list[Line]) -> dict[int, str]:
    """Each question opens a turn, and so does the first paragraph after it that is not one."""
    roles: dict[int, str] = {}
    asked = False
    for i in starts:
        if i in questions:
            roles[i] = QUESTION
            asked = True
        elif asked:
            roles[i] = ANSWER
            asked = False
    return roles


def _names(lines: list[Line], roles: dict[int, str]) -> dict[str, str]:
    """The asker's and the answerer's names: the labels seen once on such paragraphs, if any."""
    seen: dict[str, Counter] = {QUESTION: Counter(), ANSWER: Counter()}
    for i, role in roles.items():
        name = _own_name(lines[i], role)
        if name:
            seen[role][name] += 1
    return {role: (counts.most_common(1)[0][0] if counts else role) for role, counts in seen.items()}


def _own_name(line: Line, role: str) -> str:
    candidate = line.candidate
    if candidate and candidate.rest and label_key(candidate.name) not in NOT_LABELS:
        return candidate.name
    if role == ANSWER:
        match = _CJK_NAME_SPACE_RE.match(line.text)
        if match and cjk_count(line.text) > 10:
            return match.group(1)
    return ""


def _label(line: Line, role: str, name: str) -> Label:
    text = line.text
    if role == QUESTION and _dash_question(text):
        text = text[_DASH_RE.match(text).end() :]
    own = _own_name(line, role)
    if own and line.candidate and line.candidate.name == own:
        text = line.candidate.rest
    elif own:
        text = text[len(own) :].lstrip(" \u3000")
    if role == ANSWER and text[:1] in _DASHES:
        text = text[_DASH_RE.match(text).end() :] if _DASH_RE.match(text) else text
    return Label(own or name, text.strip())
