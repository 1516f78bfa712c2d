"""The benchmark behind `manage.py bench` and `make loadtest`: a synthetic archive of N turns built
through the real pipeline, and the speed figures measured on it.

Nothing here touches the developer's data. `run()` makes a temporary directory and runs every
phase in a child process (`manage.py bench --phase ...`) whose `ARCHIVE_DATA_DIR` points into it,
with `DATABASE_URL` removed, so each child has its own fresh SQLite file and search index. Child
processes also give each phase a clean peak-memory figure (`ru_maxrss` is a per-process maximum).

Phases, in order:
  build        generate transcript files, then ingest them (parse -> DB -> topics -> index, and
               the alignment of translations when a second language arrives)
  raw-whoosh   index the same turns with plain, tuned Whoosh (the reference), then draw the
               fixed query mix (queries.json, and the load test's URL lists)
  search       run a fixed query mix through `interviews.search.query` and through raw Whoosh
  upload       one process ingests a 200-turn transcript while another polls search for it

The generator (first section) imports nothing from Django: it is tested on plain strings.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from whoosh import columns as whoosh_columns
from whoosh import fields as whoosh_fields

ROOT = Path(__file__).resolve().parent.parent
SEED_DIR = ROOT / "data" / "transcripts"
# There is no English seed transcript. English vocabulary comes from the parser's golden English
# files and the English metadata of the seed manifest, plus the Latin-script names and terms of
# the German and Chinese seeds (OpenAI, GPT-4, Cohere...): a small word list, said so in README.
ENGLISH_SOURCES = [
    ROOT / "tests" / "parsing" / "transcripts" / "en_bakery_timestamps.txt",
    ROOT / "tests" / "parsing" / "transcripts" / "en_boatbuilder.html",
]

LANGUAGE_SHARES = {"en": 0.34, "de": 0.33, "zh": 0.33}  # of transcripts (not a measured mix)
TURNS_MIN, TURNS_MAX = 50, 300
TRANSLATED_SHARE = 0.2  # interviews published in a second language (like the seed interview)
SPEAKER_POOL = 300
HOSTS = 24  # programmes each have one host, who appears in many interviews

# --------------------------------------------------------------------------------------------
# Seed statistics: words, word successions and turn shapes of the shipped transcripts
# --------------------------------------------------------------------------------------------

_SENTENCE_END_RE = re.compile(r"(?<=[.?!。？！])\s*")
_LATIN_WORD_RE = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*|,")
_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
# Names and terms in Latin script: OpenAI, GPT-4, AWS, ChatGPT. Longer words with an inner capital
# are two words glued by the machine translation ("AntwortenIch"), not names.
_LATIN_NAME_RE = re.compile(r"\b(?:[A-Z]{2,}[\w-]*|[A-Z][a-z]{1,5}[A-Z][A-Za-z]{0,4}|GPT-\d)\b")
# In Chinese text any capitalised Latin word is a name or a term (Cohere, Google, Transformer).
_LATIN_IN_CHINESE_RE = re.compile(r"(?<![A-Za-z])[A-Z][A-Za-z]+(?:-\w+)?")
_KEEP_ZH = re.compile(r"[\w\u3400-\u4dbf\u4e00-\u9fff]|[，、]")
_PUNCTUATION = {",", "，", "、"}  # kept as tokens: the word model places commas as the seeds do


@dataclass
class LanguageModel:
    """What the generator knows about one language: a word list with its frequencies (as
    repetitions), which word follows which, how long sentences are and how turns are shaped."""

    language: str
    words: list[str]  # one entry per occurrence: random.choice() samples by frequency
    successors: dict[str, list[str]]
    starts: list[str]
    sentence_lengths: list[int]  # in words (jieba words for Chinese)
    # Per role, the shapes of published turns: sentences per paragraph, e.g. (3, 1, 2).
    shapes: dict[str, list[tuple[int, ...]]]

    @property
    def vocabulary(self) -> set[str]:
        return {w for w in self.words if w not in _PUNCTUATION}


def _seed_manifest() -> dict:
    return json.loads(next(SEED_DIR.glob("*.json")).read_text(encoding="utf-8"))


def _seed_turns(language: str):
    """The parsed turns of the shipped transcript in `language`, roles resolved by the manifest."""
    from interviews.parsing import SpeakerHint, parse_transcript

    manifest = _seed_manifest()
    hints = [
        SpeakerHint(p["name"], p.get("role", ""), list(p.get("aliases", [])))
        for p in manifest["interview"]["participants"]
    ]
    entry = next(e for e in manifest["transcripts"] if e["language"] == language)
    parsed = parse_transcript(
        (SEED_DIR / entry["file"]).read_bytes(), filename=entry["file"], language=language, speakers=hints
    )
    roles = {s.name: s.role for s in parsed.speakers}
    return [(roles.get(t.speaker, ""), t.text) for t in parsed.turns]


def _jieba_words(text: str) -> list[str]:
    from interviews.search.tokenizer import _jieba

    out = []
    for word in _jieba().lcut(text):
        word = word.strip()
        if word and all(_KEEP_ZH.match(ch) for ch in word):
            out.append(word)
    return out


def _tokens(text: str, language: str) -> list[str]:
    if language == "zh":
        return _jieba_words(text)
    return _LATIN_WORD_RE.findall(text)


def _sentences(paragraph: str) -> list[str]:
    return [s for s in _SENTENCE_END_RE.split(paragraph) if s.strip()]


def _learn(model: LanguageModel, texts: list[str], language: str) -> None:
    for text in texts:
        for sentence in _sentences(text):
            tokens = _tokens(sentence, language)
            while tokens and tokens[0] in _PUNCTUATION:
                tokens.pop(0)
            if not tokens:
                continue
            model.starts.append(tokens[0])
            model.sentence_lengths.append(len(tokens))
            model.words.extend(tokens)
            for a, b in zip(tokens, tokens[1:]):
                model.successors.setdefault(a, []).append(b)


def _shape(text: str) -> tuple[int, ...]:
    return tuple(max(1, len(_sentences(p))) for p in text.split("\n\n") if p.strip())


@cache
def language_models() -> dict[str, LanguageModel]:
    """Models of German and Chinese from their seed transcripts, English from the small sources
    named in ENGLISH_SOURCES (with German turn shapes: English has no seed interview)."""
    from interviews.parsing import parse_transcript

    models = {}
    seeds = {lang: _seed_turns(lang) for lang in ("de", "zh")}
    names: list[str] = []
    for lang, turns in seeds.items():
        model = LanguageModel(lang, [], {}, [], [], {"host": [], "guest": []})
        _learn(model, [text for _, text in turns], lang)
        for role, text in turns:
            model.shapes["host" if role == "host" else "guest"].append(_shape(text))
            names.extend((_LATIN_IN_CHINESE_RE if lang == "zh" else _LATIN_NAME_RE).findall(text))
        models[lang] = model

    english = LanguageModel("en", [], {}, [], [], models["de"].shapes)
    texts = []
    for path in ENGLISH_SOURCES:
        parsed = parse_transcript(path.read_bytes(), filename=path.name, language="en")
        texts.extend([parsed.title, parsed.description] + [t.text for t in parsed.turns])
    interview = _seed_manifest()["interview"]
    texts.append(interview["title"])
    texts.extend(p.get("bio", "") for p in interview["participants"])
    texts.extend(t.get("translator_note", "") for t in _seed_manifest()["transcripts"])
    _learn(english, [t for t in texts if t], "en")
    english.words.extend(sorted(set(names)))  # once each: rare words, as names are in real talk
    models["en"] = english
    return models


# --------------------------------------------------------------------------------------------
# The generator: people, interviews and transcript files
# --------------------------------------------------------------------------------------------

_FIRST = {
    "en": "James Mary Aidan Sarah David Emily Michael Laura Daniel Rachel Andrew Olivia Ben Chloe Sam "
    "Nina Tom Grace Alex Priya".split(),
    "de": "Anna Lukas Julia Felix Lena Jonas Sophie Maximilian Katrin Tobias Miriam Jan Clara Stefan "
    "Hannah Moritz Eva Florian Leonie Matthias".split(),
    "zh": "芳 伟 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 涛 明 超 秀英 晓明 建华 雪梅".split(),
}
_LAST = {
    "en": "Gomez Chen Nair Marsh Walker Patel Kim Brooks Hughes Reed Carter Murphy Lopez Singh Wright "
    "Evans Hayes Foster Bennett Russell".split(),
    "de": "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Hoffmann Schäfer Koch Richter "
    "Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger".split(),
    "zh": "王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 高 林 罗".split(),
}
_PROGRAMMES = [
    "Founders Unfiltered",
    "Gründergespräche",
    "创业者说",
    "The Model Room",
    "KI-Werkstatt",
    "硅谷访谈",
    "Deep Tech Weekly",
    "Zukunft gebaut",
    "智能时代",
    "Scaling Stories",
    "Daten & Köpfe",
    "AI 前线",
    "Open Weights",
    "Maschinen lernen",
    "深度对话",
    "Compute Hour",
    "Tech im Gespräch",
    "对话创始人",
    "Inference",
    "Startup-Radio",
    "大模型观察",
    "Long Context",
    "Wagniskapital",
    "创新者",
]


def speaker_pool(rng: random.Random, size: int = SPEAKER_POOL) -> list[str]:
    """`size` distinct names, a third each English, German and Chinese."""
    names: list[str] = []
    per = -(-size // 3)
    for culture in ("en", "de", "zh"):
        combos = [(first, last) for first in _FIRST[culture] for last in _LAST[culture]]
        for first, last in rng.sample(combos, per):
            names.append(f"{last}{first}" if culture == "zh" else f"{first} {last}")
    return names[:size]


@dataclass
class SyntheticTranscript:
    filename: str
    language: str
    text: str
    turns: int
    speakers: list[str]  # names of those who speak in it, in order of first turn
    published_on: str


@dataclass
class SyntheticInterview:
    slug: str
    title: str
    programme: str
    date_recorded: str
    host: str
    guests: list[str]
    transcripts: list[SyntheticTranscript]
    host_alias: str = ""  # the label the host goes by in the files ("Q"), if not their name

    @property
    def turns(self) -> int:
        return sum(t.turns for t in self.transcripts)

    def manifest(self) -> dict:
        participants = [{"name": self.host, "role": "host", "aliases": [self.host_alias] if self.host_alias else []}]
        participants += [{"name": g, "role": "guest", "aliases": []} for g in self.guests]
        return {
            "interview": {
                "slug": self.slug,
                "title": self.title,
                "programme": self.programme,
                "date_recorded": self.date_recorded,
                "original_language": self.transcripts[0].language,
                "participants": participants,
            },
            "transcripts": [
                {
                    "file": t.filename,
                    "slug": t.language,
                    "language": t.language,
                    "published_on": t.published_on,
                    "translation": "original" if i == 0 else "human",
                }
                for i, t in enumerate(self.transcripts)
            ],
        }

    def write(self, directory: Path) -> Path:
        """The interview as published files: one per transcript plus the JSON manifest."""
        directory.mkdir(parents=True, exist_ok=True)
        for transcript in self.transcripts:
            (directory / transcript.filename).write_text(transcript.text, encoding="utf-8")
        (directory / f"{self.slug}.json").write_text(
            json.dumps(self.manifest(), ensure_ascii=False, indent=1), encoding="utf-8"
        )
        return directory


class Generator:
    """Deterministic synthetic interviews: the same seed gives the same archive."""

    def __init__(self, seed: int = 7, models: dict[str, LanguageModel] | None = None):
        self.rng = random.Random(seed)
        self.models = models or language_models()
        people = speaker_pool(self.rng)
        self.hosts, self.guests = people[:HOSTS], people[HOSTS:]
        self.count = 0

    # --- text ---

    def sentence(self, language: str, *, question: bool = False) -> str:
        model, rng = self.models[language], self.rng
        length = rng.choice(model.sentence_lengths)
        word = rng.choice(model.starts)
        words = [word]
        while len(words) < length:
            followers = model.successors.get(word)
            # Mostly follow the seed's word order (realistic phrases and co-occurrence), sometimes
            # jump anywhere (so the text is not the seed copied back in long runs).
            word = rng.choice(followers) if followers and rng.random() < 0.75 else rng.choice(model.words)
            if word in _PUNCTUATION and words[-1] in _PUNCTUATION:
                continue
            words.append(word)
        while len(words) > 1 and words[-1] in _PUNCTUATION:
            words.pop()
        if language == "zh":
            text = ""
            for w in words:  # Latin words inside Chinese keep a space between them
                if text and text[-1].isascii() and text[-1].isalnum() and w[0].isascii() and w[0].isalnum():
                    text += " "
                text += w
            return text + ("？" if question else rng.choice("。。。。！"))
        text = " ".join(words).replace(" ,", ",")
        text = text[0].upper() + text[1:]
        return text + ("?" if question else ".")

    def turn_text(self, language: str, role: str) -> str:
        shape = self.rng.choice(self.models[language].shapes[role])
        paragraphs = []
        for p, sentences in enumerate(shape):
            last = p == len(shape) - 1
            paragraphs.append(
                ("" if language == "zh" else " ").join(
                    self.sentence(language, question=role == "host" and last and s == sentences - 1)
                    for s in range(sentences)
                )
            )
        return "\n\n".join(paragraphs)

    # --- files ---

    def transcript(
        self,
        *,
        language: str,
        turns: int,
        host: str,
        guests: list[str],
        host_label: str,
        filename: str,
        published_on: str,
        title: str,
        marker: str = "",
    ) -> SyntheticTranscript:
        """A transcript in the label format the seeds use ("Name: text", "名字：text"), with a
        title line and an intro paragraph before the first turn. `marker`, when given, is a
        word put into the last turn (for finding exactly this transcript)."""
        rng = self.rng
        colon = "：" if language == "zh" else ": "
        lines = [title, "", self.sentence(language), ""]
        order: list[str] = []
        for i in range(turns):
            if i % 2 == 0:
                speaker, label, role = host, host_label, "host"
            else:
                speaker = guests[0] if len(guests) == 1 or rng.random() < 0.6 else rng.choice(guests[1:])
                label, role = speaker, "guest"
            text = self.turn_text(language, role)
            if marker and i == turns - 1:
                text += ("" if language == "zh" else " ") + marker + ("。" if language == "zh" else ".")
            if speaker not in order:
                order.append(speaker)
            lines += [f"{label}{colon}{text}", ""]
        return SyntheticTranscript(filename, language, "\n".join(lines), turns, order, published_on)

    def interview(self, turns_per_transcript: int, *, languages: list[str], marker: str = "") -> SyntheticInterview:
        rng = self.rng
        self.count += 1
        number = self.count
        host = self.hosts[number % len(self.hosts)]
        programme = _PROGRAMMES[number % len(_PROGRAMMES)]
        guests = rng.sample(self.guests, rng.choice([1, 1, 1, 2, 2, 3]))  # 2-4 speakers in all
        year = rng.randint(2016, 2025)
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        recorded = f"{year}-{month:02d}-{day:02d}"
        slug = f"bench-{number:06d}"
        title = f"{programme}: {', '.join(guests)}"
        host_alias = "Q" if rng.random() < 0.3 else ""
        transcripts = []
        for i, language in enumerate(languages):
            day_published = min(28, day + i + rng.randint(0, 3))
            transcripts.append(
                self.transcript(
                    language=language,
                    turns=turns_per_transcript,
                    host=host,
                    guests=guests,
                    host_label=host_alias or host,
                    filename=f"{slug}-{language}.txt",
                    published_on=f"{year}-{month:02d}-{day_published:02d}",
                    title=f"{title} ({language})",
                    marker=marker if i == len(languages) - 1 else "",
                )
            )
        return SyntheticInterview(slug, title, programme, recorded, host, guests, transcripts, host_alias)

    def plan(self, total_turns: int) -> list[tuple[int, list[str]]]:
        """(turns per transcript, languages) per interview, adding up to exactly `total_turns`."""
        rng, plan, left = self.rng, [], total_turns
        languages, weights = list(LANGUAGE_SHARES), list(LANGUAGE_SHARES.values())
        while left > 0:
            if left <= TURNS_MAX:
                size = left
            elif left < TURNS_MAX + TURNS_MIN:
                size = left // 2
            else:
                size = rng.randint(TURNS_MIN, min(TURNS_MAX, left - TURNS_MIN))
            original = rng.choices(languages, weights)[0]
            langs = [original]
            if left >= 2 * size and left - 2 * size not in range(1, TURNS_MIN) and rng.random() < TRANSLATED_SHARE:
                langs.append(rng.choice([lang for lang in languages if lang != original]))
            plan.append((size, langs))
            left -= size * len(langs)
        return plan

    def archive(self, total_turns: int):
        """Yields SyntheticInterviews whose transcripts add up to exactly `total_turns` turns."""
        for size, langs in self.plan(total_turns):
            yield self.interview(size, languages=langs)


# --------------------------------------------------------------------------------------------
# Progress on stderr
# --------------------------------------------------------------------------------------------


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class Progress:
    """A one-line bar on a terminal, a line every few seconds otherwise: done/total, rate, ETA."""

    def __init__(self, label: str, total: int, unit: str, stream=None, every: float | None = None):
        import sys
        import time

        self.label, self.total, self.unit = label, max(total, 1), unit
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.every = every if every is not None else (0.5 if self.tty else 5.0)
        self.clock = time.monotonic
        self.started = self.last = self.clock()
        self.done = 0

    def _line(self) -> str:
        elapsed = max(self.clock() - self.started, 1e-9)
        rate = self.done / elapsed
        eta = _duration((self.total - self.done) / rate) if rate and self.done < self.total else "0:00"
        return (
            f"{self.label:<10} {self.done:>9,}/{self.total:,} {self.unit}  {100 * self.done / self.total:5.1f}%  "
            f"{rate:8,.0f} {self.unit}/s  elapsed {_duration(elapsed)}  ETA {eta}"
        )

    def update(self, done: int) -> None:
        self.done = done
        now = self.clock()
        if now - self.last >= self.every:
            self.last = now
            self.stream.write(("\r" + self._line()) if self.tty else self._line() + "\n")
            self.stream.flush()

    def finish(self) -> None:
        self.stream.write(("\r" if self.tty else "") + self._line() + "\n")
        self.stream.flush()


# --------------------------------------------------------------------------------------------
# Measuring helpers
# --------------------------------------------------------------------------------------------


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (Linux reports ru_maxrss in KiB)."""
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    """p50/p95/p99 by linear interpolation between the closest ranks."""
    import statistics

    if len(samples_ms) < 2:
        value = round(samples_ms[0], 2) if samples_ms else None
        return {"p50": value, "p95": value, "p99": value}
    cuts = statistics.quantiles(samples_ms, n=100, method="inclusive")
    return {"p50": round(statistics.median(samples_ms), 2), "p95": round(cuts[94], 2), "p99": round(cuts[98], 2)}


