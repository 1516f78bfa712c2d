"""Step 5: the language of the turns, when the metadata does not give it."""

from __future__ import annotations

from functools import lru_cache

from interviews import languages
from interviews.parsing.types import ParsedTurn

# The languages the detector may answer with: every language the archive names, and the others
# that uploads have come in. py3langid only compares against these, which also keeps it from
# answering with a language nobody here writes.
_LANGUAGES = (
    *languages.NAMES,
    "pl",
    "sv",
    "da",
    "no",
    "fi",
    "tr",
    "cs",
    "uk",
    "el",
    "hu",
    "ro",
    "ar",
    "he",
    "hi",
    "id",
    "vi",
    "th",
)
_LANGUAGE_SAMPLE = 20000


@lru_cache(maxsize=1)
def _language_identifier():
    # Imported here: loading the model takes half a second and most callers pass a language.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE)
    identifier.set_languages(_LANGUAGES)
    return identifier


def language_sample(turns: list[ParsedTurn]) -> str:
    sample, size = [], 0
    for turn in turns:
        sample.append(turn.text)
        size += len(turn.text)
        if size >= _LANGUAGE_SAMPLE:
            break
    return "\n\n".join(sample)


def detect_language(sample: str) -> str:
    if not any(ch.isalpha() for ch in sample):
        return ""
    language, _score = _language_identifier().classify(sample[:_LANGUAGE_SAMPLE])
    return language
