"""One settings module for every environment, configured by environment variables.

Development defaults are safe: nothing here needs editing to run the archive locally.
See docs/configuration.md for every variable.
"""

import datetime
import os
import secrets
import time
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
# Full origins (scheme + host) that may POST forms, e.g. "https://archive.example.org".
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# All state lives under one directory: the SQLite file, the search index and uploaded originals.
DATA_DIR = Path(os.environ.get("ARCHIVE_DATA_DIR", BASE_DIR / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def data_dir_secret_key(data_dir: Path) -> str:
    """The key in ``<data dir>/secret_key``, written once (mode 600) by whichever process needs it
    first, so every command and worker of one archive signs with the same key and nothing needs
    setting by hand. ``O_EXCL`` makes the first writer win when several start at once."""
    path = data_dir / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another process created it a moment ago and may still be writing
            key = path.read_text(encoding="ascii").strip()
            if key:
                return key
            time.sleep(0.02)
        raise ImproperlyConfigured(f"{path} is empty: delete it and start again") from None
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_urlsafe(50) + "\n")
    return path.read_text(encoding="ascii").strip()


# DJANGO_SECRET_KEY when set (several machines must share one); otherwise one generated for this
# archive's data directory.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "") or data_dir_secret_key(DATA_DIR)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "csp",
    "axes",
    # Before haystack, so our rebuild_index (build in a new directory, then swap) replaces Haystack's
    # (which clears the index first and leaves searches empty while it rebuilds).
    "interviews",
    "haystack",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # Before sessions and views: a refused request costs one cache lookup.
    "interviews.ratelimit.RateLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a flagged login attempt into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "archive.urls"
WSGI_APPLICATION = "archive.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": dj_database_url.config(default=f"sqlite:///{DATA_DIR / 'archive.sqlite3'}", conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Measured: WAL alone gives "database is locked" under concurrent writers;
    # WAL + BEGIN IMMEDIATE + a busy timeout gave none.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
# Each worker keeps its database connection between requests (its PRAGMAs run once per
# connection, not once per request); checked before reuse, so a dropped one is replaced.
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("ARCHIVE_DB_CONN_MAX_AGE", 600))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling (django-axes). Axes sees every authenticate() call through its backend, so
# authenticate() needs `request=` (the admin login does that; tests use force_login).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("ARCHIVE_LOGIN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("ARCHIVE_LOGIN_COOLOFF_MINUTES", 15)))
# Locked per username and address together: a stranger cannot lock an editor out from elsewhere,
# and an office behind one NAT address is not locked out by one colleague's typos.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/lockout.html"
# The client address is REMOTE_ADDR unless the archive runs behind reverse proxies that are said to
# set X-Forwarded-For: trusting that header otherwise would let anyone pick their own address.
AXES_CLIENT_IP_CALLABLE = "archive.client_ip.client_ip"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Uploaded originals are kept beside the database, never served directly.
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "media/"

# Search: Haystack with an engine chosen by SEARCH_URL (docs/scaling.md). The default is our
# tuned Whoosh backend (interviews/search/whoosh_backend.py) in DATA_DIR/whoosh: a pointer file and one
# directory per index build, so a rebuild can swap atomically.
SEARCH_ENGINES = {
    "whoosh": "interviews.search.whoosh_backend.ArchiveWhooshEngine",
    "elasticsearch": "interviews.search.elasticsearch.ArchiveElasticsearch7Engine",
    "solr": "haystack.backends.solr_backend.SolrEngine",
}


def search_connection(url: str, data_dir: Path) -> dict:
    """A Haystack connection for SEARCH_URL: ``whoosh:///abs/path`` (or empty: DATA_DIR/whoosh),
    ``elasticsearch://host:9200/index`` or ``solr://host:8983/solr/collection``; append ``+https``
    to the scheme for TLS (``solr+https://``); user:password@ in the URL is passed on."""
    from urllib.parse import urlsplit

    if not url:
        return {"ENGINE": SEARCH_ENGINES["whoosh"], "PATH": str(data_dir / "whoosh")}
    parts = urlsplit(url)
    engine, _, transport = parts.scheme.partition("+")
    if engine not in SEARCH_ENGINES or transport not in ("", "http", "https") or (engine == "whoosh" and transport):
        raise ImproperlyConfigured(
            f"SEARCH_URL {url!r}: the scheme must be whoosh, elasticsearch or solr (elasticsearch+https, solr+https for TLS)."
        )
    path = parts.path.rstrip("/")
    if engine == "whoosh":
        if parts.netloc or not path:
            raise ImproperlyConfigured(f"SEARCH_URL {url!r}: write whoosh:///absolute/path (three slashes).")
        return {"ENGINE": SEARCH_ENGINES["whoosh"], "PATH": path}
    if not parts.hostname or path.count("/") < 1 or not path.strip("/"):
        example = "elasticsearch://host:9200/archive" if engine == "elasticsearch" else "solr://host:8983/solr/archive"
        raise ImproperlyConfigured(f"SEARCH_URL {url!r}: name the host and the index, e.g. {example}.")
    base = f"{transport or 'http'}://{parts.netloc}"
    if engine == "elasticsearch":
        *prefix, index = path.strip("/").split("/")
        return {
            "ENGINE": SEARCH_ENGINES[engine],
            "URL": "/".join([base, *prefix]) + "/",
            "INDEX_NAME": index,
            "SILENTLY_FAIL": False,
        }
    # SILENTLY_FAIL off: a failed write must reach the outbox (kept for the next run), not a log line.
    return {"ENGINE": SEARCH_ENGINES[engine], "URL": base + path, "TIMEOUT": 30, "SILENTLY_FAIL": False}


HAYSTACK_CONNECTIONS = {"default": search_connection(os.environ.get("SEARCH_URL", ""), DATA_DIR)}
# One indexed model: the per-search query over every document that limits results to registered
# models is pure cost (measured p50 55 -> 12 ms at 10k documents).
HAYSTACK_LIMIT_TO_REGISTERED_MODELS = False
# No per-save signal indexing: ingest records IndexTask rows in its transaction (interviews/outbox.py)
# and the index is written once per batch after the commit.
HAYSTACK_SIGNAL_PROCESSOR = "haystack.signals.BaseSignalProcessor"

# Search results shared by every worker of this machine until the index changes
# (interviews/search/cache.py): files under DATA_DIR/cache/search. ARCHIVE_SEARCH_CACHE=0 turns it off.
ARCHIVE_SEARCH_CACHE = env_bool("ARCHIVE_SEARCH_CACHE", True)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "search": {
        "BACKEND": "interviews.search.cache.SearchResultCache",
        "LOCATION": str(DATA_DIR / "cache" / "search"),
        # An entry is never stale (the key holds the index's version): the timeout only clears
        # out entries of older versions, and the cull keeps the directory small.
        "TIMEOUT": 24 * 3600,
        "OPTIONS": {"MAX_ENTRIES": 20_000, "CULL_FREQUENCY": 4},
    },
}