def directory_mb(path: Path) -> float:
    total = sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file()) if Path(path).exists() else 0
    return round(total / 1024 / 1024, 2)


# --------------------------------------------------------------------------------------------
# The query mix: fixed by the seed, realistic words and facet values from the archive itself
# --------------------------------------------------------------------------------------------

FACETS = ("speaker", "topic", "language", "interview", "year")
PAGE_SIZE = 20  # results per page, as interviews.search.query shows them


def _is_content_word(word: str, language: str) -> bool:
    """A word a user might type: not punctuation, not a short function word."""
    if language == "zh":
        return len(word) >= 2 and all(_HAN_RE.match(ch) for ch in word)
    if len(word) < 4 or not word.replace("-", "").isalnum() or word.isdigit():
        return False
    if language == "de":
        from interviews.search.analysis import GERMAN_STOPWORDS, fold

        return fold(word) not in GERMAN_STOPWORDS
    from whoosh.analysis import STOP_WORDS

    return word.lower() not in STOP_WORDS


@cache
def _content_words(language: str) -> tuple[str, ...]:
    # One entry per occurrence in the seed: popular words are drawn more often, as users do.
    return tuple(w for w in language_models()[language].words if _is_content_word(w, language))


def query_words(rng: random.Random, language: str, count: int) -> str:
    """`count` distinct content words: half the time a run read along the seed's word order (words
    that occur together), otherwise independent draws (which may find nothing together)."""
    model, pool = language_models()[language], _content_words(language)
    words: list[str] = []
    if count > 1 and rng.random() < 0.5:
        word = rng.choice(pool)
        words.append(word)
        for _ in range(12):
            followers = model.successors.get(word)
            if not followers or len(words) == count:
                break
            word = rng.choice(followers)
            if _is_content_word(word, language) and word not in words:
                words.append(word)
    while len(words) < count:
        word = rng.choice(pool)
        if word not in words:
            words.append(word)
    return " ".join(words)


