"""The search index's schema for Solr and Elasticsearch, generated from TurnIndex.

Our Whoosh backend builds its schema from the field declarations in search_indexes.py at run time.
Solr and Elasticsearch need theirs written down before the first document arrives, so this module
renders the same declarations as a Solr configset (``solr_files()``) and an Elasticsearch 7 index
body (``elasticsearch_index()``). ``manage.py export_search_schema`` writes them to deploy/, and a
test fails when deploy/ and the declarations disagree.

Field kinds (fields.py) map to:

==================  ===========================================  ==================================
TurnIndex field      Solr                                         Elasticsearch 7
==================  ===========================================  ==================================
AnalyzedTextField    TextField with its language's analyzers      ``text`` with ``analyzer`` and
                                                                  ``search_analyzer``
ExactField           StrField, docValues (facets, sorting)        ``keyword``
ExactListField       StrField, docValues, multiValued             ``keyword`` (arrays are native)
NumberField          IntPointField, docValues                     ``integer``
StoredField          StrField, stored only                        ``keyword``, not indexed
==================  ===========================================  ==================================

The analysis chains stand in for interviews/analysis.py with the engines' own Lucene components;
how close each comes is measured by tests/test_search_schema.py with real Lucene and written up
in docs/scaling.md:

- German: lower-case, GermanNormalization (ä->a, ß->ss, as our ``fold``), ASCII folding, our stop
  list, dictionary decompounding at index time only (parts from the same word list our splitter
  uses), German light stemming.
- Chinese: smartcn's HMM word segmenter (Solr module ``analysis-extras``; the Elasticsearch plugin
  ``analysis-smartcn``) with its punctuation stop list.
- English: possessives, lower-case, our stop list (Whoosh's), Porter stemming.
- Other languages: standard words, folded; CJK as bigrams. ``text`` (spelling): words as written.
"""

from __future__ import annotations

import gzip
import json
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import quoteattr

from haystack import connections
from haystack.constants import DEFAULT_ALIAS, DJANGO_CT, DJANGO_ID, ID
from whoosh.analysis import STOP_WORDS as ENGLISH_STOPWORDS

from interviews.search import german
from interviews.search.fields import AnalyzedTextField, ExactField, ExactListField, NumberField, StoredField

#: TurnIndex text field -> analysis chain. A new language field needs a chain here (a test checks).
ANALYSIS = {
    "text": "surface",
    "text_de": "german",
    "text_zh": "chinese",
    "text_en": "english",
    "text_xx": "generic",
}

# Each chain: the steps at index time and, where different, at query time. German compound parts
# are added at index time only, as in analysis.py: a query keeps the compound whole.
CHAINS = {
    "surface": {"index": ["standard", "lowercase"]},
    "german": {
        "index": [
            "standard",
            "lowercase",
            "german_normalization",
            "asciifolding",
            "german_stop",
            "german_decompound",
            "german_stem",
        ],
        "query": ["standard", "lowercase", "german_normalization", "asciifolding", "german_stop", "german_stem"],
    },
    "chinese": {"index": ["smartcn", "smartcn_stop", "cjk_width", "lowercase"]},
    "english": {
        "index": ["standard", "english_possessive", "lowercase", "asciifolding", "english_stop", "porter_stem"]
    },
    "generic": {"index": ["standard", "cjk_width", "lowercase", "asciifolding", "cjk_bigram"]},
}

SOLR_LANG_DIR = "lang"
GERMAN_PARTS_FILE = "de_compound_parts.txt"
GERMAN_STOP_FILE = "stopwords_de.txt"
ENGLISH_STOP_FILE = "stopwords_en.txt"
# Elasticsearch reads word lists relative to each node's config directory.
ES_GERMAN_PARTS_PATH = f"analysis/{GERMAN_PARTS_FILE}"
GERMAN_PARTS_SOURCE = (
    "German compound parts, from interviews/data/de_compound_words.tsv.gz (derived from wordfreq 3.1.1, CC BY-SA 4.0)"
)
DECOMPOUND = {"min_word_size": 8, "min_subword_size": 4, "max_subword_size": 20, "only_longest_match": True}


