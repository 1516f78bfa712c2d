"""The address a request came from, as far as this deployment can know it.

Used by django-axes to count failed logins per client and by the rate limiter. Behind N reverse proxies that each append
to X-Forwarded-For, the client is the N-th address from the right: anything further left was
written by the client itself and may be forged.
"""

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.ARCHIVE_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if len(hops) < proxies:
        return remote
    candidate = hops[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
