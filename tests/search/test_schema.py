"""The Solr and Elasticsearch schemas in deploy/ (interviews/search_schema.py, export_search_schema).

No Solr or Elasticsearch server can run here. What can be checked is checked: the files are what
the code generates, well-formed, declare every TurnIndex field with the right type, the engines
load with them through Haystack, and every analysis chain of the Solr schema runs in real Lucene
(Debian's liblucene8-java, the Lucene of Elasticsearch 7) with the German and Chinese results the
archive promises.
"""

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.core.management import call_command
from haystack import connections

from interviews.search import german
from interviews.search import schema as search_schema
from interviews.search.fields import AnalyzedTextField, ExactField, ExactListField, NumberField, StoredField
from interviews.search.indexes import TurnIndex
from tests.search import lucene

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SOLR_CONF = DEPLOY / "solr" / "conf"
ES_DIR = DEPLOY / "elasticsearch"
INDEX_FIELDS = TurnIndex.fields  # name -> field, as declared

# Elasticsearch 7's built-in tokenizers and filters used here, and those of the analysis-smartcn plugin.
ES_BUILT_IN = {
    "standard",
    "lowercase",
    "asciifolding",
    "cjk_width",
    "cjk_bigram",
    "porter_stem",
    "german_normalization",
}
ES_SMARTCN = {"smartcn_tokenizer", "smartcn_stop"}


def expected_kind(field):
    for cls, kind in (
        (AnalyzedTextField, "text"),
        (ExactListField, "exact_list"),
        (ExactField, "exact"),
        (NumberField, "number"),
        (StoredField, "stored"),
    ):
        if isinstance(field, cls):
            return kind
    raise AssertionError(f"{field} has no kind")


# --- deploy/ is what the code generates ------------------------------------------------------------


@pytest.mark.parametrize("engine", ["solr", "elasticsearch"])
def test_deploy_files_are_what_the_index_declares(engine):
    """A field added to TurnIndex without exporting again fails here, naming the command."""
    stale = [
        str(path) for path, status in search_schema.export(engine, DEPLOY / engine, check=True) if status != "unchanged"
    ]
    assert not stale, f"out of date, run manage.py export_search_schema --engine {engine}: {stale}"


def test_export_command_writes_and_checks(tmp_path, capsys):
    call_command("export_search_schema", "--engine", "solr", "--output", str(tmp_path))
    assert (tmp_path / "conf" / "schema.xml").read_text() == (SOLR_CONF / "schema.xml").read_text()
    call_command("export_search_schema", "--engine", "solr", "--output", str(tmp_path), "--check")
    assert "differs" not in capsys.readouterr().out
    (tmp_path / "conf" / "schema.xml").write_text("<schema/>")
    with pytest.raises(SystemExit):
        call_command("export_search_schema", "--engine", "solr", "--output", str(tmp_path), "--check")
    assert "differs" in capsys.readouterr().out


def test_export_to_an_unwritable_place_says_so(tmp_path):
    from django.core.management.base import CommandError

    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(CommandError, match="cannot write to"):
        call_command("export_search_schema", "--engine", "elasticsearch", "--output", str(blocker))


def test_every_text_field_has_an_analysis_chain():
    text_fields = {name for name, field in INDEX_FIELDS.items() if isinstance(field, AnalyzedTextField)}
    assert text_fields == set(search_schema.ANALYSIS)


# --- Solr ----------------------------------------------------------------------------------------------


def solr_schema():
    return ET.parse(SOLR_CONF / "schema.xml").getroot()  # raises on a file that is not well-formed XML


