"""End to end: a reader follows topics in a real browser against gunicorn serving the seeds."""

import pytest

pytestmark = pytest.mark.browser


def test_reader_follows_a_topic_chip_from_german_to_both_languages(live_archive, page):
    page.goto(live_archive.url + "/")
    page.get_by_role("link", name="20VC: Aidan Gomez, Cohere, with Harry Stebbings").click()
    page.get_by_role("navigation", name="Languages").get_by_role("link", name="Deutsch").click()
    page.get_by_role("link", name="Datenqualität und synthetische Daten").first.click()

    assert page.locator("h1").inner_text() == "Datenqualität und synthetische Daten"
    assert page.locator(".group-heading .lang-pill").all_inner_texts() == ["Deutsch"]
    page.get_by_role("navigation", name="Languages").get_by_role("link", name="All languages").click()
    assert page.locator("h1").inner_text() == "Data quality and synthetic data"
    assert page.locator(".group-heading .lang-pill").all_inner_texts() == ["Deutsch", "中文"]
    page.get_by_role("link", name="Topics", exact=True).click()
    assert page.locator(".topic-card").count() >= 12