def _step(kind, solr_class, solr_params=None, es_name=None, es_definition=None):
    return {"kind": kind, "solr": (solr_class, solr_params or {}), "es": (es_name, es_definition)}


def _steps():
    """Every step, as a Solr factory with parameters and an Elasticsearch name (and definition,
    for the ones configured here rather than built in). One table, one entry per step: long
    because it is data, and reads best whole."""
    german_stop = sorted(normalize_german(word) for word in german.GERMAN_STOPWORDS)
    english_stop = sorted(ENGLISH_STOPWORDS)
    return {
        "standard": _step("tokenizer", "solr.StandardTokenizerFactory", es_name="standard"),
        "smartcn": _step("tokenizer", "solr.HMMChineseTokenizerFactory", es_name="smartcn_tokenizer"),
        "lowercase": _step("filter", "solr.LowerCaseFilterFactory", es_name="lowercase"),
        "asciifolding": _step("filter", "solr.ASCIIFoldingFilterFactory", es_name="asciifolding"),
        "cjk_width": _step("filter", "solr.CJKWidthFilterFactory", es_name="cjk_width"),
        "cjk_bigram": _step("filter", "solr.CJKBigramFilterFactory", es_name="cjk_bigram"),
        "porter_stem": _step("filter", "solr.PorterStemFilterFactory", es_name="porter_stem"),
        "german_normalization": _step(
            "filter", "solr.GermanNormalizationFilterFactory", es_name="german_normalization"
        ),
        "german_stem": _step(
            "filter",
            "solr.GermanLightStemFilterFactory",
            es_name="archive_german_stem",
            es_definition={"type": "stemmer", "language": "light_german"},
        ),
        "english_possessive": _step(
            "filter",
            "solr.EnglishPossessiveFilterFactory",
            es_name="archive_english_possessive",
            es_definition={"type": "stemmer", "language": "possessive_english"},
        ),
        "german_stop": _step(
            "filter",
            "solr.StopFilterFactory",
            {"words": f"{SOLR_LANG_DIR}/{GERMAN_STOP_FILE}", "ignoreCase": "true"},
            es_name="archive_german_stop",
            es_definition={"type": "stop", "stopwords": german_stop},
        ),
        "english_stop": _step(
            "filter",
            "solr.StopFilterFactory",
            {"words": f"{SOLR_LANG_DIR}/{ENGLISH_STOP_FILE}", "ignoreCase": "true"},
            es_name="archive_english_stop",
            es_definition={"type": "stop", "stopwords": english_stop},
        ),
        # The smartcn tokenizer emits punctuation as tokens; its own stop list removes them.
        "smartcn_stop": _step(
            "filter",
            "solr.StopFilterFactory",
            {"words": "org/apache/lucene/analysis/cn/smart/stopwords.txt"},
            es_name="smartcn_stop",
        ),
        "german_decompound": _step(
            "filter",
            "solr.DictionaryCompoundWordTokenFilterFactory",
            {
                "dictionary": f"{SOLR_LANG_DIR}/{GERMAN_PARTS_FILE}",
                "minWordSize": str(DECOMPOUND["min_word_size"]),
                "minSubwordSize": str(DECOMPOUND["min_subword_size"]),
                "maxSubwordSize": str(DECOMPOUND["max_subword_size"]),
                "onlyLongestMatch": str(DECOMPOUND["only_longest_match"]).lower(),
            },
            es_name="archive_german_decompound",
            es_definition={"type": "dictionary_decompounder", "word_list_path": ES_GERMAN_PARTS_PATH, **DECOMPOUND},
        ),
    }


# --- Word lists --------------------------------------------------------------------------------------


