"""The synthetic archive behind `manage.py bench`: transcripts in German, Chinese and English whose
words, word successions and turn shapes are learnt from the shipped seed transcripts.

Imports nothing from Django (the parser and the Chinese word splitter are pure): it is tested on
plain strings.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from interviews.languages import HAN

ROOT = Path(__file__).resolve().parent.parent
SEED_DIR = ROOT / "data" / "transcripts"
# There is no English seed transcript. English vocabulary comes from the parser's golden English
# files and the English metadata of the seed manifest, plus the Latin-script names and terms of
# the German and Chinese seeds (OpenAI, GPT-4, Cohere...): a small word list, said so in docs/benchmarks.md.
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
# Names and terms in Latin script: OpenAI, GPT-4, AWS, ChatGPT. Longer words with an inner capital
# are two words glued by the machine translation ("AntwortenIch"), not names.
_LATIN_NAME_RE = re.compile(r"\b(?:[A-Z]{2,}[\w-]*|[A-Z][a-z]{1,5}[A-Z][A-Za-z]{0,4}|GPT-\d)\b")
# In Chinese text any capitalised Latin word is a name or a term (Cohere, Google, Transformer).
_LATIN_IN_CHINESE_RE = re.compile(r"(?<![A-Za-z])[A-Z][A-Za-z]+(?:-\w+)?")
_KEEP_ZH = re.compile(f"[\\w{HAN}]|[，、]")
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
