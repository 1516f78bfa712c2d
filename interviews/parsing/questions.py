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
from interviews.parsing.messages import Message
from interviews.parsing.text import cjk_count, label_key

# A question marker: one or two dashes of any kind before the text (`──起業`, `—まず`, `-¿Qué`, `- ¿Cómo`).
_DASH_RE = re.compile(r"[-‐‑–—―─━ー]{1,3}\s*(?=\S)")
_DASHES = set("-‐‑–—―─━")
_CLOSERS = "\"')]}»›”’」』】）》"
# A Japanese name before a space opens an answer: `太田 元々、…` (Japanese prose has no spaces).
_CJK_NAME_SPACE_RE = re.compile(r"([\u3040-\u30ff\u3400-\u9fff々]{1,4})[ \u3000](?=\S)")
QUESTION = "Q"
ANSWER = "A"


def infer_question_labels(lines: list[Line]) -> list[Message]:
    """Label the lines that open questions and answers; return the warnings (none when the layout
    is not a question-and-answer one and nothing was labelled)."""
    starts = [
        i for i, line in enumerate(lines) if line.para_start and line.text and not line.chrome and not line.heading
    ]
    dashed = [i for i in starts if _dash_question(lines[i].text)]
    if len(dashed) >= 2 or (dashed and _named_answer_follows(lines, starts, dashed[0])):
        after_first = [i for i in starts if i >= dashed[0]]
        if len(dashed) >= 0.8 * len(after_first):
            roles = _alternate(dashed)
            how = Message("layout.how_alternating")
        else:
            roles = _questions_then_answers(dashed, starts, lines)
            how = Message("layout.how_dashes")
    else:
        questions = [i for i in starts if _ends_with_question(lines[i].text)]
        roles = _questions_then_answers(questions, starts, lines)
        answered = sum(role == ANSWER for role in roles.values())
        labelled_answer = any(role == ANSWER and lines[i].candidate for i, role in roles.items())
        if not answered or (len(questions) < 2 and not labelled_answer):
            return []
        how = Message("layout.how_question_marks")
    if not roles:
        return []
    names = _names(lines, roles)
    for i, role in roles.items():
        lines[i].label = _label(lines[i], role, names[role])
    unnamed = [generic for generic in (QUESTION, ANSWER) if names[generic] == generic]
    if len(unnamed) == 2:
        return [Message("layout.inferred_map", how=how, map=Message("layout.map_two", first=QUESTION, second=ANSWER))]
    if unnamed:
        return [Message("layout.inferred_map", how=how, map=Message("layout.map_one", label=unnamed[0]))]
    return [Message("layout.inferred", how=how)]


def _dash_question(text: str) -> bool:
    """`──起業`, `—まず`, `-¿Qué`; not `-5 %` or a bullet list's `- item` followed by a digit."""
    match = _DASH_RE.match(text)
    if not match or text[0] not in _DASHES:
        return False
    return not (text[0] == "-" and text[match.end() :][:1].isdigit())


def _named_answer_follows(lines: list[Line], starts: list[int], question: int) -> bool:
    following = next((i for i in starts if i > question), None)
    return following is not None and bool(_own_name(lines[following], ANSWER))


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
    """The asker's and the answerer's names: the labels on the first question and first answer
    (a labelled first exchange), if any. Later `Word:` openings are more likely prose."""
    names = {QUESTION: QUESTION, ANSWER: ANSWER}
    for role in (QUESTION, ANSWER):
        first = next((i for i, r in sorted(roles.items()) if r == role), None)
        if first is not None:
            names[role] = _own_name(lines[first], role) or role
    return names


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
    own = _own_name(line, role) if name != role and _own_name(line, role) == name else ""
    if own and line.candidate and line.candidate.name == own:
        text = line.candidate.rest
    elif own:
        text = text[len(own) :].lstrip(" \u3000")
    if role == ANSWER and text[:1] in _DASHES:
        text = text[_DASH_RE.match(text).end() :] if _DASH_RE.match(text) else text
    return Label(own or name, text.strip())