# Index work left behind by a process that died after its commit (interviews/outbox.py) is applied
# by the running site once it is this old (seconds); -1 leaves it to the next ingest and check_index.
ARCHIVE_INDEX_RETRY_SECONDS = float(os.environ.get("ARCHIVE_INDEX_RETRY_SECONDS", 60))

# Largest transcript file accepted by ingest and upload (bytes).
ARCHIVE_MAX_UPLOAD_BYTES = int(os.environ.get("ARCHIVE_MAX_UPLOAD_BYTES", 5 * 1024 * 1024))
# Django's request limits do not count file data: the first upload handler enforces the limit
# above while the request streams in, so an oversized file is never stored, in memory or on disk.
FILE_UPLOAD_HANDLERS = [
    "interviews.upload.staging.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# A transcript within the limit is read whole to be parsed anyway: keep it in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = ARCHIVE_MAX_UPLOAD_BYTES
# Form fields without files (admin edits, the upload's metadata and label mapping) are small.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Turns on one transcript page: a 20,000-turn transcript is 100 light pages, not one of 13 MB.
ARCHIVE_TRANSCRIPT_TURNS_PER_PAGE = int(os.environ.get("ARCHIVE_TRANSCRIPT_TURNS_PER_PAGE", 200))
# URLs per sitemap file (the protocol allows 50,000 and 50 MB; crawlers fetch smaller files faster).
ARCHIVE_SITEMAP_URLS_PER_FILE = int(os.environ.get("ARCHIVE_SITEMAP_URLS_PER_FILE", 5000))
# Uploads wait here between preview and confirm; never served, cleaned after a day.
ARCHIVE_STAGING_DIR = DATA_DIR / "staging"
# Confirmed uploads are written by `manage.py run_jobs` (started by gunicorn, see gunicorn.conf.py);
# it reports progress and its heartbeat in files here. A job whose runner has been silent this
# many seconds is taken to have died and is run again.
ARCHIVE_JOBS_DIR = DATA_DIR / "jobs"
ARCHIVE_JOB_HEARTBEAT_TIMEOUT = float(os.environ.get("ARCHIVE_JOB_HEARTBEAT_TIMEOUT", 30))
ARCHIVE_SITE_NAME = "Founder Interview Archive"

# --- Security headers -------------------------------------------------------------------------
# Always on, HTTP or HTTPS. (Django's defaults, stated so a reader sees the whole policy.)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True

# HTTPS-only settings switch on with ARCHIVE_BEHIND_HTTPS_PROXY=1, not with DEBUG=0: `make run`
# with DJANGO_DEBUG=0 on http://127.0.0.1:8000 must keep working (a redirect to https:// or
# Secure-only cookies would break it there). In production the TLS-terminating proxy sets
# X-Forwarded-Proto, which it must overwrite, never pass through from the client.
BEHIND_HTTPS_PROXY = env_bool("ARCHIVE_BEHIND_HTTPS_PROXY", False)
if BEHIND_HTTPS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("ARCHIVE_HSTS_SECONDS", 365 * 24 * 3600))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("ARCHIVE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("ARCHIVE_HSTS_PRELOAD", True)

# Content Security Policy (django-csp 4 format). No inline script or style anywhere, the admin
# included: a script injected into a transcript cannot run even if escaping ever failed.
# Progressive-enhancement JS lives in static/js/.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "upgrade-insecure-requests": BEHIND_HTTPS_PROXY,
    },
}