def test_solr_schema_declares_every_field_with_its_type():
    root = solr_schema()
    types = {t.attrib["name"]: t for t in root.findall("fieldType")}
    fields = {f.attrib["name"]: f.attrib for f in root.findall("field")}
    assert root.find("uniqueKey").text == "id" and fields["id"]["required"] == "true"
    assert {"id", "django_ct", "django_id", "_version_"} <= set(fields)
    assert set(fields) - {"id", "django_ct", "django_id", "_version_"} == set(INDEX_FIELDS)
    for name, field in INDEX_FIELDS.items():
        attrs, kind = fields[name], expected_kind(field)
        field_type = types[attrs["type"]].attrib
        if kind == "text":
            assert field_type["class"] == "solr.TextField", name
            assert attrs["type"] == f"text_{search_schema.ANALYSIS[name]}", name
        elif kind in ("exact", "exact_list"):  # facets and sorting: whole values with docValues
            assert field_type["class"] == "solr.StrField" and field_type["docValues"] == "true", name
            assert attrs.get("multiValued", "false") == ("true" if kind == "exact_list" else "false"), name
        elif kind == "number":
            assert field_type["class"] == "solr.IntPointField" and field_type["docValues"] == "true", name
        else:
            assert attrs["indexed"] == "false" and attrs["stored"] == "true", name
        assert attrs["stored"] == ("true" if field.stored else "false"), name


def test_solr_analysis_resources_are_in_the_configset():
    for element in solr_schema().iter():
        for attribute in ("words", "dictionary"):
            resource = element.attrib.get(attribute)
            if resource and not resource.startswith("org/apache/lucene/"):  # those ship inside Lucene's jars
                assert (SOLR_CONF / resource).is_file(), resource


def test_solrconfig_reads_the_schema_file_and_matches_every_word():
    root = ET.parse(SOLR_CONF / "solrconfig.xml").getroot()
    assert root.find("schemaFactory").attrib["class"] == "ClassicIndexSchemaFactory"
    assert root.find("updateHandler/updateLog") is not None  # SolrCloud needs it
    defaults = {e.attrib["name"]: e.text for e in root.find("requestHandler[@name='/select']/lst[@name='defaults']")}
    assert defaults["q.op"] == "AND"
    assert defaults["df"] == search_schema.document_field(INDEX_FIELDS) == "text"
    assert (defaults["facet.mincount"], defaults["facet.limit"]) == ("1", "-1")


# --- Elasticsearch -------------------------------------------------------------------------------------


def es_index():
    return json.loads((ES_DIR / "index.json").read_text())


def test_elasticsearch_mapping_declares_every_field_with_its_type():
    mappings = es_index()["mappings"]
    assert mappings["dynamic"] == "strict"
    properties = mappings["properties"]
    assert set(properties) - {"id", "django_ct", "django_id"} == set(INDEX_FIELDS)
    analyzers = es_index()["settings"]["analysis"]["analyzer"]
    expected = {"exact": "keyword", "exact_list": "keyword", "number": "integer", "stored": "keyword"}
    for name, field in INDEX_FIELDS.items():
        kind = expected_kind(field)
        if kind == "text":
            assert properties[name]["type"] == "text"
            assert properties[name]["analyzer"] in analyzers
            assert properties[name].get("search_analyzer", properties[name]["analyzer"]) in analyzers
        else:
            assert properties[name]["type"] == expected[kind], name
        if kind == "stored":
            assert properties[name]["index"] is False


def test_elasticsearch_analyzers_use_defined_or_built_in_parts():
    analysis_settings = es_index()["settings"]["analysis"]
    defined_filters = set(analysis_settings["filter"])
    for name, analyzer in analysis_settings["analyzer"].items():
        assert analyzer["tokenizer"] in ES_BUILT_IN | ES_SMARTCN, name
        for filter_name in analyzer["filter"]:
            assert filter_name in ES_BUILT_IN | ES_SMARTCN | defined_filters, (name, filter_name)
    decompounder = analysis_settings["filter"]["archive_german_decompound"]
    assert decompounder["type"] == "dictionary_decompounder"
    assert (ES_DIR / "config" / decompounder["word_list_path"]).is_file()
    assert analysis_settings["filter"]["archive_german_stem"] == {"type": "stemmer", "language": "light_german"}


