"""The tokenizer every analyzer but English's starts with: Han runs through jieba, kana runs as
bigrams, every other run of word characters as one token; and the folding filter after it.
Pure Whoosh + jieba (see ``analysis`` for how the analyzers behave and why)."""

from __future__ import annotations

import logging
import math
import os
import re
import tempfile
import threading
import warnings
from functools import lru_cache

from whoosh.analysis import Filter, Token, Tokenizer

from interviews.languages import CJK_CHARS, HAN, KANA, fold, to_simplified

# --------------------------------------------------------------------------------------------
# Character classes
# --------------------------------------------------------------------------------------------

# The ideographic iteration and zero marks (々, 〇) belong to Han runs here: jieba cuts them with
# the ideographs around them.
_HAN = "\u3005\u3007" + HAN
_KANA = KANA
_RUN_RE = re.compile(rf"(?P<han>[{_HAN}]+)|(?P<kana>[{_KANA}]+)|(?P<word>[^\W{_HAN}{_KANA}]+)")
_CJK_CHAR_RE = re.compile(rf"[\u3005\u3007{CJK_CHARS}]")


def _is_cjk(ch: str) -> bool:
    return bool(_CJK_CHAR_RE.match(ch))


# --------------------------------------------------------------------------------------------
# jieba: lazy, quiet, once
# --------------------------------------------------------------------------------------------

_jieba_lock = threading.Lock()
_jieba_dt = None


def _writable_dir(path) -> bool:
    return bool(path) and os.path.isdir(path) and os.access(path, os.W_OK | os.X_OK)


def _jieba_cache_dir():
    env = os.environ.get("JIEBA_CACHE_DIR")
    if env:
        try:
            os.makedirs(env, exist_ok=True)
        except OSError:
            pass
        if _writable_dir(env):
            return env
    tmp = tempfile.gettempdir()
    if _writable_dir(tmp):
        return tmp
    home_cache = os.path.join(os.path.expanduser("~"), ".cache", "jieba")
    try:
        os.makedirs(home_cache, exist_ok=True)
    except OSError:
        return None
    return home_cache if _writable_dir(home_cache) else None


def _jieba():
    """The initialised default jieba tokenizer (``jieba.dt``), set up on first use."""
    global _jieba_dt
    if _jieba_dt is not None:
        return _jieba_dt
    with _jieba_lock:
        if _jieba_dt is None:
            with warnings.catch_warnings():
                # jieba 0.42 imports pkg_resources (deprecated in newer setuptools) and has
                # invalid escape sequences (SyntaxWarning on Python >= 3.12): keep stderr clean.
                warnings.filterwarnings("ignore", module=r"jieba(\.|$)")
                warnings.filterwarnings("ignore", message=".*pkg_resources")
                import jieba

            # jieba logs "Building prefix dict ..." at DEBUG to stderr on every first use.
            jieba.setLogLevel(logging.WARNING)
            cache_dir = _jieba_cache_dir()
            if cache_dir:
                jieba.dt.tmp_dir = cache_dir
            jieba.dt.initialize()
            _jieba_dt = jieba.dt
    return _jieba_dt


def _han_freq(word: str) -> int:
    # jieba's FREQ also holds every prefix of every word with count 0.
    return _jieba().FREQ.get(word, 0)


@lru_cache(maxsize=65536)
def _han_atoms(word: str) -> tuple:
    """Split a jieba word into the fewest shorter dictionary words covering it completely.

    Returns ``((start, end), ...)`` offsets inside ``word``; ``((0, len(word)),)`` when the word has
    three characters or fewer or no complete cover by words of >= 2 characters exists.
    """
    n = len(word)
    if n <= 3:  # a 3-character word cannot be covered by pieces of >= 2 characters
        return ((0, n),)
    # best[j] = (pieces, cost, path) for word[:j]; cost = -sum(log freq) breaks ties.
    best = [None] * (n + 1)
    best[0] = (0, 0.0, ())
    for j in range(2, n + 1):
        for i in range(0, j - 1):
            if best[i] is None or (i == 0 and j == n):
                continue
            freq = _han_freq(word[i:j])
            if freq <= 0:
                continue
            pieces, cost, path = best[i]
            cand = (pieces + 1, cost - math.log(freq), path + ((i, j),))
            if best[j] is None or cand[:2] < best[j][:2]:
                best[j] = cand
    if best[n] is None:
        return ((0, n),)
    return best[n][2]


