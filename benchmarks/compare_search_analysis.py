"""How close the Solr/Elasticsearch analysis (deploy/solr/conf/schema.xml, run in real Lucene) comes
to the archive's own (interviews/search/analysis.py), on the seed transcripts. The figures in
docs/scaling.md come from this script:

    .venv/bin/python benchmarks/compare_search_analysis.py

Needs a JDK and Debian's liblucene8-java (apt-get install default-jdk-headless liblucene8-java).

German: of the compound parts our splitter finds in the seed's words of 8+ letters, how many
Lucene's dictionary decompounder emits too, and how many words it splits that ours leaves whole.
Chinese: of the words jieba gives for the Chinese seed (query atoms, two or more characters), how
many smartcn's segmenter produces for the same text.
"""

import json
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")

import django  # noqa: E402

django.setup()

from interviews.search import analysis  # noqa: E402
from tests.search import lucene  # noqa: E402

CONF = ROOT / "deploy" / "solr" / "conf"
SEEDS = ROOT / "data" / "transcripts"


def seed_text(language: str) -> str:
    for manifest in SEEDS.glob("*.json"):
        for transcript in json.loads(manifest.read_text())["transcripts"]:
            if transcript.get("language") == language:
                return (SEEDS / transcript["file"]).read_text(encoding="utf-8")
    raise SystemExit(f"no {language} seed transcript")


def main():
    if lucene.missing():
        raise SystemExit(f"Lucene cannot run here: {lucene.missing()}")
    chains = lucene.schema_chains(CONF / "schema.xml")

    words = sorted({w for w in re.findall(r"[^\W\d_]+", seed_text("de")) if len(w) >= 8})
    ours = {w: analysis.split_german_compound(analysis.fold(w.lower())) for w in words}
    parts = sorted({p for split in ours.values() for p in split})
    indexed, part_stems = lucene.analyze(
        CONF, [(chains[("text_german", "index")], words), (chains[("text_german", "query")], parts)]
    )
    stem_of = {p: (tokens[0] if tokens else "") for p, tokens in zip(parts, part_stems)}
    found = total = extra_on_whole = 0
    examples = []
    for word, tokens in zip(words, indexed):
        subwords = set(tokens[1:]) - {tokens[0]} if tokens else set()
        if ours[word]:
            total += len(ours[word])
            found += sum(1 for p in ours[word] if stem_of[p] in subwords)
        elif subwords:
            extra_on_whole += 1
            if len(examples) < 8:
                examples.append(f"{word} -> {', '.join(sorted(subwords))}")
    whole = sum(1 for w in words if not ours[w])
    print(f"German seed: {len(words)} distinct words of 8+ letters; our splitter splits {len(words) - whole}")
    print(f"  Lucene decompounder emits {found} of the {total} parts ours finds ({100 * found / total:.0f}%)")
    print(
        f"  and adds subwords to {extra_on_whole} of the {whole} words ours leaves whole "
        f"({100 * extra_on_whole / whole:.0f}%), e.g. {'; '.join(examples[:5])}"
    )

    text = seed_text("zh")
    lines = [line for line in text.split("\n") if re.search(r"[\u4e00-\u9fff]", line)]
    jieba_words = set()
    for line in lines:
        tokens = (t.text for t in analysis.chinese_analyzer()(line, mode="query"))
        jieba_words |= {t for t in tokens if len(t) >= 2 and re.fullmatch(r"[\u4e00-\u9fff]+", t)}
    (smartcn,) = lucene.analyze(CONF, [(chains[("text_chinese", "index")], lines)])
    smartcn_words = {t for tokens in smartcn for t in tokens}
    shared = jieba_words & smartcn_words
    print(
        f"Chinese seed: jieba gives {len(jieba_words)} distinct words of 2+ characters; "
        f"smartcn produces {len(shared)} of them ({100 * len(shared) / len(jieba_words):.0f}%)"
    )
    missed = sorted(jieba_words - smartcn_words)[:10]
    print(f"  e.g. not produced by smartcn: {' '.join(missed)}")


if __name__ == "__main__":
    main()
