"""Precision and recall of ``interviews.translations.align.align`` against the hand-made gold sample.

    .venv/bin/python tests/translations/alignment/eval_alignment.py [-v] [--meanings]
    DJANGO_DEBUG=1 .venv/bin/python tests/translations/alignment/eval_alignment.py --db [-v]

``--meanings`` adds word meanings from the bilingual dictionaries (``manage.py build_dictionaries``,
under ARCHIVE_DATA_DIR) as evidence. With ``--db`` the links are read back from the archive's database (after ``make data``, which
aligns on ingest) through ``interviews.translations.store.translations_for``, as the pages read them,
editor decisions included.

The seed transcripts are split into turns by ``interviews.parsing.parse_transcript`` when it
is available and gives the turn counts the gold was written for (74 German, 125 Chinese);
otherwise by the quick split below, which follows the same rule (every labelled turn, in
order). The gold stores the first characters of each turn, so a mismatch shows up at once.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from interviews.translations.align import AlignInput, Link, align  # noqa: E402

GOLD_PATH = Path(__file__).with_name("gold_de_zh.json")
TRANSCRIPTS = ROOT / "data" / "transcripts"
META = TRANSCRIPTS / "20vc-aidan-gomez.json"


def load_gold() -> dict:
    return json.loads(GOLD_PATH.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------- turns


def quick_split_de(text: str) -> list[tuple[str, str]]:
    """German seed: turns start at `Q:` (host) or `Aidan Gomez` (guest, colon optional)."""
    turns: list[tuple[str, list[str]]] = []
    cur = None
    for line in text.split("\n"):
        s = line.strip()
        if s.startswith("Videoadresse:"):
            break
        mq = re.match(r"^Q:+\s*(.*)$", s)
        mg = re.match(r"^Aidan Gomez:*\s*(.*)$", s)
        if mq or mg:
            cur = ("host" if mq else "guest", [(mq or mg).group(1)])
            turns.append(cur)
        elif cur and s:
            cur[1].append(s)
    return [(role, "\n\n".join(p for p in paras if p)) for role, paras in turns]


def quick_split_zh(text: str) -> list[tuple[str, str]]:
    """Chinese seed: `**Harry Stebbings:**` / `**Aidan Gomez:**` alone on a line."""
    turns: list[tuple[str, list[str]]] = []
    cur = None
    for line in text.split("\n"):
        s = line.strip()
        if s.startswith("[Coatue"):  # promotion after the interview
            break
        if s in ("**Harry Stebbings:**", "**Aidan Gomez:**"):
            cur = ("host" if "Harry" in s else "guest", [])
            turns.append(cur)
        elif cur and s:
            cur[1].append(s)
    return [(role, "\n\n".join(paras)) for role, paras in turns]


def _parsed(filename: str, language: str) -> list[tuple[str, str]] | None:
    """Turns from the real parser, or None when it is not there (yet) or fails."""
    try:
        from interviews.parsing import SpeakerHint, parse_transcript
    except Exception:
        return None
    try:
        meta = json.loads(META.read_text(encoding="utf-8"))["interview"]["participants"]
        hints = [SpeakerHint(name=p["name"], role=p["role"], aliases=p.get("aliases", [])) for p in meta]
        data = (TRANSCRIPTS / filename).read_bytes()
        parsed = parse_transcript(data, filename=filename, language=language, speakers=hints)
    except Exception:
        return None
    roles = {s.name: s.role for s in parsed.speakers}
    return [(roles.get(t.speaker, ""), t.text) for t in parsed.turns]


def load_seed_turns(prefer_parser: bool = True) -> tuple[list[AlignInput], list[AlignInput], str]:
    """(German turns, Chinese turns, "parser" or "quick split")."""
    gold = load_gold()
    de_file, zh_file = gold["source"]["file"], gold["target"]["file"]
    de = zh = None
    how = "quick split"
    if prefer_parser:
        de, zh = _parsed(de_file, "de"), _parsed(zh_file, "zh")
        if de and zh and len(de) == gold["source"]["turns"] and len(zh) == gold["target"]["turns"]:
            how = "parser"
        else:
            de = zh = None
    if de is None:
        de = quick_split_de((TRANSCRIPTS / de_file).read_text(encoding="utf-8"))
        zh = quick_split_zh((TRANSCRIPTS / zh_file).read_text(encoding="utf-8"))
    de_in = [AlignInput(i, role, text, "de") for i, (role, text) in enumerate(de)]
    zh_in = [AlignInput(i, role, text, "zh") for i, (role, text) in enumerate(zh)]
    return de_in, zh_in, how


def _norm_start(text: str) -> str:
    return re.sub(r"\s+", " ", text).lstrip(" :：")


def gold_mismatches(de: list[AlignInput], zh: list[AlignInput], gold: dict | None = None) -> list[str]:
    """Gold entries whose stored turn starts do not match the turns (wrong ordinals)."""
    gold = gold or load_gold()
    bad = []
    for g in gold["links"]:
        if not _norm_start(de[g["source"]].text).startswith(_norm_start(g["source_start"])[:20]):
            bad.append(f"source {g['source']}: {g['source_start']!r} != {de[g['source']].text[:30]!r}")
        for t, start in zip(g["targets"], g["target_starts"]):
            if not _norm_start(zh[t].text).startswith(_norm_start(start)[:20]):
                bad.append(f"target {t}: {start!r} != {zh[t].text[:30]!r}")
    return bad


# ---------------------------------------------------------------------------- scoring


def judge(link: Link | None, g: dict) -> bool:
    """Right: includes the gold main turn and stays inside the acceptable span; or both none."""
    if not g["targets"]:
        return link is None
    if link is None:
        return False
    return g["main"] in link.targets and set(link.targets) <= set(g["targets"])


def evaluate(links: list[Link], gold: dict | None = None, role: str | None = None) -> dict:
    """precision = right links / links made; recall = right links / gold turns that have a
    counterpart; accuracy = turns handled right (a right link, or rightly none) / turns."""
    gold = gold or load_gold()
    by_source = {lk.source: lk for lk in links}
    made = right_links = has_counterpart = right_turns = turns = 0
    right_conf, wrong_conf = [], []
    for g in gold["links"]:
        if role and g["role"] != role:
            continue
        turns += 1
        lk = by_source.get(g["source"])
        ok = judge(lk, g)
        right_turns += ok
        if g["targets"]:
            has_counterpart += 1
        if lk is not None:
            made += 1
            right_links += ok
            (right_conf if ok else wrong_conf).append(lk.confidence)
    return {
        "turns": turns,
        "links": made,
        "precision": right_links / made if made else 1.0,
        "recall": right_links / has_counterpart if has_counterpart else 1.0,
        "accuracy": right_turns / turns if turns else 1.0,
        "right_confidences": right_conf,
        "wrong_confidences": wrong_conf,
    }


def dictionary_glosses():
    """Word glosses from the dictionary file (the dictionaries under ARCHIVE_DATA_DIR,
    else var/), or None when the dictionary file is not built."""
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
    import django

    django.setup()
    from interviews.translations.glossary import dictionary_glosses as found

    return found()


def load_db_links() -> tuple[list[AlignInput], list[AlignInput], list[Link]]:
    """The seed turns and their stored links, from the database configured by the settings."""
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
    django.setup()
    from interviews.models import Turn
    from interviews.translations.store import translations_for

    slug = json.loads(META.read_text(encoding="utf-8"))["interview"]["slug"]
    turns = {
        language: list(Turn.objects.filter(transcript__interview__slug=slug, transcript__language=language))
        for language in ("de", "zh")
    }
    found = translations_for(turns["de"])
    links = []
    for turn in turns["de"]:
        counterparts = [t for t in found[turn.pk] if t.turn.transcript.language == "zh"]
        if counterparts:
            links.append(
                Link(
                    turn.ordinal, sorted(t.turn.ordinal for t in counterparts), min(t.confidence for t in counterparts)
                )
            )
    de, zh = ([AlignInput(t.ordinal, "", t.text, lang) for t in turns[lang]] for lang in ("de", "zh"))
    return de, zh, links


def main(argv: list[str]) -> int:
    if "--db" in argv:
        de, zh, links = load_db_links()
        how = "database"
    else:
        de, zh, how = load_seed_turns()
    gold = load_gold()
    bad = gold_mismatches(de, zh, gold)
    print(f"turns: {len(de)} German, {len(zh)} Chinese ({how})")
    if bad:
        print("GOLD DOES NOT MATCH THE TURNS:", *bad, sep="\n  ")
        return 1
    if "--db" not in argv:
        glosses = dictionary_glosses() if "--meanings" in argv else None
        if "--meanings" in argv and glosses is None:
            print("--meanings: the dictionary file is not built (manage.py build_dictionaries)")
            return 1
        print("word meanings:", "from the dictionaries" if glosses else "not used")
        links = align(de, zh, glosses=glosses)
    by_source = {lk.source: lk for lk in links}
    if "-v" in argv:
        for g in gold["links"]:
            lk = by_source.get(g["source"])
            mark = "ok " if judge(lk, g) else "ERR"
            got = f"{lk.targets} conf={lk.confidence:.2f}" if lk else "none"
            print(
                f"{mark} DE {g['source']:>2} {g['role']:<5} gold={g['targets'] or 'none'} got={got}"
                f"  {g['source_start']}"
            )
    for label, role in (("all", None), ("host questions", "host"), ("guest answers", "guest")):
        r = evaluate(links, gold, role)
        print(
            f"{label:<15} turns={r['turns']:>2} links={r['links']:>2} precision={r['precision']:.3f} "
            f"recall={r['recall']:.3f} accuracy={r['accuracy']:.3f}"
        )
    none = [g["source"] for g in gold["links"] if not g["targets"]]
    print(f"no counterpart  turns={len(none):>2} left unlinked={sum(s not in by_source for s in none):>2}")
    r = evaluate(links, gold)
    rc, wc = r["right_confidences"], r["wrong_confidences"]
    print(
        f"confidence: right links mean={sum(rc) / max(1, len(rc)):.2f} min={min(rc, default=0):.2f}; "
        f"wrong links n={len(wc)} mean={sum(wc) / max(1, len(wc)):.2f} max={max(wc, default=0):.2f}; "
        f"wrong below 0.5: {sum(c < 0.5 for c in wc)}/{len(wc)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
