"""Side by side folds each run of turns that only one translation has into one expandable row, so
the page does not open with a run of empty "Not in this translation" cells."""

import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from interviews.models import Interview
from interviews.translations.store import Row, fold_unmatched
from tests.factories import SEEDS


def rows(*shapes):
    """Rows from shapes: "lr" both sides, "l" left only, "r" right only; "l#" also starts a section."""
    return [
        Row(
            left=["turn"] if "l" in shape else [],
            right=["turn"] if "r" in shape else [],
            left_heading="Section" if "#" in shape else "",
        )
        for shape in shapes
    ]


def test_a_run_of_rows_with_one_side_only_is_one_fold():
    table = rows("r", "r", "r", "lr")
    [fold] = fold_unmatched(table)
    assert fold.side == "right" and fold.turn_count == 3 and fold.rows == table[:3]
    assert table[0].fold is fold and table[2].ends_fold
    assert table[1].fold is None and not table[1].ends_fold and table[3].fold is None


def test_a_single_unmatched_row_stays_a_row():
    table = rows("lr", "l", "lr", "r")
    assert fold_unmatched(table) == []
    assert all(row.fold is None and not row.ends_fold for row in table)


def test_runs_on_different_sides_fold_apart():
    folds = fold_unmatched(rows("l", "l", "r", "r", "r"))
    assert [(fold.side, fold.turn_count) for fold in folds] == [("left", 2), ("right", 3)]


def test_a_row_that_starts_a_section_is_not_folded():
    table = rows("l", "l", "l#", "l", "l")
    folds = fold_unmatched(table)
    assert [fold.rows for fold in folds] == [table[:2], table[3:]]
    assert table[2].fold is None


def test_turns_of_several_rows_are_counted():
    table = [Row(left=["a", "b"], right=[]), Row(left=["c"], right=[])]
    assert fold_unmatched(table)[0].turn_count == 3


@pytest.mark.django_db
def test_side_by_side_page_opens_with_a_fold_and_keeps_every_turn(client):
    call_command("ingest", str(SEEDS), stdout=io.StringIO())
    interview = Interview.objects.get()
    html = client.get(reverse("interviews:side_by_side", args=[interview.slug]) + "?left=de&right=zh").content.decode()
    body = html.split('<ol class="sbs-rows">', 1)[1]
    assert body.lstrip().startswith('<li class="sbs-fold">')  # not a run of empty cells
    summaries = re.findall(r"<summary>(\d+) turns only in (\S+)</summary>", html)
    # The seed's Chinese opens with turns the German does not have (the alignment leaves an
    # uncertain opening pair unlinked): one fold, which says how many turns it holds.
    count, language = summaries[0]
    assert language == "中文" and int(count) >= 2
    first_fold = body.split("</ol></details></li>", 1)[0]
    assert len(re.findall(r'id="q-[a-z0-9]+"', first_fold)) == int(count)
    assert html.count('<li class="sbs-fold">') == len(summaries) == html.count("</ol></details></li>")
    assert len(set(re.findall(r'id="q-([a-z0-9]+)"', html))) == 74 + 125  # every turn is still on the page
    assert 'src="/static/js/folds.js"' in html