def build_query_mix(size: int, seed: int, count) -> list[dict]:
    """`size` searches, a third per language: 1-3 words, 0-3 facet filters, page 1 or 5.

    Filters are read off a real turn of the query's language (its speaker, topic, interview, year),
    as a user narrows by the facets a result page shows, so combined filters are consistent. A
    quarter ask for page 5, and like a user who pages on, only of a query that has 5 pages:
    `count(query)` says how many turns match (words are drawn again until it is enough).
    """
    from interviews.models import Turn, TurnTopic

    rng = random.Random(seed * 7919 + size)
    mix = []
    languages = ("de", "zh", "en")
    by_language = {lang: Turn.objects.filter(transcript__language=lang).order_by("pk") for lang in languages}
    counts = {lang: qs.count() for lang, qs in by_language.items()}
    for i in range(size):
        language = languages[i % 3]
        if not counts[language]:
            language = max(counts, key=counts.get)
        words = rng.choices([1, 2, 3], weights=[4, 4, 2])[0]
        filters = rng.choices([0, 1, 2, 3], weights=[50, 25, 15, 10])[0]
        page = 5 if rng.random() < 0.25 else 1
        turn = by_language[language].select_related("speaker", "transcript__interview")[rng.randrange(counts[language])]
        interview = turn.transcript.interview
        topics = sorted(
            TurnTopic.objects.filter(turn=turn).exclude(source=TurnTopic.REMOVED).values_list("topic__slug", flat=True)
        )
        values = {
            "speaker": turn.speaker.slug,
            "language": language,
            "interview": interview.slug,
            "year": str(interview.date.year) if interview.date else None,
            "topic": rng.choice(topics) if topics else None,
        }
        available = [f for f in FACETS if values[f]]
        chosen = rng.sample(available, min(filters, len(available)))
        query = {
            "q": query_words(rng, language, words),
            "language": language,
            "filters": {f: values[f] for f in FACETS if f in chosen},
            "page": 1,
        }
        if page == 5:
            for attempt in range(30):
                if count(query) > 4 * PAGE_SIZE:
                    query["page"] = 5
                    break
                if attempt == 15:
                    query["filters"] = {}
                query["q"] = query_words(rng, language, rng.choice([1, 1, 2]))
        mix.append(query)
    return mix