# --- The engines load with these schemas (no server needed to build them) --------------------------------


@pytest.fixture
def engine(settings, monkeypatch):
    """Point the default connection at SEARCH_URL's engine, as settings.py would."""
    from archive.settings import search_connection

    previous = settings.HAYSTACK_CONNECTIONS

    def use(url):
        settings.HAYSTACK_CONNECTIONS = {"default": search_connection(url, Path("/unused"))}
        monkeypatch.setattr(connections, "connections_info", settings.HAYSTACK_CONNECTIONS)
        connections.reload("default")
        return connections["default"].get_backend()

    yield use
    settings.HAYSTACK_CONNECTIONS = previous
    monkeypatch.undo()
    connections.reload("default")


def test_elasticsearch_engine_creates_the_index_from_the_deploy_body(engine):
    backend = engine("elasticsearch://es1.invalid:9200/archive")
    assert type(backend).__name__ == "ArchiveElasticsearch7Backend"
    assert backend.index_name == "archive" and backend.silently_fail is False
    content_field, properties = backend.build_schema(connections["default"].get_unified_index().all_searchfields())
    assert content_field == "text"
    assert backend._get_current_mapping(properties) == es_index()["mappings"]
    assert backend.DEFAULT_SETTINGS == {"settings": es_index()["settings"]}


def test_elasticsearch_engine_asks_for_every_facet_value(engine):
    backend = engine("elasticsearch://es1.invalid:9200/archive")
    kwargs = backend.build_search_kwargs("*:*", facets={"speaker": {}, "topics": {}})
    assert kwargs["aggs"]["speaker"]["terms"] == {"field": "speaker", "size": 10_000}


def test_solr_engine_loads_with_the_configured_collection(engine):
    backend = engine("solr+https://solr1.invalid:8983/solr/archive")
    assert type(backend).__name__ == "SolrSearchBackend"
    assert backend.conn.url == "https://solr1.invalid:8983/solr/archive"
    assert backend.silently_fail is False


# --- The analysis chains in real Lucene -------------------------------------------------------------------

needs_lucene = pytest.mark.skipif(
    bool(lucene.missing()) and os.environ.get("CI") != "true", reason=lucene.missing() or "Lucene is here"
)


@pytest.fixture(scope="module")
def lucene_tokens():
    """``tokens(field type, "index"|"query", text)``: every sample analysed in one JVM."""
    if lucene.missing():
        pytest.fail(f"Lucene must run in CI (.ci/run installs it): {lucene.missing()}")
    samples = {
        "text_german": [
            "Datenqualität",
            "datenqualitat",
            "Daten",
            "Qualität",
            "Modelle",
            "Modell",
            "Rechenleistung",
            "Rechen",
            "Leistung",
            "Die Daten und der Gründer",
            "Straße Häuser Café",
        ],
        "text_chinese": ["数据质量至关重要。我们的重点是合成数据。", "数据质量", "合成数据", "GPT-4 的数据"],
        "text_english": ["Cohere's models", "model", "The dumbest way", "Wiśniewski's naïve ﬁrst Æsop"],
        "text_generic": ["データ品質 Café"],
        "text_surface": ["Datenqualität 数据"],
    }
    chains = lucene.schema_chains(SOLR_CONF / "schema.xml")
    jobs = [(chains[(field_type, kind)], texts) for field_type, texts in samples.items() for kind in ("index", "query")]
    jobs += [(steps, ["x"]) for steps in chains.values()]  # every chain builds (factories, parameters, files)
    results = iter(lucene.analyze(SOLR_CONF, jobs))
    table = {}
    for field_type, texts in samples.items():
        for kind in ("index", "query"):
            table.update({(field_type, kind, text): tokens for text, tokens in zip(texts, next(results))})
    return lambda field_type, kind, text: table[(field_type, kind, text)]


