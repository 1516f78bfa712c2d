"""The gap rule of the alignment: turns left unsure between sure links, decided again when one
placement is the clear choice.

Pure Python (no database). The
sequences are made up: roles of the turns, which links are sure, and a look-up of how much word
meaning each pair shares (what the aligner measures with the dictionaries).
"""

from __future__ import annotations

from interviews.translations.gaps import Gap, choose, fill_gaps, find_gaps, placements

H, G = "host", "guest"

# An abridged opening: the source starts with one question and answer; the target first has two
# exchanges the source left out. Source 2 is surely linked to target 6.
SOURCE_ROLES = [H, G, H, G]
TARGET_ROLES = [H, G, H, G, H, G, H, G]
SURE = {2: (6, 6), 3: (7, 7)}


def always(i, j):
    return True


def meanings(table):
    """A meaning look-up from {(source, target): shared meaning above unrelated turns}."""
    return lambda i, j: table.get((i, j), -0.1)


def fill(plausible=always, meaning=None, sure=SURE, source_roles=SOURCE_ROLES, target_roles=TARGET_ROLES):
    decided = fill_gaps(len(source_roles), len(target_roles), sure, source_roles, target_roles, plausible, meaning)
    return {link.source: link.target for links in decided.values() for link in links}


# ------------------------------------------------------------------ where the gaps are


def test_gap_before_the_first_sure_link_reaches_back_to_the_start_of_both_sides():
    assert find_gaps(4, 8, SURE) == [Gap(range(0, 2), range(0, 6))]


def test_gap_between_two_sure_links_holds_the_turns_between_their_targets():
    assert find_gaps(5, 9, {0: (0, 1), 3: (6, 6), 4: (8, 8)}) == [Gap(range(1, 3), range(2, 6))]


def test_gap_after_the_last_sure_link_reaches_to_the_end():
    assert find_gaps(3, 6, {0: (0, 0)}) == [Gap(range(1, 3), range(1, 6))]


def test_no_gap_when_the_other_side_has_no_turn_left_between_the_links():
    """A source turn between two links to neighbouring targets has nothing to be placed on."""
    assert find_gaps(3, 2, {0: (0, 0), 2: (1, 1)}) == []


# ------------------------------------------------------------------ where a gap's turns can go


def test_placements_keep_the_order_and_the_speakers():
    gap = Gap(range(0, 2), range(0, 6))
    assert placements(gap, SOURCE_ROLES, TARGET_ROLES) == [[(0, 0), (1, 1)], [(0, 2), (1, 3)], [(0, 4), (1, 5)]]


def test_placements_of_a_longer_source_side_leave_source_turns_out():
    """Two target turns between the links, three source turns: the target pair goes onto the
    source pair with the same speakers."""
    gap = Gap(range(0, 3), range(0, 2))
    assert placements(gap, [G, H, G], [H, G]) == [[(1, 0), (2, 1)]]


def test_unknown_speakers_match_any():
    assert placements(Gap(range(0, 1), range(0, 2)), [""], [H, G]) == [[(0, 0)], [(0, 1)]]


# ------------------------------------------------------------------ when a gap is linked


def test_word_meanings_choose_the_right_exchange_in_an_abridged_opening():
    """The source's opening question and answer share clearly more meaning with the target's
    second exchange than with the first or third: they are linked there, and the target's other
    exchanges stay unlinked."""
    table = {(0, 0): 0.0, (1, 1): -0.05, (0, 2): 0.12, (1, 3): 0.07, (0, 4): 0.05, (1, 5): 0.0}
    assert fill(meaning=meanings(table)) == {0: 2, 1: 3}


def test_a_gap_with_one_possible_placement_is_linked_when_meanings_confirm_it():
    """Between two sure links, as many turns on both sides with the same speakers in the same
    order, and each pair shares more meaning than unrelated turns: linked, as likely."""
    confirm = meanings({(1, 1): 0.1, (2, 2): 0.05})
    decided = fill_gaps(4, 4, {0: (0, 0), 3: (3, 3)}, [H, G, H, G], [H, G, H, G], always, confirm)
    links = [x for found in decided.values() for x in found]
    assert [(x.source, x.target) for x in links] == [(1, 1), (2, 2)]
    assert all(0.5 < x.confidence < 1.0 for x in links)


def test_confidence_grows_with_the_lead_of_the_chosen_placement():
    close = choose([[(0, 0)], [(0, 1)]], always, meanings({(0, 0): 0.2, (0, 1): 0.1}), margin=0.05, weight=8.0)
    far = choose([[(0, 0)], [(0, 1)]], always, meanings({(0, 0): 0.4, (0, 1): 0.0}), margin=0.05, weight=8.0)
    assert close[0] == far[0] == [(0, 0)]
    assert 0.5 < close[1] < far[1] < 1.0


# ------------------------------------------------------------------ when it must not link


def test_an_ambiguous_gap_is_not_linked_without_meanings():
    """Three exchanges the opening could be: lengths and speakers cannot tell, so no link."""
    assert fill() == {}


def test_an_ambiguous_gap_is_not_linked_when_meanings_do_not_clearly_prefer_one_placement():
    table = {(0, 2): 0.12, (1, 3): 0.07, (0, 4): 0.11, (1, 5): 0.06}
    assert fill(meaning=meanings(table)) == {}


def test_a_placement_whose_turns_share_no_more_meaning_than_unrelated_turns_is_not_linked():
    """Clearly ahead of the others, but one of its pairs says no more than unrelated turns."""
    table = {(0, 2): 0.3, (1, 3): -0.01}
    assert fill(meaning=meanings(table)) == {}


def test_without_meanings_a_gap_is_not_linked_even_with_one_placement():
    """One placement fits the speakers and lengths, but the source's turns may as well have no
    counterpart (an untranslated intro, a wrong sure link next to them): without word meanings
    the gap stays as it was."""
    assert fill(sure={2: (2, 2), 3: (3, 3)}, target_roles=[H, G, H, G]) == {}
    assert fill_gaps(4, 4, {0: (0, 0), 3: (3, 3)}, [H, G, H, G], [H, G, H, G], always) == {}


def test_a_gap_whose_speakers_do_not_match_is_not_linked():
    """A host turn between the links on one side, only guest turns on the other."""
    assert fill(sure={0: (0, 0), 2: (3, 3)}, source_roles=[H, H, G], target_roles=[H, G, G, G]) == {}


def test_a_gap_whose_only_placement_pairs_turns_of_implausible_lengths_is_not_linked():
    """One placement, but one of its pairs is far too long or too short (the aligner's plausibility
    check says no): the gap stays unlinked."""
    lengths_s, lengths_t = [50, 60, 40, 300], [50, 60, 3000, 300]

    def plausible(i, j):
        return 0.1 < lengths_t[j] / lengths_s[i] < 10

    confirm = meanings({(1, 1): 0.1, (2, 2): 0.1})
    assert fill_gaps(4, 4, {0: (0, 0), 3: (3, 3)}, [H, G, H, G], [H, G, H, G], plausible, confirm) == {}


def test_an_implausible_pair_rules_out_its_placement_and_leaves_the_others():
    """The exchange meanings prefer has an implausible pair: the next best is only linked if it is
    itself clearly the best of what remains."""
    table = {(0, 0): 0.0, (1, 1): 0.0, (0, 2): 0.3, (1, 3): 0.3, (0, 4): 0.2, (1, 5): 0.2}

    def plausible(i, j):
        return (i, j) != (1, 3)

    assert fill(plausible=plausible, meaning=meanings(table)) == {0: 4, 1: 5}
