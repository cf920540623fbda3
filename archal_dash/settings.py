"""Settings for archal-dash, read from the environment (12-factor).

Every variable is documented in the README and in .env.example. A `.env`
file at the repository root is read when it exists; real environment
variables win over it.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():  # a deployment has none; don't log that it is missing
    env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY to a long random string "
            "(or DEBUG=true for local development)."
        )
    SECRET_KEY = "insecure-local-development-key-do-not-deploy"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
# Only needed when forms are posted from another origin than the site's own
# host (e.g. "https://dash.example.com" behind a second proxy); comma-separated.
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- The Archal API -------------------------------------------------------

ARCHAL_API_URL = env.str("ARCHAL_API_URL", default="https://archal.ai").rstrip("/")
# The same variable Archal's own CLI reads. Never rendered, logged or echoed.
ARCHAL_TOKEN = env.str("ARCHAL_TOKEN", default="")
ARCHAL_TIMEOUT = env.float("ARCHAL_TIMEOUT", default=20.0)  # whole response, seconds
ARCHAL_CONNECT_TIMEOUT = env.float("ARCHAL_CONNECT_TIMEOUT", default=5.0)
ARCHAL_MAX_BYTES = env.int("ARCHAL_MAX_BYTES", default=100 * 1024 * 1024)
# A run fetched less than this many seconds ago is answered from its stored
# copy without calling Archal; the run page's Refresh asks Archal anyway.
RUN_CACHE_SECONDS = env.int("RUN_CACHE_SECONDS", default=30)
# Set by `make run` when it starts the bundled sample API, so pages can say so
# and list its runs (comma-separated IDs).
ARCHAL_SAMPLE_API = env.bool("ARCHAL_SAMPLE_API", default=False)
ARCHAL_SAMPLE_RUN_IDS = env.list("ARCHAL_SAMPLE_RUN_IDS", default=[])

# --- What the database keeps ----------------------------------------------

LOOKUPS_KEPT = env.int("LOOKUPS_KEPT", default=10_000)
SNAPSHOTS_KEPT = env.int("SNAPSHOTS_KEPT", default=200)
RECENT_RUNS_SHOWN = env.int("RECENT_RUNS_SHOWN", default=20)

# --- Who may look, and how much -------------------------------------------

# Read on every request (runs.middleware.LoginRequiredMiddleware), so turning
# it off needs no other setting. Off: for a dashboard behind an access proxy,
# or local use (`make run` turns it off).
REQUIRE_LOGIN = env.bool("REQUIRE_LOGIN", default=True)
# Upstream lookups per user (per client address when signed out) per minute,
# so no one person or script uses up the team token's rate limit. 0: no limit.
LOOKUPS_PER_MINUTE = env.int("LOOKUPS_PER_MINUTE", default=60)
# Requests for parts of stored records (/tree, /search, /locate, /markdown,
# /raw subtrees, /steps, /table) per user (per address when signed out) per
# minute, so no one script can keep the web processes busy. Measured in
# Chromium: Expand all sends at most about 100 (a 9,999-item flat array, pages
# of 100; 15 for a 1,500-step trace; 1 for a record over 10,000 nodes), a
# search one per pause in typing plus a few to reveal matches. 1,200 is twelve
# of the heaviest Expand alls a minute, and room for a team behind one address
# when sign-in is off. Counted in CACHE_URL's cache. 0: no limit.
VIEWER_REQUESTS_PER_MINUTE = env.int("VIEWER_REQUESTS_PER_MINUTE", default=1200)
# Failed sign-ins tolerated within SIGNIN_LOCKOUT_SECONDS before that username
# from that client address, or that address for every username, is locked out
# for the rest of the window. A username alone is never locked (others could
# lock its owner out from their addresses): past SIGNIN_FAILURES_PER_USERNAME
# failures from all addresses, each check of its password waits first, 0.5 s
# doubling per further failure, up to SIGNIN_SLOWDOWN_MAX_SECONDS (0: no wait).
SIGNIN_FAILURES_PER_USERNAME = env.int("SIGNIN_FAILURES_PER_USERNAME", default=5)
SIGNIN_FAILURES_PER_ADDRESS = env.int("SIGNIN_FAILURES_PER_ADDRESS", default=20)
SIGNIN_LOCKOUT_SECONDS = env.int("SIGNIN_LOCKOUT_SECONDS", default=15 * 60)
SIGNIN_SLOWDOWN_MAX_SECONDS = env.float("SIGNIN_SLOWDOWN_MAX_SECONDS", default=2.0)
# How many proxies in front of the app append the client's address to
# X-Forwarded-For. A Heroku-style router appends exactly one entry, the address
# that connected to it, so the last entry is the only one a client cannot
# forge. 0 when the app is reached directly: the connection's address is used.
# No default in production: trusting a header no proxy wrote would let any
# client choose the address its limits count, and counting the router's
# address would put every client in one budget. Local development: 0.
TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=0 if DEBUG else -1)
if TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured(
        "TRUSTED_PROXIES is not set. Set it to the number of proxies in front of the app "
        "that append to X-Forwarded-For: 1 behind a Heroku-style router, 0 when clients connect directly."
    )

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "runs:home"
LOGOUT_REDIRECT_URL = "login"
AUTHENTICATION_BACKENDS = ["runs.signin.ThrottledModelBackend"]
CSRF_FAILURE_VIEW = "runs.views.csrf.csrf_failure"

# --- Django ---------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "runs",
]

MIDDLEWARE = [
    # First, so its headers reach every response: static files, redirects,
    # error pages and responses of the middleware below.
    "runs.middleware.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages, fragments, JSON answers and /raw gzip-encoded for clients that send
    # Accept-Encoding: gzip (a client that does not gets the bytes as they are);
    # below WhiteNoise, which answers static files itself with its precompressed
    # copies, so those never reach it; above the rest, so it compresses their
    # final output. The 4.5 MB sample run's page: 300 KB of HTML, 18 KB gzipped.
    # BREACH (a secret recovered from compressed sizes, given attacker text
    # reflected in the same response) is mitigated twice over: the only secret in
    # a page is the CSRF token (sign-in form, header's sign-out form, the run
    # page's Refresh), which Django masks afresh for every response (get_token:
    # a new random mask per call), so no two responses share its bytes; and this middleware pads each
    # response's gzip header by a random length ("Heal The Breach", Django 4.2+).
    # The session cookie is a header, never compressed.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "runs.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "runs.middleware.ParsesBusyMiddleware",  # a 503 page when no record parse slot came free
]

ROOT_URLCONF = "archal_dash.urls"
WSGI_APPLICATION = "archal_dash.wsgi.application"

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
                "runs.context_processors.dashboard",
                "runs.context_processors.access",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# Keep connections open between requests (one per gunicorn thread), and test
# each one before reuse so a database restart costs no failed request.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Many threads write lookups at once: WAL lets reads go on during a write,
    # IMMEDIATE takes the write lock up front (no deadlock on upgrade), and a
    # busy writer is waited for (seconds) instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        **DATABASES["default"].get("OPTIONS", {}),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# What every web process shares (runs/shared.py: run flights, the locks the
# throttles count under). redis://… (Django's Redis backend; a PaaS's Redis
# add-on URL) or dbcache://<table> (Django's database cache: the Procfile's
# release runs createcachetable) are shared by every process of every dyno.
# The default, local memory, is one per process.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
for _option in ("key_prefix", "timeout", "version"):
    # django-environ passes ?key_prefix=… on in lower case for Django's Redis backend, which reads upper case.
    if _option in CACHES["default"]:
        CACHES["default"][_option.upper()] = CACHES["default"].pop(_option)
CACHES["default"].setdefault("KEY_PREFIX", "archal-dash")
if CACHES["default"]["BACKEND"] in {
    "django.core.cache.backends.db.DatabaseCache", "django.core.cache.backends.locmem.LocMemCache",
}:
    # These two cull a third of their keys when full (300 by default), a held
    # lock among them; keys here are few and short-lived, so culling never should.
    CACHES["default"].setdefault("OPTIONS", {}).setdefault("MAX_ENTRIES", 100_000)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed names let browsers cache static files forever; `collectstatic`
        # builds the manifest. Local development serves files as they are.
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}

# --- HTTPS and headers -------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
# Run IDs are in our URLs; other sites must not see them in Referer.
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy and Permissions-Policy: runs.middleware.

if not DEBUG:
    # The platform's router terminates HTTPS and says so in X-Forwarded-Proto;
    # it overwrites any value a client sends, so the header can be trusted.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Platform health checks call the app over plain HTTP, from inside.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    # The directive alone changes nothing: only a registrable domain submitted
    # to hstspreload.org is preloaded, and a dashboard lives on a subdomain.
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Logs ---------------------------------------------------------------------

# One line per event on stdout; LOG_FORMAT=json makes each line a JSON object
# (runs.logs.JSONFormatter). gunicorn's access lines: gunicorn.conf.py.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(levelname)s %(name)s %(message)s"},
        "json": {"()": "runs.logs.JSONFormatter"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "stream": "ext://sys.stdout",
        },
    },
    "root": {"handlers": ["stdout"], "level": "INFO"},
    "loggers": {"django": {"handlers": ["stdout"], "level": "INFO", "propagate": False}},
}

# --- The run viewer (see runs/rendering.py; defaults chosen by `make bench`) ---

TREE_NODE_BUDGET = env.int("TREE_NODE_BUDGET", default=1500)
TREE_PAGE_SIZE = env.int("TREE_PAGE_SIZE", default=100)
TREE_VISIBLE_BUDGET = env.int("TREE_VISIBLE_BUDGET", default=150)
TREE_STRING_CHARS = env.int("TREE_STRING_CHARS", default=300)
TREE_BYTE_BUDGET = env.int("TREE_BYTE_BUDGET", default=900_000)
# Memory of the parsed records kept per process for subtrees and search, with
# their search indexes, estimated at 4.5 bytes per byte of JSON (runs/records.py):
# 256 MB holds one 50 MB record, as the 64 MB of JSON it replaces did.
RECORD_CACHE_BYTES = env.int("RECORD_CACHE_BYTES", default=256 * 1024 * 1024)
# Stored records parsed at once per process (each takes about 4 times its JSON at
# its peak; the parse holds the GIL, so more at once are no faster); a request
# that finds no slot free within RECORD_PARSE_WAIT_SECONDS is answered 503.
RECORD_PARSES_AT_ONCE = env.int("RECORD_PARSES_AT_ONCE", default=2)
RECORD_PARSE_WAIT_SECONDS = env.float("RECORD_PARSE_WAIT_SECONDS", default=10.0)
# Build a record's search index in a background thread once it is cached, so
# the first filter finds it ready (0.6 s of CPU for 50 MB); off: on first search.
SEARCH_INDEX_IN_BACKGROUND = env.bool("SEARCH_INDEX_IN_BACKGROUND", default=True)
# Once a record's index is built in the background, store its outline and index
# with its snapshot, so other processes answer parts and searches without parsing
# it (runs/cold.py); a process that did so parses the record in the background.
OUTLINES_IN_BACKGROUND = env.bool("OUTLINES_IN_BACKGROUND", default=True)