def normalize_german(word: str) -> str:
    """Lucene's GermanNormalizationFilter in Python: ä/ö/ü -> a/o/u, ß -> ss, and the e of ae, oe
    and ue dropped (ue only when not after a vowel or q). The word lists must be spelled the way
    the filter leaves the text, or the decompounder and the stop filter never match."""
    out = []
    state = "N"  # N: other, V: after a vowel (or q, i, y), U: after an a/o/u that may take an e
    for ch in word:
        if ch in "ao":
            state = "U"
        elif ch == "u":
            state = "U" if state == "N" else "V"
        elif ch == "e":
            if state == "U":
                state = "V"
                continue
            state = "V"
        elif ch in "iqy":
            state = "V"
        elif ch in "äöü":
            ch = {"ä": "a", "ö": "o", "ü": "u"}[ch]
            state = "V"
        elif ch == "ß":
            ch = "ss"
            state = "N"
        else:
            state = "N"
        out.append(ch)
    return "".join(out)


@lru_cache(maxsize=1)
def german_compound_parts() -> list:
    """The parts our splitter (german.split_german_compound) finds in the compounds of its own
    word list, spelled as Lucene normalizes them: the dictionary for Lucene's decompounder.

    Not the whole word list: Lucene emits every dictionary word found anywhere inside a token, so
    with all 57,000 words nearly every long word sprouted fragments (Abmessungen -> sung, Begleiter
    -> leit). With the parts our splitter really uses the fragments halve; what is left is measured
    in docs/scaling.md.
    """
    parts = set()
    with gzip.open(german.GERMAN_WORDLIST, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip() and not line.startswith("#"):
                parts.update(german.split_german_compound(line.split("\t", 1)[0]))
    return sorted({normalize_german(part) for part in parts})


# --- The fields --------------------------------------------------------------------------------------


def turn_fields() -> dict:
    """TurnIndex's fields by index name, in declaration order."""
    return dict(connections[DEFAULT_ALIAS].get_unified_index().all_searchfields())


def field_kind(field) -> str:
    for kind, cls in (
        ("text", AnalyzedTextField),
        ("exact_list", ExactListField),
        ("exact", ExactField),
        ("number", NumberField),
        ("stored", StoredField),
    ):
        if isinstance(field, cls):
            return kind
    raise ValueError(f"{field.index_fieldname}: a {type(field).__name__} has no Solr/Elasticsearch mapping here")


def document_field(fields) -> str:
    return next(name for name, field in fields.items() if field.document)


# --- Solr --------------------------------------------------------------------------------------------


def _solr_analyzer(steps, kind_attr, names) -> list:
    lines = [f"    <analyzer{kind_attr}>"]
    for name in names:
        step = steps[name]
        cls, params = step["solr"]
        attrs = "".join(f" {key}={quoteattr(value)}" for key, value in params.items())
        lines.append(f'      <{step["kind"]} class="{cls}"{attrs}/>')
    lines.append("    </analyzer>")
    return lines


def solr_schema() -> str:
    fields = turn_fields()
    steps = _steps()
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        # No double hyphen inside an XML comment: the file would not parse.
        "<!-- Generated by manage.py export_search_schema (engine solr) from interviews/search_indexes.py",
        "     and interviews/search_schema.py: change those and export again, never this file. -->",
        '<schema name="founder-interview-archive" version="1.6">',
        "  <uniqueKey>id</uniqueKey>",
        "",
        '  <fieldType name="string" class="solr.StrField" sortMissingLast="true" docValues="true"/>',
        '  <fieldType name="int" class="solr.IntPointField" docValues="true"/>',
        '  <fieldType name="long" class="solr.LongPointField" docValues="true"/>',
    ]
    for chain, analyzers in CHAINS.items():
        out.append(f'  <fieldType name="text_{chain}" class="solr.TextField" positionIncrementGap="100">')
        if "query" in analyzers:
            out += _solr_analyzer(steps, ' type="index"', analyzers["index"])
            out += _solr_analyzer(steps, ' type="query"', analyzers["query"])
        else:
            out += _solr_analyzer(steps, "", analyzers["index"])
        out.append("  </fieldType>")
    out += [
        "",
        f'  <field name="{ID}" type="string" indexed="true" stored="true" required="true"/>',
        f'  <field name="{DJANGO_CT}" type="string" indexed="true" stored="true"/>',
        f'  <field name="{DJANGO_ID}" type="string" indexed="true" stored="true"/>',
        '  <field name="_version_" type="long" indexed="false" stored="false"/>',
    ]
    for name, field in fields.items():
        kind = field_kind(field)
        stored = "true" if field.stored else "false"
        if kind == "text":
            out.append(f'  <field name="{name}" type="text_{ANALYSIS[name]}" indexed="true" stored="{stored}"/>')
        elif kind in ("exact", "exact_list"):
            multi = ' multiValued="true"' if kind == "exact_list" else ""
            out.append(f'  <field name="{name}" type="string" indexed="true" stored="{stored}"{multi}/>')
        elif kind == "number":
            out.append(f'  <field name="{name}" type="int" indexed="true" stored="{stored}"/>')
        else:
            out.append(f'  <field name="{name}" type="string" indexed="false" stored="true" docValues="false"/>')
    out += ["</schema>", ""]
    return "\n".join(out)


