"""How to cite a quote: plain text (APA-like), BibTeX and CSL-JSON.

The formatters take a :class:`CitationSource` of plain values (tested on their own);
:func:`citation_for_turn` fills one from the models. What is cited is the quote as published in
one transcript: a translation is named as such, with the publisher's note on it.

The date is when the conversation happened if known, else when this rendition was published,
else the interview's earliest publication (what the quote page shows as its date).
"""

from __future__ import annotations

import datetime
import json
import re
import unicodedata
from dataclasses import dataclass

from interviews import languages

# Citations are in English whatever the quote's language, so languages get English names
# (languages.english_name).
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]  # fmt: skip
_BIBTEX_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
# Lower-case name particles that belong to the family name: "van Rossum", "de la Cruz".
_PARTICLES = {"van", "von", "der", "den", "de", "da", "del", "della", "di", "du", "la", "le", "ter", "ten", "zu"}


@dataclass(frozen=True)
class Name:
    """A person's name split for citation; `literal` when it should not be split (CJK, one word)."""

    family: str = ""
    given: str = ""
    literal: str = ""

    @classmethod
    def parse(cls, name: str) -> Name:
        words = name.split()
        latin = all(unicodedata.name(ch, "").startswith("LATIN") for ch in name if ch.isalpha())
        if len(words) < 2 or not latin:
            return cls(literal=" ".join(words))
        split = len(words) - 1
        while split > 1 and words[split - 1] in _PARTICLES:
            split -= 1
        return cls(family=" ".join(words[split:]), given=" ".join(words[:split]))

    @property
    def initials(self) -> str:
        """'Aidan' -> 'A.', 'Jean-Luc' -> 'J.-L.', 'Mary Ann' -> 'M. A.'"""
        return " ".join("-".join(part[0] + "." for part in word.split("-") if part) for word in self.given.split())

    def apa_inverted(self) -> str:  # Gomez, A.
        return self.literal or f"{self.family}, {self.initials}"

    def apa_direct(self) -> str:  # A. Gomez
        return self.literal or f"{self.initials} {self.family}"

    def bibtex(self) -> str:  # Gomez, Aidan  /  {梁文锋} (braces keep a name whole)
        return (
            "{" + bibtex_escape(self.literal) + "}" if self.literal else bibtex_escape(f"{self.family}, {self.given}")
        )

    def csl(self) -> dict:
        return {"literal": self.literal} if self.literal else {"family": self.family, "given": self.given}


@dataclass(frozen=True)
class CitationSource:
    key: str  # the turn's permalink key
    speaker: str
    interviewers: tuple[str, ...]
    title: str  # the interview's title
    programme: str
    date: datetime.date | None
    language: str  # the quote's language code
    translation: str  # "original", "human", "machine" or ""
    publisher: str
    translator_note: str
    url: str  # the absolute permalink (with the span, when one is cited)
    at: str = ""  # where in the recording the quote starts ("12:34"), "" when untimed

    @property
    def rendition(self) -> str:
        """'German machine translation', 'Chinese translation', or '' for the original."""
        language = languages.english_name(self.language)
        if self.translation == "machine":
            return f"{language} machine translation"
        if self.translation == "human":
            return f"{language} translation"
        return ""


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".?!…" else text + "."


def _without_rendition(publisher: str, rendition: str) -> str:
    """ "QbitAI (量子位), German machine translation" -> "QbitAI (量子位)" when the bracket already
    says "German machine translation": a citation states its provenance once."""
    if rendition and publisher.casefold().endswith(rendition.casefold()):
        return publisher[: -len(rendition)].rstrip(" ,;–—-") or publisher
    return publisher


def plain_text(c: CitationSource) -> str:
    """Gomez, A. (2024, August 24). Title [Interview by H. Stebbings; German machine translation].
    Programme. Publisher. https://…/q/key/

    The kind of translation is said once, in the bracket; the translator's note is on the quote
    page beside the citation (and in BibTeX and CSL-JSON), not repeated in the reference."""
    author = Name.parse(c.speaker).apa_inverted()
    date = f"{c.date.year}, {MONTHS[c.date.month - 1]} {c.date.day}" if c.date else "n.d."
    bracket = "Interview"
    if c.interviewers:
        bracket += " by " + _join([Name.parse(n).apa_direct() for n in c.interviewers])
    if c.rendition:
        bracket += "; " + c.rendition
    if c.at:
        bracket += f"; at {c.at}"  # APA cites a moment of a recording by its time stamp
    parts = [_sentence(author), f"({date}).", _sentence(f"{c.title} [{bracket}]")]
    if c.programme and c.programme != c.title:
        parts.append(_sentence(c.programme))
    if c.publisher:
        parts.append(_sentence(_without_rendition(c.publisher, c.rendition)))
    parts.append(c.url)
    return " ".join(parts)


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " & " + names[-1]


_BIBTEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def bibtex_escape(text: str) -> str:
    return "".join(_BIBTEX_SPECIALS.get(ch, ch) for ch in " ".join(text.split()))


def bibtex_key(c: CitationSource) -> str:
    name = Name.parse(c.speaker)
    stem = unicodedata.normalize("NFKD", name.family or name.literal).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^a-z0-9]", "", stem.lower()) or "quote"
    return f"{stem}{c.date.year if c.date else ''}_{c.key}"


def bibtex(c: CitationSource) -> str:
    """A biblatex-friendly @misc entry (plain BibTeX reads it too: unknown fields are ignored)."""
    notes = []
    if c.interviewers:
        notes.append("Interview by " + " and ".join(c.interviewers))
    if c.rendition:
        notes.append(c.rendition[0].upper() + c.rendition[1:])
    if c.at:
        notes.append(f"At {c.at} of the recording")
    if c.translator_note:
        notes.append("Note on the translation: " + c.translator_note)
    fields = [("author", Name.parse(c.speaker).bibtex()), ("title", "{" + bibtex_escape(c.title) + "}")]
    if c.programme:
        fields.append(("howpublished", bibtex_escape(c.programme)))
    if c.date:
        fields += [("year", str(c.date.year)), ("month", None), ("date", c.date.isoformat())]
    if c.publisher:
        fields.append(("publisher", bibtex_escape(c.publisher)))
    fields.append(("language", languages.english_name(c.language)))
    if notes:
        fields.append(("note", bibtex_escape(" ".join(_sentence(n) for n in notes))))
    fields.append(("url", c.url.replace("%", r"\%")))
    lines = []
    for name, value in fields:
        if value is None:  # month is a macro (aug), written without braces
            lines.append(f"  month = {_BIBTEX_MONTHS[c.date.month - 1]},")
        else:
            lines.append(f"  {name} = {{{value}}},")
    return "@misc{" + bibtex_key(c) + ",\n" + "\n".join(lines) + "\n}"


def csl(c: CitationSource) -> dict:
    """One CSL-JSON item of type "interview" (Zotero, Pandoc and citeproc read it)."""
    item = {
        "id": c.key,
        "type": "interview",
        "title": c.title,
        "author": [Name.parse(c.speaker).csl()],
    }
    if c.interviewers:
        item["interviewer"] = [Name.parse(n).csl() for n in c.interviewers]
    if c.programme:
        item["container-title"] = c.programme
    if c.date:
        item["issued"] = {"date-parts": [[c.date.year, c.date.month, c.date.day]]}
    if c.publisher:
        item["publisher"] = c.publisher
    item["language"] = c.language
    if c.rendition:
        item["genre"] = c.rendition
    if c.at:
        item["locator"] = c.at  # CSL's pin point: citeproc writes it after the reference
        item["label"] = "timestamp"
    if c.translator_note:
        item["note"] = "Note on the translation: " + c.translator_note
    item["URL"] = c.url
    return item


def csl_json(c: CitationSource) -> str:
    """CSL-JSON is a list of items; this is a list of one, ready to paste into a .json file."""
    return json.dumps([csl(c)], ensure_ascii=False, indent=2)


@dataclass(frozen=True)
class Citation:
    source: CitationSource

    @property
    def text(self) -> str:
        return plain_text(self.source)

    @property
    def bibtex(self) -> str:
        return bibtex(self.source)

    @property
    def csl(self) -> dict:
        return csl(self.source)

    @property
    def csl_json(self) -> str:
        return csl_json(self.source)


def citation_for_turn(turn, url: str) -> Citation:
    """The citation of `turn` (with its transcript, interview and participants) at `url`."""
    transcript = turn.transcript
    interview = transcript.interview
    hosts = tuple(
        p.speaker.name for p in interview.participants.all() if p.role == "host" and p.speaker_id != turn.speaker_id
    )
    return Citation(
        CitationSource(
            key=turn.key,
            speaker=turn.speaker.name,
            interviewers=hosts,
            title=interview.title,
            programme=interview.programme,
            date=interview.date_recorded or transcript.published_on or interview.date,
            language=transcript.language,
            translation=transcript.translation,
            publisher=transcript.publisher,
            translator_note=transcript.translator_note,
            url=url,
            at=turn.clock,
        )
    )
