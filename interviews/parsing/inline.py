"""Labels run into the middle of a paragraph: `…al podcast? Diego padre: Mi experiencia…` or
`¿Cómo llegaron a esa idea?Juan Serrano: Para llegar…`, where a page lost its line breaks.

A name followed by a colon right after a sentence end is split onto a line of its own when the
name recurs (inline or at a line start), or when its paragraph itself opens with a label. Where
the speakers' labels open lines (a name opens two or more), only a name that opens a line
somewhere is split: in `…keins bekommen. Letzte Frage: Welche Frage…` the host's words are no
speaker, though they recur and their paragraph opens with `Anna Berger:`."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from interviews.parsing.labels import NOT_LABELS, looks_like_name
from interviews.parsing.lines import Line
from interviews.parsing.text import label_key

_UPPER = "A-ZÀ-ÖØ-ÞĀ-Ž"
_INLINE_RE = re.compile(rf"(?<=[.?!…»”\"])\s*+([{_UPPER}][\w'’-]*+(?: [\w'’-]++){{0,2}}):[ \t]++(?=[\w¿¡«“\"])")
_OPENING_RE = re.compile(rf"([{_UPPER}][\w'’-]*+(?: [\w'’-]++){{0,2}}):[ \t]")


def split_inline_labels(lines: list[Line]) -> list[Line]:
    found: dict[int, list[re.Match]] = {}
    counts: Counter = Counter()
    openers: Counter = Counter()  # names that open a line
    for i, line in enumerate(lines):
        if line.chrome or line.heading:
            continue
        opening = _OPENING_RE.match(line.text)
        if opening and looks_like_name(opening.group(1)):
            key = label_key(opening.group(1))
            counts[key] += 1
            openers[key] += 1
        matches = [m for m in _INLINE_RE.finditer(line.text) if _name_ok(m.group(1))]
        if matches:
            found[i] = matches
            counts.update(label_key(m.group(1)) for m in matches)
    if not found:
        return lines
    labelled = any(n >= 2 for n in openers.values())

    def speaks(name: str, opens_with_label: bool) -> bool:
        key = label_key(name)
        if labelled:  # the speakers are known from the lines they open
            return openers[key] > 0
        return counts[key] >= 2 or opens_with_label

    result: list[Line] = []
    for i, line in enumerate(lines):
        opens_with_label = bool(_OPENING_RE.match(line.text))
        cuts = [m.start(1) for m in found.get(i, ()) if speaks(m.group(1), opens_with_label)]
        if not cuts:
            result.append(line)
            continue
        pieces = [line.text[a:b].strip() for a, b in zip([0, *cuts], [*cuts, len(line.text)])]
        result.append(replace(line, text=pieces[0]))
        result += [replace(line, text=piece, para_start=True, bold_start=False, bold_all=False) for piece in pieces[1:]]
    return result


def _name_ok(name: str) -> bool:
    return looks_like_name(name) and label_key(name) not in NOT_LABELS
