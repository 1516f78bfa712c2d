"""The word-meaning look-up for the aligner (``align(..., glosses=dictionary_glosses())``): the
bilingual dictionaries the search builds (``manage.py build_dictionaries``) and jieba for Chinese
words. Kept apart from the pure :mod:`~interviews.translations.meanings`, which only receives the
functions. Stored alignments use it whenever the dictionary file is built
(:func:`~interviews.translations.store.align_interview`).
"""

from __future__ import annotations

from interviews.search.expansion import current_dictionaries
from interviews.search.tokenizer import _jieba
from interviews.translations.meanings import Glosses, gloss_function


def dictionary_glosses() -> Glosses | None:
    """English glosses of a text's words, or None when the dictionary file is not built (the
    aligner then works from names, numbers, lengths and speakers alone)."""
    dicts = current_dictionaries()
    if not dicts.path.is_file():
        return None

    def segment(run: str):
        return _jieba().cut(run, HMM=True)

    return gloss_function(lambda language, word: dicts.translate(language, word, "en"), segment)