@lru_cache(maxsize=1024)
def _han_tokens(run: str, index_mode: bool) -> tuple:
    """Tokens of one run of Han characters: ``((relative_pos, text, start, end), ...)``.

    Positions are relative to the run; the number of positions used is ``last_pos + 1``.
    Sorted by position, so each term's position list stays ascending.
    """
    out = []
    pos = 0
    offset = 0
    for word in _jieba().cut(run, HMM=True):
        n = len(word)
        atoms = _han_atoms(word)
        word_tokens = []
        atom_pos = []
        for a, b in atoms:
            word_tokens.append((pos, word[a:b], offset + a, offset + b))
            atom_pos.append((a, b, pos))
            pos += 1
        if index_mode and n > 2:
            seen = {(a, b) for a, b in atoms}
            if len(atoms) > 1:
                word_tokens.append((atom_pos[0][2], word, offset, offset + n))
                seen.add((0, n))
            for length in range(2, n):
                for i in range(0, n - length + 1):
                    if (i, i + length) in seen or _han_freq(word[i : i + length]) <= 0:
                        continue
                    p = next(ap for a, b, ap in atom_pos if a <= i < b)
                    word_tokens.append((p, word[i : i + length], offset + i, offset + i + length))
        word_tokens.sort(key=lambda tok: (tok[0], tok[2], -tok[3]))
        out.extend(word_tokens)
        offset += n
    return tuple(out)


# --------------------------------------------------------------------------------------------
# Tokenizer
# --------------------------------------------------------------------------------------------


class MixedScriptTokenizer(Tokenizer):
    """Han runs through jieba, kana runs as bigrams, every other ``\\w+`` run as one token.

    Positions are sequential per word (per jieba atom, per kana bigram); ``startchar``/``endchar``
    are offsets into the original value.  ``tokenize=False`` yields the whole value as one token
    (marked ``token.whole = True`` so later filters leave it alone apart from folding).
    """

    def __init__(self, kana_bigrams: bool = True):
        self.kana_bigrams = kana_bigrams

    def __eq__(self, other):
        # Whoosh's Tokenizer compares classes alone; two of these cut a text alike only when
        # their settings are equal too (IndexingAnalyzer reuses one's tokens for the other).
        return type(other) is type(self) and vars(other) == vars(self)

    __hash__ = None  # as Whoosh's Tokenizer: equal by value, so not hashable

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = value
            t.boost = 1.0
            t.stopped = False
            t.whole = True
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar = start_char
                t.endchar = start_char + len(value)
            yield t
            return

        t.whole = False
        index_mode = mode != "query"
        pos = start_pos
        for match in _RUN_RE.finditer(value):
            pieces, used = self._pieces(match, index_mode)
            for rel_pos, text, s, e in pieces:
                t.text = text
                t.boost = 1.0
                t.stopped = False
                if keeporiginal:
                    t.original = text
                if positions:
                    t.pos = pos + rel_pos
                if chars:
                    t.startchar = start_char + s
                    t.endchar = start_char + e
                yield t
            pos += used

    def _pieces(self, match, index_mode):
        """``((relative position, text, start, end), ...)`` of one run, and the positions it uses."""
        kind = match.lastgroup
        if kind == "word":
            return ((0, match.group(), match.start(), match.end()),), 1
        run, base = match.group(), match.start()
        if kind == "kana":
            if len(run) == 1 or not self.kana_bigrams:
                return ((0, run, base, base + len(run)),), 1
            pieces = tuple((i, run[i : i + 2], base + i, base + i + 2) for i in range(len(run) - 1))
            return pieces, len(pieces)
        pieces = tuple((p, text, base + s, base + e) for p, text, s, e in _han_tokens(run, index_mode))
        return pieces, (pieces[-1][0] + 1) if pieces else 0


class FoldFilter(Filter):
    """Lower-case and fold every token with :func:`fold` (also the ``tokenize=False`` one); with
    ``simplify`` (Chinese), write Han characters simplified (:func:`to_simplified`), so
    traditional and simplified text index and query alike. Not for Japanese: 勉強 is not 勉强."""

    def __init__(self, simplify: bool = False):
        self.simplify = simplify

    def __call__(self, tokens):
        # getattr: analyzers pickled into an index before ``simplify`` existed lack the attribute.
        simplify = getattr(self, "simplify", False)
        for t in tokens:
            t.text = to_simplified(fold(t.text)) if simplify else fold(t.text)
            yield t
