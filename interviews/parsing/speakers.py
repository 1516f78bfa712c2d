"""Who is behind a label: speaker hints from the metadata, and the generic labels (Q, A, 主持人)."""

from __future__ import annotations

from interviews.parsing.text import label_key
from interviews.parsing.types import SpeakerHint

# Generic labels: who asks and who answers, in the languages we see.
_QUESTION_LABELS = {
    "q",
    "question",
    "frage",
    "f",
    "interviewer",
    "interviewerin",
    "host",
    "moderator",
    "moderatorin",
    "moderation",
    "主持人",
    "主持",
    "问",
    "提问",
    "记者",
    "采访者",
    "采访人",
    "journalist",
    "journalistin",
    "reporter",
    "司会",
    "質問",
    "聞き手",
    "вопрос",
    "интервьюер",
    "질문",
    "사회자",
    "entrevistador",
    "entrevistadora",
    "pregunta",
    "p",
    "intervieweur",
    "animateur",
    "animatrice",
    "d",
    "domanda",
    "intervistatore",
}
_ANSWER_LABELS = {
    "a",
    "answer",
    "antwort",
    "答",
    "回答",
    "嘉宾",
    "guest",
    "gast",
    "réponse",
    "r",
    "respuesta",
    "risposta",
    "ответ",
    "답",
    "답변",
    "答え",
    "ゲスト",
    "invité",
    "invitée",
    "invitado",
    "ospite",
}


def generic_role(label: str) -> str:
    """ "host" for a label that names the asker ("Q", "主持人"), "guest" for the answerer ("A"), else ""."""
    key = label_key(label)
    return "host" if key in _QUESTION_LABELS else "guest" if key in _ANSWER_LABELS else ""


class SpeakerIndex:
    """What the hints say about who is behind a label."""

    def __init__(self, hints: list[SpeakerHint] | None):
        self.hints = [_as_hint(h) for h in hints or []]
        self.spellings: set[str] = set()  # names and aliases as written in the hints
        self._by_key: dict[str, SpeakerHint] = {}
        self._by_name_part: dict[str, list[SpeakerHint]] = {}
        self._resolved: dict[str, tuple[str, str]] = {}
        for hint in self.hints:
            for spelling in (hint.name, *hint.aliases):
                spelling = " ".join(spelling.split())
                if spelling:
                    self.spellings.add(spelling)
                    self._by_key.setdefault(label_key(spelling), hint)
            for part in hint.name.split():
                if len(part) >= 3:
                    self._by_name_part.setdefault(part.casefold(), []).append(hint)

    def knows(self, key: str) -> bool:
        return key in self._by_key or len(self._by_name_part.get(key, ())) == 1

    def resolve(self, label: str) -> tuple[str, str]:
        """(name, role) for a label: a hint's name and role, else the label itself as first spelled
        ("HOST" and later "Host" are one speaker)."""
        key = label_key(label)
        if key not in self._resolved:
            self._resolved[key] = self._resolve(label, key)
        return self._resolved[key]

    def _resolve(self, label: str, key: str) -> tuple[str, str]:
        hint = self._by_key.get(key) or self._by_generic_role(key)
        if hint is None and len(self._by_name_part.get(key, ())) == 1:
            hint = self._by_name_part[key][0]
        if hint is not None:
            return hint.name, hint.role
        if key in _QUESTION_LABELS:
            return label, "host"
        if key in _ANSWER_LABELS:
            return label, "guest"
        return label, ""

    def _by_generic_role(self, key: str) -> SpeakerHint | None:
        role = "host" if key in _QUESTION_LABELS else "guest" if key in _ANSWER_LABELS else ""
        matching = [h for h in self.hints if role and h.role == role]
        return matching[0] if len(matching) == 1 else None


def _as_hint(hint) -> SpeakerHint:
    if isinstance(hint, SpeakerHint):
        return hint
    return SpeakerHint(name=hint["name"], role=hint.get("role", ""), aliases=list(hint.get("aliases", [])))
