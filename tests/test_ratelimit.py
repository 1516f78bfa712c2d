"""Rate limits on search and the API: one client cannot crowd out the others."""

import io
import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.urls import reverse

from interviews.models import Transcript, Turn
from interviews.quotes.spans import fingerprint
from interviews.ratelimit import Limit, client_address, hit
from tests.factories import SEEDS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.ARCHIVE_RATE_LIMIT = "3/60"
    settings.ARCHIVE_PROXY_COUNT = 0


def get(client, path, ip="203.0.113.7", **headers):
    return client.get(path, REMOTE_ADDR=ip, **headers)


def test_request_over_the_limit_gets_429_with_retry_after(client):
    for _ in range(3):
        assert get(client, "/api/interviews/").status_code == 200
    response = get(client, "/api/interviews/")
    assert response.status_code == 429
    retry_after = int(response["Retry-After"])
    assert 1 <= retry_after <= 60


def test_api_refusal_is_json_that_says_when_to_retry(client):
    for _ in range(4):
        response = get(client, "/api/interviews/")
    assert response["Content-Type"] == "application/json"
    error = json.loads(response.content)["error"]
    assert error["code"] == "rate_limited"
    assert error["retry_after"] == int(response["Retry-After"])
    assert f"Try again in {error['retry_after']} seconds" in error["message"]


def test_search_refusal_is_a_page_that_says_when_to_retry(client):
    for _ in range(4):
        response = get(client, "/search/?q=data")
    assert response.status_code == 429
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "Too many requests" in html
    assert "more than 3 requests to search in 60 seconds" in html
    retry = int(response["Retry-After"])  # 1 when the window is about to turn: "1 second"
    assert f"Try again in {retry} second{'' if retry == 1 else 's'}." in html


def test_other_clients_are_unaffected(client):
    for _ in range(4):
        get(client, "/api/interviews/", ip="203.0.113.7")
    assert get(client, "/api/interviews/", ip="203.0.113.7").status_code == 429
    assert get(client, "/api/interviews/", ip="198.51.100.20").status_code == 200


def test_search_and_api_share_one_allowance(client):
    """A client cannot double its allowance by alternating between the two."""
    get(client, "/api/interviews/")
    get(client, "/search/?q=a")
    get(client, "/api/interviews/")
    assert get(client, "/search/?q=a").status_code == 429


def test_reading_pages_is_never_limited(client):
    for _ in range(10):
        assert get(client, "/").status_code == 200
    for _ in range(4):
        get(client, "/api/interviews/")
    assert get(client, "/").status_code == 200


def test_limit_resets_when_the_window_ends():
    limit = Limit(2, 60)
    start = 6000.0  # the start of a window
    assert hit("c", limit, now=start)[0]
    assert hit("c", limit, now=start + 1)[0]
    allowed, retry_after = hit("c", limit, now=start + 10)
    assert not allowed and retry_after == 50
    assert hit("c", limit, now=start + 60)[0]


def test_a_window_opens_with_the_clients_first_request_not_on_the_clock():
    """Requests that straddle the clock's minute are one window: no fresh allowance halfway."""
    limit = Limit(2, 60)
    assert hit("c", limit, now=6059.5)[0]
    assert hit("c", limit, now=6060.5)[0]
    allowed, retry_after = hit("c", limit, now=6061.0)
    assert not allowed and retry_after == 59  # 6059.5 + 60 - 6061, rounded up
    assert hit("c", limit, now=6119.5)[0]


def test_pruning_other_windows_never_cuts_a_longer_one_short(monkeypatch):
    monkeypatch.setattr("interviews.ratelimit.Counters.PRUNE_EVERY", 1)  # prune on every request
    hour, minute = Limit(1, 3600), Limit(1, 60)
    assert hit("card:c", hour, now=6000)[0]
    assert hit("search:d", minute, now=6000)[0]
    assert hit("search:d", minute, now=6100)[0]  # a new minute window; expired ones pruned
    assert not hit("card:c", hour, now=6200)[0]


