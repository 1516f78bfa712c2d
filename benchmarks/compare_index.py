#!/usr/bin/env python
"""Whether two archives' search indexes hold the same documents, term for term.

    .venv/bin/python benchmarks/compare_index.py DIR_A DIR_B

Each DIR is an archive's data directory's parent (``DIR/data/whoosh/CURRENT``, as `bench` and
`benchmarks/profile_index.py --keep` leave it). Documents are matched by their turn key, so the
two may number them differently. Compared: the number of live documents; for every indexed field,
its lexicon and each term's postings (the document, the weight and the encoded posting value,
which holds the frequency and, in phrase fields, the positions); every field's length per
document; the stored fields; and the hits (turns and scores) of a few searches. Prints the first differences and exits non-zero if there are any.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from whoosh.filedb.filestore import FileStorage

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the index's pickled schema names our analyzers' classes


def _open(directory: Path):
    base = directory / "data" / "whoosh"
    generation = (base / "CURRENT").read_text().strip()
    return FileStorage(str(base / Path(generation).name)).open_index()


def _snapshot(directory: Path) -> dict:
    ix = _open(directory)
    with ix.searcher() as searcher:
        reader = searcher.reader()
        live = list(reader.all_doc_ids())
        keys = {docnum: reader.stored_fields(docnum)["key"] for docnum in live}
        stored = {keys[docnum]: reader.stored_fields(docnum) for docnum in live}
        postings, lengths = {}, {}
        for fieldname in ix.schema.names():
            field = ix.schema[fieldname]
            if not field.indexed:
                continue
            if field.scorable:
                lengths[fieldname] = {keys[d]: reader.doc_field_length(d, fieldname) for d in live}
            terms = {}
            for term in reader.lexicon(fieldname):
                matcher = reader.postings(fieldname, term)
                items = []
                while matcher.is_active():
                    docnum = matcher.id()
                    if docnum in keys:
                        items.append((keys[docnum], matcher.weight(), matcher.value()))
                    matcher.next()
                if items:
                    terms[term] = sorted(items)
            postings[fieldname] = terms
    return {"documents": len(live), "stored": stored, "postings": postings, "lengths": lengths}


#: Searches run on both indexes: each must find the same turns with the same scores.
SEARCHES = (
    ("text_de", "daten"),
    ("text_de", "qualitat"),
    ("text_de", '"die daten"'),
    ("text_zh", "数据"),
    ("text_zh", "质量 模型"),
    ("text_en", "founder"),
    ("text_en", "data NOT model"),
    ("text_en", '"data quality"'),
    ("text", "gpt"),
)


def _hits(directory: Path) -> dict:
    from whoosh.qparser import QueryParser

    ix = _open(directory)
    found = {}
    with ix.searcher() as searcher:
        for fieldname, text in SEARCHES:
            q = QueryParser(fieldname, ix.schema).parse(text)
            found[(fieldname, text)] = sorted(
                (hit["key"], round(hit.score, 6)) for hit in searcher.search(q, limit=None)
            )
    return found


def differences(a: dict, b: dict, limit: int = 20) -> list[str]:
    found = []
    if a["documents"] != b["documents"]:
        found.append(f"documents: {a['documents']} against {b['documents']}")
    for key in sorted(a["stored"].keys() | b["stored"].keys()):
        if a["stored"].get(key) != b["stored"].get(key):
            found.append(f"stored fields of {key}: {a['stored'].get(key)} against {b['stored'].get(key)}")
    for fieldname in sorted(a["lengths"].keys() | b["lengths"].keys()):
        if a["lengths"].get(fieldname) != b["lengths"].get(fieldname):
            found.append(f"field lengths of {fieldname} differ")
    for fieldname in sorted(a["postings"].keys() | b["postings"].keys()):
        ta, tb = a["postings"].get(fieldname, {}), b["postings"].get(fieldname, {})
        for term in sorted(ta.keys() ^ tb.keys())[:limit]:
            found.append(f"{fieldname}: term {term!r} only in {'the first' if term in ta else 'the second'}")
        for term in sorted(ta.keys() & tb.keys()):
            if ta[term] != tb[term]:
                found.append(f"{fieldname}: postings of {term!r} differ")
        if len(found) > limit:
            break
    return found[:limit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("first", type=Path)
    parser.add_argument("second", type=Path)
    args = parser.parse_args()
    a, b = _snapshot(args.first), _snapshot(args.second)
    terms = sum(len(terms) for terms in a["postings"].values())
    postings = sum(len(items) for terms in a["postings"].values() for items in terms.values())
    found = differences(a, b)
    hits_a, hits_b = _hits(args.first), _hits(args.second)
    for search, hits in hits_a.items():
        if hits != hits_b[search]:
            found.append(f"search {search}: {len(hits)} hits against {len(hits_b[search])}, or other turns or scores")
    for line in found:
        print(line)
    print(
        f"{a['documents']} documents, {terms} terms, {postings} postings in the first; "
        f"{len(SEARCHES)} searches, {sum(map(len, hits_a.values()))} hits: "
        + ("the same in both" if not found else "DIFFERENT")
    )
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
