"""The parser on real published transcripts (tests/fixtures/real/, see docs/parsing.md)."""

from pathlib import Path

from interviews.parsing.evaluation import count_correct, evaluate_dir

REAL = Path(__file__).resolve().parent.parent / "fixtures" / "real"
# The score when this floor was set was 0.957; a change that loses turns on real pages fails here.
F1_FLOOR = 0.95


def test_dev_set_turn_f1_stays_above_the_floor(capsys):
    """Prints the per-file table (`pytest -s` shows it; `manage.py parse_eval` prints the same)."""
    score = evaluate_dir(REAL)
    with capsys.disabled():
        print("\n" + score.report())
    assert len(score.files) >= 30
    assert score.f1 >= F1_FLOOR
    # Every file's language is found, the refused ones too (as the upload preview reads them).
    assert score.languages_detected == len(score.files)


def test_dev_set_covers_six_languages_and_twelve_layouts():
    score = evaluate_dir(REAL)
    assert len({f.language for f in score.files}) >= 6
    assert len({f.layout for f in score.files}) >= 12


def test_a_turn_counts_when_its_first_words_and_its_person_match():
    expected = [("SPIEGEL", "Herr Braun, was"), ("Braun", "Ich finde")]
    assert count_correct(expected, [("Q", "Herr Braun, was überwiegt"), ("Ralf Braun", "Ich finde es")]) == 2
    assert count_correct(expected, [("Q", "Herr Braun, was überwiegt"), ("Q", "Ich finde es")]) == 1
    assert count_correct(expected, [("Q", "date 2018 Herr Braun"), ("A", "Ich finde es")]) == 1