# --- Rate limiting ------------------------------------------------------------------------------
# "N/S": at most N requests per S seconds per client on the paths below; "off" disables it.
ARCHIVE_RATE_LIMIT = os.environ.get("ARCHIVE_RATE_LIMIT", "120/60")
# Search, the API, and transcript and side-by-side pages (the heaviest pages to render).
ARCHIVE_RATE_LIMIT_PATHS = ["/search/", "/api/", "/interviews/"]
# Quote cards drawn for a client (a new passage costs ~85 ms of CPU and a file); cached cards are free.
ARCHIVE_CARD_RENDER_LIMIT = os.environ.get("ARCHIVE_CARD_RENDER_LIMIT", "20/60")
# How many reverse proxies stand in front of gunicorn, each appending to X-Forwarded-For. The
# client is the address the outermost trusted proxy saw: that many hops from the right. Entries
# further left are whatever the client sent and are never trusted. 0: use REMOTE_ADDR.
ARCHIVE_PROXY_COUNT = int(os.environ.get("ARCHIVE_PROXY_COUNT", 1 if BEHIND_HTTPS_PROXY else 0))

# Shared by every gunicorn worker on this machine (see interviews/ratelimit.py for why not the
# cache framework). Several app servers behind one balancer each count on their own.
ARCHIVE_RATE_LIMIT_DB = DATA_DIR / "ratelimit.sqlite3"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
