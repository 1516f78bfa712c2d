"""Every refusal under /api/ has one JSON shape, ``{"error": {"code", "message"}}``, with the status
its code names: whether a view, Django's own handlers or the rate limiter refused the request."""

import io

import pytest
from django.core.exceptions import SuspiciousOperation
from django.core.management import call_command
from django.urls import include, path

from archive.urls import handler400, handler404, handler500  # noqa: F401  (this module is a URLconf too)
from interviews.models import Interview
from tests.factories import SEEDS

pytestmark = pytest.mark.django_db


def boom(request):
    raise RuntimeError("a bug in an API view")


def suspicious(request):
    raise SuspiciousOperation("a request Django refuses")


urlpatterns = [
    path("api/boom/", boom),
    path("api/suspicious/", suspicious),
    path("", include("archive.urls")),
]


def error_of(response, status):
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["message"]
    return error


@pytest.fixture
def seeds():
    call_command("ingest", str(SEEDS), stdout=io.StringIO())
    return Interview.objects.get()


def test_invalid_parameters_are_400_bad_request(client, seeds):
    response = client.get(f"/api/interviews/{seeds.slug}/alignment/", {"right": "fr"})
    assert error_of(response, 400)["code"] == "bad_request"


@pytest.mark.urls("tests.test_api_errors")
def test_a_request_django_refuses_is_400_in_json(client):
    assert error_of(client.get("/api/suspicious/"), 400)["code"] == "bad_request"


@pytest.mark.parametrize(
    "url", ["/api/interviews/nope/", "/api/transcripts/999/", "/api/nowhere", "/api/", "/q/zzzzzzzz.json"]
)
def test_unknown_things_and_addresses_are_404_not_found(client, url):
    assert error_of(client.get(url), 404)["code"] == "not_found"


def test_a_page_past_the_last_is_404_not_found(client):
    error = error_of(client.get("/api/search", {"page": 2}), 404)
    assert error == {"code": "not_found", "message": "No such page of results."}


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
@pytest.mark.parametrize("url", ["/api/search", "/api/interviews/"])
def test_other_methods_than_get_are_405_method_not_allowed(client, method, url):
    """Not the CSRF check's HTML 403: the API is read-only and says so."""
    response = getattr(client, method)(url)
    assert error_of(response, 405)["code"] == "method_not_allowed"
    assert response["Allow"] == "GET, HEAD"


def test_head_is_allowed(client):
    assert client.head("/api/interviews/").status_code == 200


def test_too_many_requests_are_429_rate_limited(client, settings):
    settings.ARCHIVE_RATE_LIMIT = "1/60"
    client.get("/api/interviews/")
    response = client.get("/api/interviews/")
    error = error_of(response, 429)
    assert error["code"] == "rate_limited"
    assert error["retry_after"] == int(response["Retry-After"])


@pytest.mark.urls("tests.test_api_errors")
def test_a_bug_is_500_server_error_in_json(client):
    client.raise_request_exception = False
    error = error_of(client.get("/api/boom/"), 500)
    assert error["code"] == "server_error"
    assert "a bug" not in error["message"]  # what went wrong is in the log, not told to clients