def test_limit_can_be_switched_off(client, settings):
    settings.ARCHIVE_RATE_LIMIT = "off"
    for _ in range(10):
        assert get(client, "/api/interviews/").status_code == 200


@pytest.mark.parametrize("value", ["120", "abc/60", "0/60", "10/0", "10/60/5"])
def test_malformed_limit_is_a_configuration_error(value):
    with pytest.raises(ImproperlyConfigured, match="ARCHIVE_RATE_LIMIT"):
        Limit.parse(value)


def test_without_a_proxy_forwarded_for_is_ignored(rf, settings):
    """Otherwise any client could pick a fresh identity for every request."""
    request = rf.get("/api/", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_address(request) == "203.0.113.7"


def test_behind_a_proxy_the_client_is_the_address_the_proxy_saw(rf, settings):
    settings.ARCHIVE_PROXY_COUNT = 1
    # The client sent "1.2.3.4" itself; nginx appended the address it really came from.
    request = rf.get("/api/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7")
    assert client_address(request) == "203.0.113.7"


def test_behind_a_proxy_spoofed_forwarded_for_does_not_buy_a_fresh_limit(client, settings):
    settings.ARCHIVE_PROXY_COUNT = 1
    for n in range(3):
        get(client, "/api/interviews/", ip="127.0.0.1", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, 203.0.113.7")
    response = get(client, "/api/interviews/", ip="127.0.0.1", HTTP_X_FORWARDED_FOR="10.0.0.99, 203.0.113.7")
    assert response.status_code == 429


def test_one_ipv6_subscriber_network_counts_as_one_client(client):
    for n in range(3):
        get(client, "/api/interviews/", ip=f"2001:db8:1:2::{n + 1}")
    assert get(client, "/api/interviews/", ip="2001:db8:1:2::ffff").status_code == 429
    assert get(client, "/api/interviews/", ip="2001:db8:1:3::1").status_code == 200


# --- Heavy pages and quote cards ------------------------------------------------------------------


def test_transcript_pages_count_against_the_limit(client):
    call_command("ingest", str(SEEDS), stdout=io.StringIO())
    transcript = Transcript.objects.first()
    for _ in range(3):
        assert get(client, transcript.get_absolute_url()).status_code == 200
    assert get(client, transcript.get_absolute_url()).status_code == 429
    assert get(client, "/").status_code == 200  # the home page is light: never counted


def test_new_card_renders_have_a_budget_per_client_and_cached_cards_are_free(client, settings, tmp_path):
    """A client asking for ever new passages of a quote draws at most N cards a window; a card
    drawn already (for anyone) is served without counting; another client has its own budget."""
    settings.ARCHIVE_RATE_LIMIT = "off"
    settings.ARCHIVE_CARD_RENDER_LIMIT = "2/60"
    settings.DATA_DIR = tmp_path  # cards are cached under the data dir: none drawn by an earlier run
    call_command("ingest", str(SEEDS), stdout=io.StringIO())
    turn = Turn.objects.filter(transcript__language="de").order_by("ordinal")[5]
    card = reverse("interviews:quote_card", args=[turn.key])
    spans = [{"s": start, "h": fingerprint(turn.text[start : start + 20])} for start in (0, 5, 10)]
    spans = [{"s": f"{s['s']}-{s['s'] + 20}", "h": s["h"]} for s in spans]
    first, second, third = (client.get(card, span, REMOTE_ADDR="203.0.113.7") for span in spans)
    assert first.status_code == 200 and second.status_code == 200
    assert third.status_code == 429 and third["Retry-After"]
    again = client.get(card, spans[0], REMOTE_ADDR="203.0.113.7")  # cached: free
    assert again.status_code == 200 and again["Content-Type"] == "image/png"
    assert client.get(card, spans[2], REMOTE_ADDR="198.51.100.9").status_code == 200