# --------------------------------------------------------------------------------------------
# The search module, as the search page calls it. The only place that knows its signature:
# adjust here if interviews/search.py changes.
# --------------------------------------------------------------------------------------------


def search_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("interviews.search.query") is not None


def archive_search(query: dict) -> int:
    """One search through the search page's code path; returns the number of matching turns
    (-1 when the page asked for is past the last one, which the raw path never says)."""
    from interviews.search import query as search

    params = search.SearchParams(
        q=query["q"], filters={k: [v] for k, v in query["filters"].items()}, page=query["page"]
    )
    try:
        return search.search(params).count
    except search.PageNotFound:
        return -1


def search_index_dir() -> Path | None:
    from django.conf import settings

    connections = getattr(settings, "HAYSTACK_CONNECTIONS", {})
    path = connections.get("default", {}).get("PATH")
    return Path(path) if path else None


def search_page_path(query: dict, *, api: bool = False) -> str:
    """The URL of the search page (or the JSON API) for a query of the mix."""
    from urllib.parse import urlencode

    from django.urls import reverse

    params = {"q": query["q"], **query["filters"]}
    if query["page"] != 1:
        params["page"] = query["page"]
    return reverse("interviews:api_search" if api else "interviews:search") + "?" + urlencode(params)


# --------------------------------------------------------------------------------------------
# Raw tuned Whoosh: the reference. Same analyzers, column facets, one writer, one searcher.
# --------------------------------------------------------------------------------------------

RAW_TEXT_FIELDS = ("text_de", "text_zh", "text_en")


class TopicsField(whoosh_fields.KEYWORD):
    """Comma-separated topic slugs with a list column, so faceting reads a column instead of
    rebuilding every document's topic list from the postings on each search. Module-level:
    Whoosh pickles the schema into the index."""

    def __init__(self):
        super().__init__(stored=True, commas=True)
        self.column_type = whoosh_columns.VarBytesListColumn()

    def to_column_value(self, value):
        return [t.encode() for t in value.split(",") if t]

    def from_column_value(self, value):
        return [v.decode() for v in value]


