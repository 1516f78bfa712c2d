"""Latin-script names and terms (``OpenAI``, ``GPT-4``, ``Mike Volpi``): written the same way in every
translation, so the aligner uses them as anchors. Pure Python, no Django.
"""

from __future__ import annotations

import re

_LATIN = "A-Za-zÀ-ÖØ-öø-ɏ"
_TERM_RE = re.compile(rf"[{_LATIN}][{_LATIN}0-9]*(?:-[{_LATIN}0-9]+)*")
_CAMEL_RE = re.compile(r"[A-ZÀ-ÖØ-Þ]+(?=[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ])|[A-ZÀ-ÖØ-Þ]?[a-zß-öø-ÿ]+|[A-ZÀ-ÖØ-Þ]+|\d+")


def _norm_term(t: str) -> str:
    t = t.lower()
    if len(t) > 4 and t.endswith("s") and not t.endswith("ss"):
        t = t[:-1]
    return t


_SENTENCE_END = set(".!?。！？:;…\n")
_OPENERS = set(" \t\"'„“”‚‘’«»‹›()[]（）「」『』*_-–—")


def _sentence_initial(text: str, pos: int) -> bool:
    k = pos - 1
    while k >= 0 and text[k] in _OPENERS:
        k -= 1
    return k < 0 or text[k] in _SENTENCE_END


def find_terms(text: str) -> dict[str, bool]:
    """Latin-script terms -> whether written like a name somewhere: a capital that is not just
    the start of a sentence ("OpenAI", "Mike", German nouns), or a digit ("GPT-4")."""
    out: dict[str, bool] = {}

    def add(tok: str, initial: bool) -> None:
        if len(tok) < 2 or tok.isdigit():
            return
        key = _norm_term(tok)
        marked = (
            any(c.isdigit() for c in tok) or any(c.isupper() for c in tok[1:]) or (tok[0].isupper() and not initial)
        )
        out[key] = out.get(key, False) or marked

    for m in _TERM_RE.finditer(text):
        tok = m.group(0)
        initial = _sentence_initial(text, m.start())
        add(tok, initial)
        parts = tok.split("-")
        if len(parts) > 1:
            for k, p in enumerate(parts):
                add(p, initial and k == 0)
        for p in parts:  # glued words lost their spaces: "wieMetaSolche"
            camel = _CAMEL_RE.findall(p)
            if len(camel) > 1:
                for c in camel:
                    add(c, False)
    return out


def latin_terms(text: str) -> set[str]:
    """Lower-cased Latin-script words and their parts (``GPT-4`` → gpt-4, gpt)."""
    return set(find_terms(text))
