"""Real Lucene analysis for the Solr and Elasticsearch schemas (deploy/), without a server.

No Solr or Elasticsearch server can run here, but Debian packages Lucene 8 (``liblucene8-java``:
the analyzers Elasticsearch 7 runs, and Solr 8's; Solr 9's factories take the same names and
parameters). ``analyze()`` builds each analysis chain of deploy/solr/conf/schema.xml with Lucene's
own factories, exactly as Solr reads them, and returns the tokens.
"""

import glob
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
JARS = ("lucene-core-8*.jar", "lucene-analyzers-common-8*.jar", "lucene-analyzers-smartcn-8*.jar")
PACKAGES = "default-jdk-headless liblucene8-java"


def missing() -> str:
    """Why Lucene cannot run here, or "" when it can."""
    if not shutil.which("javac"):
        return f"no JDK (apt-get install {PACKAGES})"
    for pattern in JARS:
        if not glob.glob(f"/usr/share/java/{pattern}"):
            return f"no {pattern} in /usr/share/java (apt-get install {PACKAGES})"
    return ""


def _jars() -> list:
    return [sorted(glob.glob(f"/usr/share/java/{pattern}"))[-1] for pattern in JARS]


@lru_cache(maxsize=1)
def _classes() -> str:
    out = tempfile.mkdtemp(prefix="lucene-analysis-")
    subprocess.run(
        ["javac", "-nowarn", "-cp", ":".join(_jars()), "-d", out, str(HERE / "AnalyzeWithLucene.java")],
        check=True,
        capture_output=True,
        text=True,
    )
    return out


def schema_chains(schema_path) -> dict:
    """``{(field type, "index"|"query"): [(tokenizer|filter, factory class, {param: value})]}``."""
    chains = {}
    for field_type in ET.parse(schema_path).getroot().findall("fieldType"):
        for analyzer in field_type.findall("analyzer"):
            steps = [
                (el.tag, el.attrib["class"].rsplit(".", 1)[-1], {k: v for k, v in el.attrib.items() if k != "class"})
                for el in analyzer
            ]
            kinds = [analyzer.attrib["type"]] if "type" in analyzer.attrib else ["index", "query"]
            for kind in kinds:
                chains[(field_type.attrib["name"], kind)] = steps
    return chains


def analyze(conf_dir, jobs) -> list:
    """Run each ``(steps, texts)`` job through Lucene in one JVM; per job, per text, its tokens."""
    lines = []
    for steps, texts in jobs:
        lines.append(f"ANALYZER\t{conf_dir}")
        for tag, factory, params in steps:
            lines.append("\t".join([tag.upper(), factory, *(f"{k}={v}" for k, v in params.items())]))
        lines += ["TEXT\t" + " ".join(text.split()) for text in texts]
    result = subprocess.run(
        ["java", "-cp", ":".join([*_jars(), _classes()]), "AnalyzeWithLucene"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode:
        raise RuntimeError(result.stderr[-3000:])
    output = iter(result.stdout.split("\n"))
    return [[[token.split(":", 1)[1] for token in next(output).split()] for _ in texts] for _, texts in jobs]