def label_dash_questions(lines: list[Line]) -> list[Message]:
    """In a labelled file, a paragraph opened by a long dash (`――それでは…`) right before a label
    is the interviewer's question: Japanese interviews label the answers and dash the questions."""
    starts = [i for i, line in enumerate(lines) if line.para_start and line.text and not line.heading]
    found = 0
    for i, following in zip(starts, starts[1:]):
        line = lines[i]
        if line.label or line.chrome or line.text[0] not in _LONG_DASHES or not _dash_question(line.text):
            continue
        if lines[following].label:
            line.label = _label(line, QUESTION, QUESTION)
            found += 1
    if not found:
        return []
    return [Message("layout.dash_questions", count=found)]


def accept_single_labels(lines: list[Line]) -> list[Message]:
    """Last resort before refusing: two or more different labels, each seen once at a paragraph
    start (`Matthew Wise:` asks, `Matt Mireles:` answers at length)."""
    starts = [line for line in lines if line.para_start and line.text and not line.heading and not line.chrome]
    labelled = [bool(line.candidate and line.candidate.rest) for line in starts]
    labelled = [ok and label_key(line.candidate.name) not in NOT_LABELS for ok, line in zip(labelled, starts)]
    # Only labels in an exchange (two labelled paragraphs in a row) count: a title or a lone
    # `Dennoch:` is not a conversation.
    found = [
        line
        for n, line in enumerate(starts)
        if labelled[n] and ((n > 0 and labelled[n - 1]) or (n + 1 < len(starts) and labelled[n + 1]))
    ]
    if len({label_key(line.candidate.name) for line in found}) < 2:
        return []
    for line in found:
        line.label = line.candidate
    return [Message("layout.labels_once")]


_LONG_DASHES = set("—―─━")


def label_unlabelled_questions(lines: list[Line]) -> list[Message]:
    """Only the answers are labelled (`Diego padre: …`, `Diego hijo: …`) and the questions stand
    as plain paragraphs ending with a question mark: those open the interviewer's turns. Only
    when no labelled turn asks anything, and at least two such paragraphs lead into a label."""
    if any(_ends_with_question(_first_paragraph(lines, i)) for i, line in enumerate(lines) if line.label):
        return []  # the askers are labelled
    starts = [i for i, line in enumerate(lines) if line.para_start and line.text and not line.heading]
    first_label = next(i for i, line in enumerate(lines) if line.label)
    questions = []
    for n, i in enumerate(starts):
        line = lines[i]
        if line.label or line.chrome or not _ends_with_question(line.text):
            continue
        following = starts[n + 1] if n + 1 < len(starts) else None
        if following is None or (i < first_label and not lines[following].label):
            continue
        questions.append((i, following))
    if sum(bool(lines[following].label) for _i, following in questions) < 2:
        return []
    for i, following in questions:
        lines[i].label = _label(lines[i], QUESTION, _own_name(lines[i], QUESTION) or QUESTION)
        if not lines[following].label:
            lines[following].label = _label(lines[following], ANSWER, ANSWER)
    return [Message("layout.question_marks", count=len(questions))]


def _first_paragraph(lines: list[Line], i: int) -> str:
    """What a label says first: its own line's rest, else the paragraph below it."""
    if lines[i].label.rest:
        return lines[i].label.rest
    texts = []
    for line in lines[i + 1 :]:
        if line.label or (texts and line.para_start):
            break
        texts.append(line.text)
    return " ".join(texts)


def label_cjk_names_before_space(lines: list[Line]) -> list[Message]:
    """`清水 感動させるとかは…` / `漆 でも、…`: Japanese transcripts may set the speaker's name
    before a space instead of a colon. Japanese prose has no spaces, so a short name there that
    recurs (others of the same form once) opens turns. Only when nothing else was found."""
    found = {}
    for i, line in enumerate(lines):
        if line.para_start and not line.chrome and not line.heading:
            match = _CJK_NAME_SPACE_RE.match(line.text)
            if match and cjk_count(line.text) > 10:
                found[i] = match.group(1)
    counts = Counter(found.values())
    if not counts or counts.most_common(1)[0][1] < 2 or len(counts) > 4:
        return []
    for i, name in found.items():
        lines[i].label = Label(name, lines[i].text[len(name) :].strip())
    return [Message("layout.names_before_space")]