def raw_schema():
    from interviews.search.analysis import multilingual_fields

    # Facets are few distinct values over many documents: a column of references into the
    # unique values reads much faster than Whoosh's default per-document byte strings.
    def facet():
        return whoosh_fields.ID(stored=True, sortable=whoosh_columns.RefBytesColumn())

    return whoosh_fields.Schema(
        key=whoosh_fields.ID(stored=True, unique=True),
        body=whoosh_fields.STORED(),
        language=facet(),
        speaker=facet(),
        interview=facet(),
        year=facet(),
        topic=TopicsField(),
        **multilingual_fields("text", languages=("de", "zh", "en")),
    )


def raw_documents(batch: int = 2000):
    """Every turn as a raw Whoosh document, read from the database in batches."""
    from interviews.models import Turn, TurnTopic

    last = 0
    while True:
        turns = list(
            Turn.objects.filter(pk__gt=last).order_by("pk").select_related("speaker", "transcript__interview")[:batch]
        )
        if not turns:
            return
        topics: dict[int, list[str]] = {}
        for turn_id, slug in (
            TurnTopic.objects.filter(turn__in=turns)
            .exclude(source=TurnTopic.REMOVED)
            .values_list("turn_id", "topic__slug")
        ):
            topics.setdefault(turn_id, []).append(slug)
        docs = []
        for turn in turns:
            transcript = turn.transcript
            date = transcript.interview.date_recorded or transcript.published_on
            language = transcript.language if transcript.language in ("de", "zh", "en") else "en"
            docs.append(
                {
                    "key": turn.key,
                    "body": turn.text,
                    "language": language,
                    "speaker": turn.speaker.slug,
                    "interview": transcript.interview.slug,
                    "year": str(date.year) if date else "",
                    "topic": ",".join(sorted(topics.get(turn.pk, []))),
                    f"text_{language}": turn.text,
                }
            )
        yield docs
        last = turns[-1].pk


def raw_search(searcher, query: dict) -> int:
    """The same work as a search page: parse, filter, facet counts, one page of highlighted hits."""
    from whoosh import query as wq
    from whoosh import sorting

    from interviews.search.analysis import multilingual_query
    from interviews.search.highlighting import highlight, query_terms

    q = multilingual_query(query["q"], searcher.schema, RAW_TEXT_FIELDS)
    terms = [wq.Term(name, value) for name, value in query["filters"].items()]
    facets = {name: sorting.FieldFacet(name, maptype=sorting.Count, allow_overlap=name == "topic") for name in FACETS}
    results = searcher.search(
        q, limit=query["page"] * PAGE_SIZE, filter=wq.And(terms) if terms else None, groupedby=facets
    )
    for name in FACETS:
        results.groups(name)
    start = (query["page"] - 1) * PAGE_SIZE
    terms = {}  # the query's terms per language, analysed once per page rather than once per hit
    for hit in results[start : start + PAGE_SIZE]:
        language = hit["language"]
        if language not in terms:
            terms[language] = wq.Or([wq.Term("t", term) for term in query_terms(query["q"], language)])
        highlight(hit["body"], terms[language], language)
    return len(results)


# --------------------------------------------------------------------------------------------
# Phases: each runs in its own process, with ARCHIVE_DATA_DIR inside the benchmark directory
# --------------------------------------------------------------------------------------------


class BenchError(Exception):
    """The benchmark cannot run or a phase failed; the message says why."""


UPLOAD_TURNS = 200
POLL_INTERVAL_S = 0.02
POLL_TIMEOUT_S = 120.0

# Where ingest time goes, by the function that does each step (pstats cumulative time). Where a
# step names several, one may call another: the largest is the step's time.
PROFILE_STEPS = {
    "read_files": [("interviews/ingest.py", "collect_sources")],
    "parse": [("interviews/ingest.py", "parse_source")],
    "topics": [("interviews/topics.py", "tag_ingested"), ("interviews/topics.py", "tag_turns")],
    "align_translations": [("interviews/translations.py", "align_interview")],
    "index": [("interviews/outbox.py", "process_pending")],
}


def profile_breakdown(stats) -> dict[str, float]:
    """Seconds per ingest step from a pstats.Stats of the ingest loop; "db" is everything else
    (ORM, SQLite, commits, turn keys, files): the total minus the named steps."""
    spent = {}
    for step, functions in PROFILE_STEPS.items():
        spent[step] = max(
            (
                ct
                for (filename, _, name), (_, _, _, ct, _) in stats.stats.items()
                if any(filename.endswith(f) and name == n for f, n in functions)
            ),
            default=0.0,
        )
    spent["db_and_other"] = stats.total_tt - sum(spent.values())
    spent["total"] = stats.total_tt
    return {step: round(seconds, 2) for step, seconds in spent.items()}


def warm_analyzers() -> None:
    """Load jieba's dictionary and the German word list, as a running server did long ago, so
    that one-time start-up does not count as indexing time."""
    from interviews.search.analysis import ANALYZERS

    for analyzer in ANALYZERS.values():
        list(analyzer("Datenqualität und Rechenleistung 数据质量至关重要 data quality", mode="index"))


def _database_mb() -> float | None:
    from django.db import connection

    if connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:  # fold the write-ahead log into the file before measuring
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    name = Path(connection.settings_dict["NAME"])
    return round(sum(p.stat().st_size for p in name.parent.glob(name.name + "*")) / 1024 / 1024, 2)