@needs_lucene
def test_german_compounds_are_found_by_their_parts_in_lucene(lucene_tokens):
    indexed = set(lucene_tokens("text_german", "index", "Datenqualität"))
    for query in ["Datenqualität", "datenqualitat", "Daten", "Qualität"]:
        assert lucene_tokens("text_german", "query", query)[0] in indexed, query
    rechenleistung = set(lucene_tokens("text_german", "index", "Rechenleistung"))
    assert lucene_tokens("text_german", "query", "Leistung")[0] in rechenleistung
    # A query keeps the compound whole, as in analysis.py.
    assert len(lucene_tokens("text_german", "query", "Datenqualität")) == 1


@needs_lucene
def test_german_stems_and_folds_in_lucene(lucene_tokens):
    assert lucene_tokens("text_german", "query", "Modelle") == lucene_tokens("text_german", "query", "Modell")
    assert lucene_tokens("text_german", "query", "Die Daten und der Gründer") == ["dat", "grund"]
    assert lucene_tokens("text_german", "query", "Straße Häuser Café") == ["strass", "haus", "caf"]


@needs_lucene
def test_chinese_is_segmented_into_words_in_lucene(lucene_tokens):
    sentence = lucene_tokens("text_chinese", "index", "数据质量至关重要。我们的重点是合成数据。")
    assert {"数据", "质量", "合成"} <= set(sentence)
    assert "，" not in sentence and "," not in sentence  # punctuation removed
    for query in ["数据质量", "合成数据"]:
        assert set(lucene_tokens("text_chinese", "query", query)) <= set(sentence), query
    assert lucene_tokens("text_chinese", "query", "GPT-4 的数据")[:2] == ["gpt", "4"]


@needs_lucene
def test_english_and_other_languages_in_lucene(lucene_tokens):
    assert lucene_tokens("text_english", "index", "Cohere's models") == ["coher", "model"]
    assert lucene_tokens("text_english", "query", "model") == ["model"]
    assert lucene_tokens("text_english", "query", "The dumbest way") == ["dumbest", "wai"]
    assert lucene_tokens("text_english", "query", "Wiśniewski's naïve ﬁrst Æsop") == [
        "wisniewski",
        "naiv",
        "first",
        "aesop",
    ]
    assert lucene_tokens("text_generic", "index", "データ品質 Café") == ["デー", "ータ", "タ品", "品質", "cafe"]
    assert lucene_tokens("text_surface", "index", "Datenqualität 数据") == ["datenqualität", "数", "据"]


@needs_lucene
def test_word_lists_are_spelled_as_lucene_normalizes_german():
    """The stop words and compound parts must be spelled the way GermanNormalizationFilter leaves
    text, or they never match: search_schema.normalize_german against Lucene's own filter."""
    words = [
        "Quelle",
        "neue",
        "Straße",
        "Mauer",
        "Bauer",
        "Aerodynamik",
        "Goethe",
        "Müller",
        "Feuer",
        "Trauer",
        "über",
        "Bäume",
        "ausgeübt",
        "Koeffizient",
        "Poet",
        "Duell",
        "Zuerst",
        "Frauen",
        "Dauer",
        "Ozean",
    ]
    steps = [
        ("tokenizer", "KeywordTokenizerFactory", {}),
        ("filter", "LowerCaseFilterFactory", {}),
        ("filter", "GermanNormalizationFilterFactory", {}),
    ]
    (tokens,) = lucene.analyze(SOLR_CONF, [(steps, words)])
    assert [search_schema.normalize_german(word.lower()) for word in words] == [t[0] for t in tokens]
    stop_file = (SOLR_CONF / "lang" / "stopwords_de.txt").read_text().split("\n")
    assert {search_schema.normalize_german(w) for w in german.GERMAN_STOPWORDS} <= set(stop_file)