SOLRCONFIG = """<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by manage.py export_search_schema (engine solr) from interviews/search_schema.py. -->
<config>
  <luceneMatchVersion>9.0</luceneMatchVersion>
  <dataDir>${solr.data.dir:}</dataDir>
  <directoryFactory name="DirectoryFactory" class="${solr.directoryFactory:solr.NRTCachingDirectoryFactory}"/>
  <codecFactory class="solr.SchemaCodecFactory"/>
  <!-- schema.xml as generated, never changed through the API. -->
  <schemaFactory class="ClassicIndexSchemaFactory"/>
  <indexConfig>
    <lockType>${solr.lock.type:native}</lockType>
  </indexConfig>
  <updateHandler class="solr.DirectUpdateHandler2">
    <!-- SolrCloud needs the update log (and the _version_ field in the schema). -->
    <updateLog>
      <str name="dir">${solr.ulog.dir:}</str>
    </updateLog>
    <autoCommit>
      <maxTime>${solr.autoCommit.maxTime:15000}</maxTime>
      <openSearcher>false</openSearcher>
    </autoCommit>
    <!-- Haystack commits after each batch it writes; this bounds visibility for anything else. -->
    <autoSoftCommit>
      <maxTime>${solr.autoSoftCommit.maxTime:1000}</maxTime>
    </autoSoftCommit>
  </updateHandler>
  <query>
    <filterCache size="512" initialSize="512" autowarmCount="128"/>
    <queryResultCache size="512" initialSize="512" autowarmCount="0"/>
    <documentCache size="512" initialSize="512" autowarmCount="0"/>
    <enableLazyFieldLoading>true</enableLazyFieldLoading>
    <useColdSearcher>false</useColdSearcher>
  </query>
  <requestDispatcher>
    <requestParsers enableRemoteStreaming="false" multipartUploadLimitInKB="2048" formdataUploadLimitInKB="2048"/>
  </requestDispatcher>
  <requestHandler name="/select" class="solr.SearchHandler">
    <lst name="defaults">
      <!-- Every word must match, also the several words one term of a query can analyse into. -->
      <str name="q.op">AND</str>
      <str name="df">{document_field}</str>
      <!-- Facets list every value that has documents (the filters take only values the index has). -->
      <str name="facet.mincount">1</str>
      <str name="facet.limit">-1</str>
    </lst>
  </requestHandler>
</config>
"""