def phase_build(directory: Path, *, turns: int, seed: int, profile: str = "") -> dict:
    """Generate the transcript files, then ingest them one by one as `manage.py ingest` would."""
    import cProfile
    import pstats
    import time

    from django.core.management import call_command

    from interviews import outbox
    from interviews.ingest import IngestError, collect_sources, ingest_transcript
    from interviews.models import IndexTask, Interview, Speaker, Topic, Transcript, Turn, TurnTopic

    call_command("migrate", verbosity=0)
    generator = Generator(seed)
    progress = Progress("generate", turns, "turns")
    folders, done, started = [], 0, time.monotonic()
    for interview in generator.archive(turns):
        folders.append((interview.write(directory / "transcripts" / interview.slug), interview.turns))
        done += interview.turns
        progress.update(done)
    progress.finish()
    generate_s = time.monotonic() - started

    warm_analyzers()
    profiler = cProfile.Profile() if profile else None
    progress = Progress("ingest", turns, "turns")
    done, started = 0, time.monotonic()
    marks: list[tuple[int, float]] = []  # (turns done, time) at each tenth of the ingest
    if profiler:
        profiler.enable()
    with outbox.batched() as apply_index_work_if_due:  # as the ingest command does
        for folder, count in folders:
            sources, errors = collect_sources([folder])
            for name, source in sources:
                try:
                    ingest_transcript(source)
                except IngestError as exc:
                    errors.append((name, str(exc)))
                apply_index_work_if_due()
            if errors:
                raise BenchError(
                    "the generator wrote a file the archive rejects (a bug in the generator): "
                    + "; ".join(f"{name}: {reason}" for name, reason in errors)
                )
            done += count
            progress.update(done)
            if done * 10 >= turns * (len(marks) + 1):
                marks.append((done, time.monotonic()))
    if profiler:
        profiler.disable()
    ingest_s = time.monotonic() - started
    progress.finish()

    stored = Turn.objects.count()
    if stored != turns:
        raise BenchError(f"the archive holds {stored} turns where the generator wrote {turns}")
    result = {
        "turns": stored,
        "interviews": Interview.objects.count(),
        "transcripts": Transcript.objects.count(),
        "speakers": Speaker.objects.count(),
        "topics": Topic.objects.count(),
        "turn_topics": TurnTopic.objects.count(),
        "turns_by_language": {
            lang: Turn.objects.filter(transcript__language=lang).count() for lang in ("de", "zh", "en")
        },
        "vocabulary_words_by_language": {lang: len(m.vocabulary) for lang, m in language_models().items()},
        "index_tasks_pending": IndexTask.objects.count(),
        "generate_s": round(generate_s, 2),
        "ingest_s": round(ingest_s, 2),
        "ingest_turns_per_s": round(stored / ingest_s, 1),
        # The rate over each tenth of the ingest: how indexing slows as the index grows, for
        # extrapolating to larger archives.
        "ingest_turns_per_s_by_tenth": [
            round((n - n0) / (t - t0), 1) for (n0, t0), (n, t) in zip([(0, started)] + marks, marks) if t > t0
        ],
        "db_size_mb": _database_mb(),
    }
    if profiler:
        profiler.dump_stats(profile)
        result["ingest_profile_s"] = profile_breakdown(pstats.Stats(profile))

    result["peak_rss_mb"] = peak_rss_mb()
    return result


def phase_raw_whoosh(directory: Path, *, queries: int, seed: int) -> dict:
    """Index every turn into raw, tuned Whoosh (only the writer's time counts, not reading the
    database), then draw the query mix, which needs to know how many turns a query finds."""
    import time

    from django.urls import NoReverseMatch
    from whoosh import index

    from interviews.models import Turn

    path = directory / "raw-whoosh"
    path.mkdir()
    ix = index.create_in(str(path), raw_schema())
    total = Turn.objects.count()
    # One writer for everything, one process, a large memory pool, plain (non-compound) segment
    # files: the fastest Whoosh setup measured (see the notes on compound segments).
    warm_analyzers()
    writer = ix.writer(procs=1, limitmb=512, compound=False)
    progress = Progress("raw index", total, "docs")
    written, spent = 0, 0.0
    for docs in raw_documents():
        started = time.perf_counter()
        for doc in docs:
            writer.add_document(**doc)
        spent += time.perf_counter() - started
        written += len(docs)
        progress.update(written)
    started = time.perf_counter()
    writer.commit()
    spent += time.perf_counter() - started
    progress.finish()

    with ix.searcher() as searcher:
        mix = build_query_mix(queries, seed, lambda query: raw_search(searcher, {**query, "page": 1}))
    (directory / "queries.json").write_text(json.dumps(mix, ensure_ascii=False, indent=1), encoding="utf-8")
    try:
        for api, name in ((False, "loadtest-search-paths.txt"), (True, "loadtest-api-paths.txt")):
            (directory / name).write_text("".join(search_page_path(q, api=api) + "\n" for q in mix))
    except NoReverseMatch:
        pass  # no search page in this build of the archive: the load test says so
    return {
        "raw_whoosh_index_docs": written,
        "raw_whoosh_index_s": round(spent, 2),
        "raw_whoosh_index_docs_per_s": round(written / spent, 1) if spent else None,
        "raw_whoosh_index_size_mb": directory_mb(path),
        "peak_rss_mb": peak_rss_mb(),
    }


def phase_search(directory: Path, *, rounds: int) -> dict:
    """The fixed mix through `interviews.search.query` and through raw Whoosh, interleaved query by
    query so that whatever else the machine is doing slows both alike."""
    import time

    from whoosh import index

    mix = json.loads((directory / "queries.json").read_text(encoding="utf-8"))
    searcher = index.open_dir(str(directory / "raw-whoosh")).searcher()  # persistent, as tuned
    have_search = search_available()
    engines = {"raw": lambda q: raw_search(searcher, q)}
    if have_search:
        engines["archive"] = archive_search
    samples = {name: [] for name in engines}
    hits = {name: [0] * len(mix) for name in engines}
    progress = Progress("search", (rounds + 1) * len(mix) * len(engines), "searches")
    done = 0
    for round_ in range(rounds + 1):  # round 0 warms caches and is not counted
        for i, query in enumerate(mix):
            names = list(engines) if (i + round_) % 2 else list(reversed(engines))
            for name in names:
                started = time.perf_counter()
                hits[name][i] = engines[name](query)
                elapsed = (time.perf_counter() - started) * 1000
                if round_:
                    samples[name].append((elapsed, query))
                done += 1
            progress.update(done)
    progress.finish()

    def figures(prefix: str, name: str) -> dict:
        if name not in samples:
            return {f"{prefix}_p50_ms": None, f"{prefix}_p95_ms": None, f"{prefix}_p99_ms": None}
        return {f"{prefix}_{k}_ms": v for k, v in percentiles([ms for ms, _ in samples[name]]).items()}

    result = {**figures("search", "archive"), **figures("raw_whoosh_search", "raw")}
    if have_search and result["raw_whoosh_search_p95_ms"]:
        result["search_to_raw_p95_ratio"] = round(result["search_p95_ms"] / result["raw_whoosh_search_p95_ms"], 2)
    else:
        result["search_to_raw_p95_ratio"] = None

    def p95(name, keep) -> float | None:
        chosen = [ms for ms, q in samples.get(name, []) if keep(q)]
        return percentiles(chosen)["p95"] if chosen else None

    kinds = {
        "language_de": lambda q: q["language"] == "de",
        "language_zh": lambda q: q["language"] == "zh",
        "language_en": lambda q: q["language"] == "en",
        "no_filters": lambda q: not q["filters"],
        "with_filters": lambda q: bool(q["filters"]),
        "page_1": lambda q: q["page"] == 1,
        "page_5": lambda q: q["page"] == 5,
    }
    result["search_p95_ms_by_kind"] = {kind: p95("archive", keep) for kind, keep in kinds.items()}
    result["raw_whoosh_search_p95_ms_by_kind"] = {kind: p95("raw", keep) for kind, keep in kinds.items()}
    result.update(
        {
            "query_mix_size": len(mix),
            "query_rounds": rounds,
            "raw_whoosh_zero_hit_queries": hits["raw"].count(0),
            "search_zero_hit_queries": hits["archive"].count(0) if have_search else None,
            # The two paths should agree on what matches; if not, the ratio compares different work.
            "search_hit_count_mismatches": (
                sum(a != b for a, b in zip(hits["archive"], hits["raw"])) if have_search else None
            ),
            "search_hit_count_mismatch_examples": [
                {**query, "search_hits": a, "raw_whoosh_hits": b}
                for query, a, b in zip(mix, hits.get("archive", []), hits["raw"])
                if a != b
            ][:5],
            "index_size_mb": directory_mb(search_index_dir()) if have_search and search_index_dir() else None,
            "peak_rss_mb": peak_rss_mb(),
        }
    )
    return result


