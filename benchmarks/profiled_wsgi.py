"""The archive's WSGI application under cProfile, for `profile_requests.py --gunicorn`.

A request with the header ``X-Profile: 1`` is profiled (the same Profile object gathers them
all) and the profile so far is written to ``$ARCHIVE_PROFILE_OUT`` after it; other requests run
as in production. One worker (``-w 1``) keeps every profiled request in one file.
"""

import cProfile
import os

from archive.wsgi import application as archive_application

_profile = cProfile.Profile()


def application(environ, start_response):
    if environ.get("HTTP_X_PROFILE") != "1":
        return archive_application(environ, start_response)
    _profile.enable()
    try:
        response = archive_application(environ, start_response)
        body = b"".join(response)  # the response's own iteration is part of the request
        if hasattr(response, "close"):
            response.close()
    finally:
        _profile.disable()
    _profile.dump_stats(os.environ["ARCHIVE_PROFILE_OUT"])
    return [body]
