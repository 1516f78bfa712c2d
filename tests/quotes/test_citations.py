"""Citations of a quote: plain text (APA-like), BibTeX, CSL-JSON."""

import datetime
import io
import json

import pytest
from django.core.management import call_command

from interviews.models import Turn
from interviews.quotes.citations import CitationSource, Name, bibtex, bibtex_escape, citation_for_turn, csl, plain_text
from tests.factories import SEEDS

DE_NOTE = (
    "Machine translation into German of an abridged Chinese article by QbitAI (量子位). Abridged: large parts "
    'of the conversation are left out or merged. Known mistranslations include "Bildungsministerium" for a '
    'mixture-of-experts model and "Lesson Learning" for curriculum learning.'
)
ZH_NOTE = (
    "Full Chinese translation published by the WeChat account 有新Newin. The source lost one answer (two host "
    "turns in a row) and moved part of an answer into the wrong turn."
)
TITLE = "20VC: Aidan Gomez, Cohere, with Harry Stebbings"


def source(**kw) -> CitationSource:
    base = dict(
        key="abcd2345",
        speaker="Aidan Gomez",
        interviewers=("Harry Stebbings",),
        title="A talk",
        programme="A show",
        date=datetime.date(2024, 8, 24),
        language="en",
        translation="original",
        publisher="",
        translator_note="",
        url="https://archive.example/q/abcd2345/",
    )
    base.update(kw)
    return CitationSource(**base)


@pytest.fixture
def seed_turns(db):
    call_command("ingest", str(SEEDS), stdout=io.StringIO())

    def first_answer(language):
        turn = Turn.objects.for_display().filter(transcript__language=language, speaker__name="Aidan Gomez").first()
        return turn, f"https://archive.example{turn.get_absolute_url()}"

    return first_answer


def test_german_seed_citation_names_everything(seed_turns):
    """The German machine translation is cited with speaker, interviewer, programme, date,
    publisher, the kind of translation (once) and the permalink; BibTeX also carries the note."""
    turn, url = seed_turns("de")
    citation = citation_for_turn(turn, url)
    assert citation.text == (
        f"Gomez, A. (2024, August 24). {TITLE} [Interview by H. Stebbings; German machine translation]. "
        f"20VC (The Twenty Minute VC). QbitAI (量子位). {url}"
    )
    assert citation.bibtex == (
        f"@misc{{gomez2024_{turn.key},\n"
        "  author = {Gomez, Aidan},\n"
        f"  title = {{{{{TITLE}}}}},\n"
        "  howpublished = {20VC (The Twenty Minute VC)},\n"
        "  year = {2024},\n"
        "  month = aug,\n"
        "  date = {2024-08-24},\n"
        "  publisher = {QbitAI (量子位), German machine translation},\n"
        "  language = {German},\n"
        f"  note = {{Interview by Harry Stebbings. German machine translation. Note on the translation: {DE_NOTE}}},\n"
        f"  url = {{{url}}},\n"
        "}"
    )
    assert json.loads(citation.csl_json) == [
        {
            "id": turn.key,
            "type": "interview",
            "title": TITLE,
            "author": [{"family": "Gomez", "given": "Aidan"}],
            "interviewer": [{"family": "Stebbings", "given": "Harry"}],
            "container-title": "20VC (The Twenty Minute VC)",
            "issued": {"date-parts": [[2024, 8, 24]]},
            "publisher": "QbitAI (量子位), German machine translation",
            "language": "de",
            "genre": "German machine translation",
            "note": f"Note on the translation: {DE_NOTE}",
            "URL": url,
        }
    ]


def test_chinese_seed_citation_is_a_human_translation_dated_by_the_interview(seed_turns):
    """The Chinese rendition has no publication date of its own: it takes the interview's date."""
    turn, url = seed_turns("zh")
    citation = citation_for_turn(turn, url)
    assert citation.text == (
        f"Gomez, A. (2024, August 24). {TITLE} [Interview by H. Stebbings; Chinese translation]. "
        f"20VC (The Twenty Minute VC). 有新Newin (WeChat). {url}"
    )
    assert "  publisher = {有新Newin (WeChat)},\n" in citation.bibtex
    assert "  language = {Chinese},\n" in citation.bibtex
    item = citation.csl
    assert item["genre"] == "Chinese translation" and item["language"] == "zh"
    assert item["issued"] == {"date-parts": [[2024, 8, 24]]}
    assert item["note"] == f"Note on the translation: {ZH_NOTE}"


def test_original_language_quote_is_not_called_a_translation():
    c = source()
    assert "translation" not in plain_text(c)
    assert "[Interview by H. Stebbings]." in plain_text(c)
    assert "genre" not in csl(c)


def test_undated_quote_says_no_date():
    c = source(date=None)
    assert "(n.d.)." in plain_text(c)
    assert "year" not in bibtex(c) and "month" not in bibtex(c)
    assert "issued" not in csl(c)


def test_chinese_speaker_name_is_kept_whole():
    """A CJK name is not inverted or abbreviated; BibTeX braces it so it is not split."""
    c = source(speaker="梁文锋", interviewers=("张小珺",))
    assert plain_text(c).startswith("梁文锋. (2024, August 24).")
    assert "[Interview by 张小珺]" in plain_text(c)
    assert "  author = {{梁文锋}},\n" in bibtex(c)
    assert bibtex(c).startswith("@misc{quote2024_abcd2345,")
    assert csl(c)["author"] == [{"literal": "梁文锋"}]


@pytest.mark.parametrize(
    "name,family,given,initials",
    [
        ("Aidan Gomez", "Gomez", "Aidan", "A."),
        ("Guido van Rossum", "van Rossum", "Guido", "G."),
        ("Jean-Luc Picard", "Picard", "Jean-Luc", "J.-L."),
        ("Mary Ann Evans", "Evans", "Mary Ann", "M. A."),
    ],
)
def test_latin_names_are_split_for_citation(name, family, given, initials):
    parsed = Name.parse(name)
    assert (parsed.family, parsed.given, parsed.initials) == (family, given, initials)


def test_single_word_speaker_is_kept_whole():
    assert Name.parse("Moderator").apa_inverted() == "Moderator"


def test_several_interviewers_are_joined():
    c = source(interviewers=("Sarah Guo", "Elad Gil"))
    assert "[Interview by S. Guo & E. Gil]" in plain_text(c)
    assert [p["family"] for p in csl(c)["interviewer"]] == ["Guo", "Gil"]


def test_bibtex_special_characters_are_escaped():
    """A title with & % $ # _ { } does not break a LaTeX document."""
    c = source(title="R&D at 100% {fast} $$ #1 a_b ~x^y \\z")
    entry = bibtex(c)
    assert (
        r"title = {{R\&D at 100\% \{fast\} \$\$ \#1 a\_b \textasciitilde{}x\textasciicircum{}y \textbackslash{}z}}"
        in entry
    )
    assert entry.count("{") - entry.count(r"\{") == entry.count("}") - entry.count(r"\}")


def test_bibtex_escape_collapses_newlines():
    assert bibtex_escape("a\n\nb") == "a b"


def test_span_link_is_what_gets_cited():
    c = source(url="https://archive.example/q/abcd2345/?s=3-9&h=1x2")
    assert plain_text(c).endswith("https://archive.example/q/abcd2345/?s=3-9&h=1x2")
    assert "  url = {https://archive.example/q/abcd2345/?s=3-9&h=1x2},\n" in bibtex(c)