def phase_upload_poll(marker: str) -> None:
    """Search for `marker` until it is found; prints "ready" first, then the time it was found."""
    import time

    query = {"q": marker, "filters": {}, "page": 1}
    if archive_search(query):
        raise BenchError(f"{marker!r} is already in the archive")
    print("ready", flush=True)
    polls, deadline = 0, time.monotonic() + POLL_TIMEOUT_S
    found = None
    while time.monotonic() < deadline:
        polls += 1
        if archive_search(query):
            found = time.time()
            break
        time.sleep(POLL_INTERVAL_S)
    print(json.dumps({"found_at": found, "polls": polls, "peak_rss_mb": peak_rss_mb()}), flush=True)


def phase_upload_write(directory: Path, *, marker: str, seed: int) -> dict:
    """Ingest one new 200-turn German transcript containing `marker`, timed from the call."""
    import time

    from interviews.ingest import collect_sources, ingest_transcript

    warm_analyzers()
    interview = Generator(seed + 1).interview(UPLOAD_TURNS, languages=["de"], marker=marker)
    interview.slug = f"bench-upload-{marker}"
    folder = interview.write(directory / "upload")
    started = time.time()
    for _, source in collect_sources([folder])[0]:
        ingest_transcript(source)
    return {
        "started_at": started,
        "ingested_at": time.time(),
        "upload_turns": UPLOAD_TURNS,
        "peak_rss_mb": peak_rss_mb(),
    }


def run_phase(phase: str, directory: Path, options: dict) -> dict | None:
    if phase == "build":
        return phase_build(
            directory, turns=options["turns"], seed=options["seed"], profile=str(options.get("profile") or "")
        )
    if phase == "raw-whoosh":
        return phase_raw_whoosh(directory, queries=options["queries"], seed=options["seed"])
    if phase == "search":
        return phase_search(directory, rounds=options["rounds"])
    if phase == "upload-poll":
        return phase_upload_poll(options["marker"])
    if phase == "upload-write":
        return phase_upload_write(directory, marker=options["marker"], seed=options["seed"])
    raise BenchError(f"unknown phase {phase!r}")


# --------------------------------------------------------------------------------------------
# The whole run: a temporary directory, one child process per phase, one set of figures
# --------------------------------------------------------------------------------------------


def child_env(directory: Path) -> dict:
    """The environment of every phase: state only under `directory`, a fresh SQLite database,
    debug off (debug mode keeps every SQL query in memory, which would distort time and memory)."""
    import os

    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        ARCHIVE_DATA_DIR=str(directory / "data"),
        DJANGO_SETTINGS_MODULE="archive.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="benchmark-only-" + "k" * 40,
    )
    return env


def _phase_command(phase: str, directory: Path, *args: str) -> list[str]:
    import sys

    return [sys.executable, str(ROOT / "manage.py"), "bench", "--phase", phase, "--dir", str(directory), *args]


