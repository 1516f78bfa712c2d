"""One error shape for every JSON address (``/api/…`` and ``/q/<key>.json``), whatever refused the
request (a view, Django's 400/404/500 handlers, the rate limiter):

    {"error": {"code": "not_found", "message": "Nothing at this address.", ...details}}

with the HTTP status the code names. A client checks ``error.code`` and never parses a web page;
``message`` is for people, in the interface language (``Accept-Language``), while ``code`` never
changes with it.
"""

from __future__ import annotations

import functools

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    429: "rate_limited",
    500: "server_error",
}


def is_json_path(path: str) -> bool:
    return path.startswith("/api/") or path.endswith(".json")


def error_response(status: int, message: str, **details) -> JsonResponse:
    """The error body for ``status``; ``details`` (e.g. ``retry_after``) sit beside code and message."""
    body = {"error": {"code": CODES[status], "message": message, **details}}
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def read_only(view):
    """A JSON view answers GET and HEAD; any other method gets the JSON 405 with ``Allow``. Exempt
    from the CSRF check, which would otherwise answer a POST with an HTML 403 first: nothing here
    changes anything."""

    @csrf_exempt
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            message = _("%(method)s is not allowed here: this address is read-only.") % {"method": request.method}
            response = error_response(405, message)
            response["Allow"] = "GET, HEAD"
            return response
        return view(request, *args, **kwargs)

    return wrapper