def solr_files() -> dict:
    """The Solr configset: ``{path under deploy/solr/: text}``."""
    return {
        "conf/schema.xml": solr_schema(),
        "conf/solrconfig.xml": SOLRCONFIG.replace("{document_field}", document_field(turn_fields())),
        f"conf/{SOLR_LANG_DIR}/{GERMAN_PARTS_FILE}": _word_file(german_compound_parts(), GERMAN_PARTS_SOURCE),
        f"conf/{SOLR_LANG_DIR}/{GERMAN_STOP_FILE}": _word_file(
            sorted(normalize_german(w) for w in german.GERMAN_STOPWORDS), "German stop words (analysis.py)"
        ),
        f"conf/{SOLR_LANG_DIR}/{ENGLISH_STOP_FILE}": _word_file(
            sorted(ENGLISH_STOPWORDS), "English stop words (Whoosh's)"
        ),
    }


def _word_file(words, what) -> str:
    return (
        f"# {what}: generated by `manage.py export_search_schema` (interviews/search_schema.py).\n"
        + "\n".join(words)
        + "\n"
    )


# --- Elasticsearch -------------------------------------------------------------------------------------


def elasticsearch_analysis() -> dict:
    steps = _steps()
    analyzers, filters, tokenizers = {}, {}, {}

    def analyzer(names):
        tokenizer, *rest = names
        for name in names:
            es_name, definition = steps[name]["es"]
            if definition:
                (tokenizers if steps[name]["kind"] == "tokenizer" else filters)[es_name] = definition
        return {"type": "custom", "tokenizer": steps[tokenizer]["es"][0], "filter": [steps[n]["es"][0] for n in rest]}

    for chain, chain_steps in CHAINS.items():
        analyzers[f"archive_{chain}"] = analyzer(chain_steps["index"])
        if "query" in chain_steps:
            analyzers[f"archive_{chain}_query"] = analyzer(chain_steps["query"])
    analysis_settings = {"analyzer": analyzers, "filter": dict(sorted(filters.items()))}
    if tokenizers:
        analysis_settings["tokenizer"] = tokenizers
    return analysis_settings


def elasticsearch_properties(fields) -> dict:
    properties = {ID: {"type": "keyword"}, DJANGO_CT: {"type": "keyword"}, DJANGO_ID: {"type": "keyword"}}
    for name, field in fields.items():
        kind = field_kind(field)
        if kind == "text":
            chain = ANALYSIS[name]
            mapping = {"type": "text", "analyzer": f"archive_{chain}"}
            if "query" in CHAINS[chain]:
                mapping["search_analyzer"] = f"archive_{chain}_query"
        elif kind in ("exact", "exact_list"):
            mapping = {"type": "keyword"}
        elif kind == "number":
            mapping = {"type": "integer"}
        else:
            mapping = {"type": "keyword", "index": False, "doc_values": False}
        properties[name] = mapping
    return properties


def elasticsearch_index() -> dict:
    """The body of ``PUT /<index>``: analysis settings and a strict mapping."""
    return {
        "settings": {"analysis": elasticsearch_analysis()},
        # strict: a document with a field not declared here is refused, not guessed at.
        "mappings": {"dynamic": "strict", "properties": elasticsearch_properties(turn_fields())},
    }


def elasticsearch_files() -> dict:
    """``{path under deploy/elasticsearch/: text}``."""
    return {
        "index.json": json.dumps(elasticsearch_index(), indent=2, ensure_ascii=False) + "\n",
        f"config/{ES_GERMAN_PARTS_PATH}": _word_file(german_compound_parts(), GERMAN_PARTS_SOURCE),
    }


FILES = {"solr": solr_files, "elasticsearch": elasticsearch_files}


def export(engine: str, directory, *, check=False) -> list:
    """Write ``engine``'s files under ``directory``; ``[(path, "written"|"unchanged"|"differs")]``.
    With ``check``, write nothing and report which files differ from what the code generates."""
    results = []
    for relative, text in FILES[engine]().items():
        path = Path(directory) / relative
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            results.append((path, "unchanged"))
        elif check:
            results.append((path, "differs"))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            results.append((path, "written"))
    return results