def _child(phase: str, directory: Path, *args: str) -> dict:
    import subprocess

    # stderr is inherited: the phase's progress lines and any traceback reach the user directly.
    process = subprocess.run(
        _phase_command(phase, directory, *args), env=child_env(directory), cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    if process.returncode:
        raise BenchError(f"the {phase} phase failed (exit status {process.returncode}); its error is above")
    return json.loads(process.stdout.strip().splitlines()[-1])


def _upload(directory: Path, seed: int) -> dict:
    """Time from the start of ingesting a 200-turn transcript in one process to its being found
    by a search in another, which polls every POLL_INTERVAL_S."""
    import secrets
    import subprocess

    # Letters only, no vowels: one token in every analyzer, never split as a German compound.
    marker = "zqx" + "".join(secrets.choice("bcdfghjklmnpqrstvwxz") for _ in range(10))
    poller = subprocess.Popen(
        _phase_command("upload-poll", directory, "--marker", marker),
        env=child_env(directory),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        if poller.stdout.readline().strip() != "ready":
            raise BenchError("the upload poller failed to start; its error is above")
        written = _child("upload-write", directory, "--marker", marker, "--seed", str(seed))
        out, _ = poller.communicate(timeout=POLL_TIMEOUT_S + 60)
    finally:
        if poller.poll() is None:
            poller.kill()
            poller.wait()
    if poller.returncode:
        raise BenchError(f"the upload poller failed (exit status {poller.returncode}); its error is above")
    polled = json.loads(out.strip().splitlines()[-1])
    found = polled["found_at"]
    return {
        "upload_turns": written["upload_turns"],
        "upload_ingest_s": round(written["ingested_at"] - written["started_at"], 3),
        "upload_to_searchable_s": round(found - written["started_at"], 3) if found else None,
        "upload_poll_interval_s": POLL_INTERVAL_S,
        "peak_rss_mb": max(written["peak_rss_mb"], polled["peak_rss_mb"]),
    }


def run(
    *,
    turns: int,
    queries: int = 200,
    rounds: int = 3,
    seed: int = 7,
    keep: Path | None = None,
    profile: Path | None = None,
    upload: bool = True,
    stderr=None,
) -> dict:
    """Build a synthetic archive of `turns` turns and measure it; returns the figures.

    The archive lives in a new temporary directory, removed at the end, or in `keep` (which must
    be new or empty) for `make loadtest` to serve.
    """
    import os
    import platform
    import shutil
    import sys
    import tempfile
    import time

    stderr = stderr or sys.stderr
    if keep:
        keep = Path(keep).resolve()
        if keep.exists() and (not keep.is_dir() or any(keep.iterdir())):
            raise BenchError(
                f"{keep} exists and is not empty: give a new directory (the benchmark never "
                "writes into an existing archive)"
            )
        keep.mkdir(parents=True, exist_ok=True)
        directory = keep
    else:
        directory = Path(tempfile.mkdtemp(prefix="archive-bench-"))
    started = time.monotonic()
    results: dict = {
        "turns": turns,
        "seed": seed,
        "cpu_cores": os.cpu_count(),
        "machine": f"{platform.machine()} {platform.system()} {platform.release()}, Python {platform.python_version()}",
        # Other work on the machine slows every figure: the load when the run began says how busy it was.
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        build_args = ["--turns", str(turns), "--seed", str(seed)]
        if profile:
            build_args += ["--profile", str(Path(profile).resolve())]
        phases = {"build": _child("build", directory, *build_args)}
        phases["raw_whoosh"] = _child("raw-whoosh", directory, "--queries", str(queries), "--seed", str(seed))
        phases["search"] = _child("search", directory, "--rounds", str(rounds))
        if upload and search_available():
            stderr.write("upload     a 200-turn transcript in one process, polling search from another\n")
            phases["upload"] = _upload(directory, seed)
        for figures in phases.values():
            results.update({k: v for k, v in figures.items() if k != "peak_rss_mb"})
        results.setdefault("upload_to_searchable_s", None)
        results["peak_rss_mb_by_phase"] = {name: figures["peak_rss_mb"] for name, figures in phases.items()}
        results["peak_rss_mb"] = max(results["peak_rss_mb_by_phase"].values())
        results["search_module"] = search_available()
        results["total_s"] = round(time.monotonic() - started, 1)
        if keep:
            results["archive_dir"] = str(directory)
            (directory / "bench.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
        return results
    finally:
        if not keep:
            shutil.rmtree(directory, ignore_errors=True)


def search_again(directory: Path, *, rounds: int = 3) -> dict:
    """Run the search phase again on an archive kept by `--keep`: the same query mix, against the
    archive's index as it is now (after `manage.py rebuild_index` there, or a change to the search
    code). The figures are the search phase's, with the load of the machine."""
    import os

    directory = Path(directory).resolve()
    if not (directory / "queries.json").is_file() or not (directory / "data").is_dir():
        raise BenchError(f"{directory} is not an archive kept by `manage.py bench --keep`")
    results = {
        "archive_dir": str(directory),
        "cpu_cores": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    kept = directory / "bench.json"
    if kept.is_file():
        results["turns"] = json.loads(kept.read_text(encoding="utf-8")).get("turns")
    results.update(_child("search", directory, "--rounds", str(rounds)))
    return results


def report(results: dict) -> str:
    """The figures for a person, with the issue's targets beside them."""

    def ms(key):
        value = results.get(key)
        return "n/a" if value is None else f"{value:,.1f} ms"

    lines = [
        f"Synthetic archive: {results['turns']:,} turns, {results['interviews']:,} interviews, "
        f"{results['transcripts']:,} transcripts, {results['speakers']:,} speakers, {results['topics']} topics",
        f"Machine: {results['cpu_cores']} cores, {results['machine']}; load average at start "
        + " / ".join(str(x) for x in results["load_average_at_start"]),
        "",
        f"ingest (parse, DB, topics, index)   {results['ingest_turns_per_s']:>10,.1f} turns/s   (target >= 300 at 100k)",
        f"raw tuned Whoosh indexing           {results['raw_whoosh_index_docs_per_s']:>10,.1f} docs/s",
        f"search p50 / p95 / p99              {ms('search_p50_ms')} / {ms('search_p95_ms')} / {ms('search_p99_ms')}"
        "   (target p95 <= 50 ms at 100k, <= 250 ms at 1M)",
        f"raw Whoosh p50 / p95 / p99          {ms('raw_whoosh_search_p50_ms')} / {ms('raw_whoosh_search_p95_ms')}"
        f" / {ms('raw_whoosh_search_p99_ms')}",
        f"search / raw at p95                 {results['search_to_raw_p95_ratio'] or 'n/a'}   (target <= 1.3)",
        "upload of 200 turns to searchable   "
        + (f"{results['upload_to_searchable_s']:.2f} s" if results.get("upload_to_searchable_s") is not None else "n/a")
        + "   (target <= 2 s)",
        f"peak memory (largest phase)         {results['peak_rss_mb']:,.0f} MB   "
        + ", ".join(f"{k} {v:,.0f}" for k, v in results["peak_rss_mb_by_phase"].items()),
        f"index on disk / database            {results['index_size_mb'] if results.get('index_size_mb') is not None else 'n/a'} MB"
        f" / {results['db_size_mb']} MB (raw Whoosh index {results['raw_whoosh_index_size_mb']} MB)",
        f"query mix                           {results['query_mix_size']} queries x {results['query_rounds']} rounds;"
        f" {results['raw_whoosh_zero_hit_queries']} find nothing",
    ]
    if not results.get("search_module"):
        lines.append("\ninterviews/search.py is not in this build: search figures and the upload time are n/a.")
    if results.get("ingest_profile_s"):
        lines.append(
            "ingest profile (s, under cProfile)   "
            + ", ".join(f"{k} {v}" for k, v in results["ingest_profile_s"].items())
        )
    lines.append(
        f"\nTotal {results['total_s']:,.0f} s. Every figure: manage.py bench --turns {results['turns']} --json"
    )
    return "\n".join(lines)
