"""Step 3: speaker labels.

Every line start is a label *candidate*; a candidate is accepted when it recurs, matches a speaker
hint, or (seen once, inside the conversation) carries the bold or timestamp markup the file's other
labels carry. Then labels glued to their text are found."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache

from interviews.parsing.layout import ends_last_turn
from interviews.parsing.lines import Label, Line
from interviews.parsing.speakers import SpeakerIndex
from interviews.parsing.text import cjk_count, ends_sentence, label_key

_TIMESTAMP = r"\d{1,2}(?::\d{2}){1,2}(?:[.,]\d{1,3})?"
_LEADING_TIMESTAMP_RE = re.compile(rf"[\[(]?({_TIMESTAMP})[\])]?\s*+")
_NAME_TIMESTAMP_RE = re.compile(rf"([^\[\](){{}}:：\n]{{1,60}}?)\s*+[\[(]({_TIMESTAMP})[\])]\s*+[:：]*+\s*+")
_NAME_BARE_TIMESTAMP_RE = re.compile(rf"([^\[\](){{}}:：\n]{{1,60}}?)\s++({_TIMESTAMP})\s*+[:：]?")
_NAME_FORBIDDEN = set(',;!?。，；！？、"“”„«»()[]{}<>|/\\=…')
_NAME_BAD_START = set("-–—•*>#+·(\"'“„«[")
_URL_SCHEMES = {"http", "https", "ftp", "mailto", "file", "tel", "data", "javascript", "www"}
_MAX_CJK_IN_LABEL = 12
_MAX_WORDS_IN_LABEL = 4

# Words that open sentences or page furniture with a colon, not speakers, in the languages we see.
NOT_LABELS = {
    "note",
    "notes",
    "nb",
    "hinweis",
    "anmerkung",
    "achtung",
    "example",
    "examples",
    "beispiel",
    "zum beispiel",
    "z. b.",
    "z.b.",
    "e.g.",
    "i.e.",
    "例如",
    "比如",
    "譬如",
    "注",
    "注意",
    "备注",
    "提示",
    "说明",
    "summary",
    "zusammenfassung",
    "fazit",
    "总结",
    "小结",
    "update",
    "edit",
    "ps",
    "p.s.",
    "source",
    "sources",
    "quelle",
    "quellen",
    "来源",
    "出处",
    "原文",
    "原文链接",
    "原文地址",
    "video",
    "videoadresse",
    "link",
    "links",
    "url",
    "website",
    "email",
    "e-mail",
    "mail",
    "tel",
    "telefon",
    "phone",
    "fax",
    "wechat",
    "微信",
    "date",
    "datum",
    "time",
    "zeit",
    "uhrzeit",
    "ort",
    "location",
    "venue",
    "时间",
    "地点",
    "日期",
    "报名",
    "费用",
    "议程",
    "评委",
    "地址",
    "address",
    "adresse",
    "warning",
    "warnung",
    "important",
    "wichtig",
    "tip",
    "tipp",
    "disclaimer",
    "transcript",
    "transkript",
    "tags",
    "keywords",
    "关键词",
    "标签",
    "作者",
    "author",
    "autor",
    "autorin",
    "by",
    "editor",
    "redaktion",
    "编辑",
    "责编",
    "责任编辑",
    "排版",
    "校对",
    "审校",
    "translator",
    "übersetzer",
    "übersetzung",
    "translation",
    "翻译",
    "编译",
    "photo",
    "foto",
    "图片",
    "图",
    "图源",
    "image",
    "bild",
    "bildquelle",
    "credit",
    "credits",
    "first",
    "second",
    "third",
    "finally",
    "erstens",
    "zweitens",
    "drittens",
    "第一",
    "第二",
    "第三",
    "首先",
    "其次",
    "最后",
    "另外",
    "此外",
    "总之",
    "original",
    "original video",
}


def _label_candidate(line: Line) -> Label | None:
    """The speaker label this line would open with, judged on its own (not yet accepted)."""
    if line.heading or line.chrome or not line.text:
        return None
    text, timestamp = line.text, ""
    head = text[:80]
    if ":" not in head and "：" not in head:  # every label form has a colon, if only in its timestamp
        return None
    match = _LEADING_TIMESTAMP_RE.match(text)
    if match and match.end() < len(text) and not text[match.end()].isdigit():
        text, timestamp = text[match.end() :], match.group(1)
    label = _name_then_timestamp(text, timestamp) or _name_then_colon(text, timestamp)
    if label and line.bold_start:
        label.bold = True
    return label


def _name_then_timestamp(text: str, timestamp: str) -> Label | None:
    """`Name (00:01:02)`, `Name [01:02]: text`, or `Name 00:01:02` alone on its line."""
    if timestamp:
        return None
    match = _NAME_TIMESTAMP_RE.match(text)
    if not match:
        match = _NAME_BARE_TIMESTAMP_RE.fullmatch(text)
    if not match or not looks_like_name(match.group(1)):
        return None
    return Label(" ".join(match.group(1).split()), text[match.end() :].strip(), match.group(2))


def _name_then_colon(text: str, timestamp: str) -> Label | None:
    """`Name: text`, `Name：text`, `Name:` alone, `Q::text` (colons repeated by a lost edit)."""
    head = text[:80]
    colon, wide = head.find(":"), head.find("：")
    if colon < 0 or 0 <= wide < colon:
        colon = wide
    if colon <= 0:
        return None
    name, rest = text[:colon], text[colon:].lstrip(":：").strip()
    aside = _PARENTHESISED_RE.fullmatch(name.strip())
    if aside:  # `Juan Lobo (JL):` the name; `(JL):` alone the short form it introduced
        name = aside.group(1) or aside.group(2)
    name = _without_trailing_symbols(name)
    if rest.startswith("//") or not looks_like_name(name):
        return None
    return Label(" ".join(name.split()), rest, timestamp)


def _without_trailing_symbols(name: str) -> str:
    """`蒋昌建👨🏻‍🦯➡️` is `蒋昌建`: emoji and symbols after a name decorate it (or were injected)."""
    end = len(name.rstrip())
    while end and (unicodedata.category(name[end - 1]) in ("So", "Sk", "Cf") or "\ufe00" <= name[end - 1] <= "\ufe0f"):
        end -= 1
    return name[:end] if end else name


# A name with an aside in brackets: initials, a role, a stage direction (`Ann (laughs)`).
_PARENTHESISED_RE = re.compile(r"([^()（）]*?)\s*[(（]([^()（）]{1,24})[)）]")


@lru_cache(maxsize=4096)
def looks_like_name(name: str) -> bool:
    """Short and name-shaped: 1–4 words (or up to 12 CJK characters), no sentence punctuation."""
    name = " ".join(name.split())
    if not name or len(name) > 48 or name[0] in _NAME_BAD_START:
        return False
    if not any(ch.isalpha() for ch in name) or any(ch in _NAME_FORBIDDEN for ch in name):
        return False
    if name.casefold() in _URL_SCHEMES:
        return False
    cjk = cjk_count(name)
    words = name.split()
    if cjk > _MAX_CJK_IN_LABEL or len(words) > _MAX_WORDS_IN_LABEL:
        return False
    if any("." in word and len(word) > 4 for word in words):
        return False  # "Dr." and "J." are fine, "Punkt.Satz" is not
    first_letter = next(ch for ch in name if ch.isalpha())
    return not first_letter.islower()


def find_labels(lines: list[Line], speakers: SpeakerIndex) -> None:
    """Set line.label on the lines that open a turn."""
    for line in lines:
        line.candidate = _label_candidate(line)
    candidates = [line.candidate for line in lines if line.candidate]
    counts = Counter(label_key(c.name) for c in candidates)
    # `Name:` once plus `NameText` (colon lost) elsewhere is a label seen twice.
    glued_once = _glued_labels(lines, {c.name for c in candidates}, skip_candidates=True)
    counts.update(label_key(label.name) for label in glued_once.values())
    accepted = {key for key, n in counts.items() if speakers.knows(key) or (n >= 2 and key not in NOT_LABELS)}
    _accept_single_strong_labels(lines, counts, accepted)
    _accept_single_labels_by_place(lines, counts, accepted)
    for line in lines:
        if line.candidate and label_key(line.candidate.name) in accepted:
            line.label = line.candidate
    spellings = {c.name for c in candidates if label_key(c.name) in accepted} | speakers.spellings
    for i, label in _glued_labels(lines, spellings, skip_candidates=False).items():
        lines[i].label = label


def _accept_single_strong_labels(lines: list[Line], counts: Counter, accepted: set[str]) -> None:
    """A label seen once still counts when it is bold or timestamped like the file's other labels
    and sits in the conversation: a third person who speaks once. A bare `Word:` seen once is a
    sentence, and a bold `Sign up:` after the conversation is promotion."""
    recurring = [i for i, line in enumerate(lines) if line.candidate and label_key(line.candidate.name) in accepted]
    if not recurring:
        return
    strong_forms = {_strong_form(lines[i].candidate) for i in recurring if lines[i].candidate.strong}
    end = next((i for i in range(recurring[-1] + 1, len(lines)) if ends_last_turn(lines[i])), len(lines))
    for line in lines[recurring[0] : end]:
        c = line.candidate
        if c and c.strong and counts[label_key(c.name)] == 1 and label_key(c.name) not in NOT_LABELS:
            if _strong_form(c) in strong_forms:
                accepted.add(label_key(c.name))


def _accept_single_labels_by_place(lines: list[Line], counts: Counter, accepted: set[str]) -> None:
    """A plain label seen once still counts where only a speaker fits: in the run of labels that
    opens the conversation (`LISA CHOW:`, `ERIC MENNEL:`, then `ERIC:` from there on), as the answer
    right after a question (`Ralf Dümmel:` after `WELT: …?`), alone
    on its line where every label stands alone, or as the full name behind recurring initials
    (`JENNIFER LEE:` and `JL:`)."""
    recurring = [i for i, line in enumerate(lines) if line.candidate and label_key(line.candidate.name) in accepted]
    if not recurring:
        return
    first = recurring[0]
    all_alone = all(not lines[i].candidate.rest for i in recurring)
    initials = {key.replace(".", "").replace(" ", "") for key in accepted}
    previous_text = ""
    for i, line in enumerate(lines):
        c = line.candidate
        if c and line.para_start and counts[label_key(c.name)] == 1 and label_key(c.name) not in accepted:
            key = label_key(c.name)
            if key not in NOT_LABELS and _fits_a_speaker_place(
                lines, i, first, c, previous_text, all_alone=all_alone, initials=initials
            ):
                accepted.add(key)
        if line.text and not line.chrome:
            previous_text = c.rest if c and c.rest else line.text
        if line.heading or line.chrome:
            previous_text = ""


def _fits_a_speaker_place(
    lines: list[Line], i: int, first: int, c: Label, previous_text: str, *, all_alone: bool, initials: set[str]
) -> bool:
    if i < first:
        # Show notes' `Agenda:` and `Takeaways:` head bullet lists, not turns.
        said = c.rest or (lines[i + 1].text if i + 1 < len(lines) else "")
        opener = all(not (lines[j].heading or lines[j].chrome) for j in range(i, first))
        # A title (`Building Robots: A Conversation with …`) is no opener: it is not a sentence.
        sentence = ends_sentence(said) and i > 0
        return opener and sentence and said[:1] not in _BULLETS and bool(c.rest) == bool(lines[first].candidate.rest)
    if all_alone and not c.rest:
        return True
    if c.rest and previous_text.rstrip(_QUOTE_CLOSERS).endswith(("?", "？")):
        return True
    words = c.name.split()
    return len(words) >= 2 and "".join(w[0] for w in words).casefold() in initials


_BULLETS = set("•·*-–—▪◦")
_QUOTE_CLOSERS = "\"')]}»›”’」』】）》 "


def _strong_form(label: Label) -> tuple[bool, bool]:
    return label.bold, bool(label.timestamp)


def _glued_labels(lines: list[Line], spellings: set[str], *, skip_candidates: bool) -> dict[int, Label]:
    """Known labels at a paragraph start whose colon and space were lost: `Aidan GomezFast alle`.

    A spelling counts only before an uppercase letter that follows a lowercase one (a case change
    no word has), or before colons: after `Q` or `AI` an uppercase letter proves nothing.
    """
    by_start: dict[str, list[str]] = {}
    for spelling in sorted(spellings, key=len, reverse=True):
        by_start.setdefault(spelling[:2], []).append(spelling)
    found = {}
    for i, line in enumerate(lines):
        if line.label or (skip_candidates and line.candidate):
            continue
        if not line.para_start or line.heading or line.chrome:
            continue
        for spelling in by_start.get(line.text[:2], ()):
            if line.text.startswith(spelling) and len(line.text) > len(spelling):
                following = line.text[len(spelling)]
                if following in ":：" or (following.isupper() and spelling[-1].islower()):
                    rest = line.text[len(spelling) :].lstrip(":：").strip()
                    found[i] = Label(spelling, rest, bold=line.bold_start, glued=True)
                    break
    return found
