"""Settings for cxresearch, read from environment variables.

Defaults give the embedded set-up that `make run` serves: SQLite and a Whoosh
index under var/, and Celery tasks run eagerly in-process. A team deployment
sets DATABASE_URL, REDIS_URL, SEARCH_BACKEND, SECRET_KEY and ALLOWED_HOSTS.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
import django_stubs_ext
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from cxresearch.lib.env import env_bool, env_choice, env_int, env_list, env_str
from cxresearch.model_urls import transcript_reader_url

# ModelForm[Participant], ModelAdmin[Code]: the generics mypy checks, subscriptable at run time.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR") or BASE_DIR / "var")

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it to a long random value, or set DEBUG=true for local use."
        )
    # Only ever used with DEBUG on; check --deploy flags it as insecure on purpose.
    SECRET_KEY = "django-insecure-local-development-key-not-for-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "taggit",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    # Swagger UI's scripts and styles, served from our own origin (no CDN, CSP 'self').
    "drf_spectacular_sidecar",
    "cxresearch",
    "interviews",
    "insights",
    "jobs",
    "api",
    "demo",
]

# Where the apps meet. interviews (the evidence) never names insights (the analysis): the
# project says which model a study's journey framework is and where a transcript is read.
JOURNEY_FRAMEWORK_MODEL = "insights.JourneyFramework"
ABSOLUTE_URL_OVERRIDES = {"interviews.transcript": transcript_reader_url}
# What the analysis adds to the evidence pages (buttons, a transcript's coded count), handed to
# them by these providers (interviews.page_extras.PageExtras).
STUDY_PAGE_EXTRAS = ["insights.page_extras.AnalysisPages"]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves STATIC_ROOT (filled by collectstatic) from gunicorn, so a team needs no web server
    # in front just for the stylesheet and scripts.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "cxresearch.urls"
WSGI_APPLICATION = "cxresearch.wsgi.application"

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

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'cxresearch.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while a Celery worker writes. A transaction takes the
    # write lock when it begins (IMMEDIATE), waiting its turn: one that read first and wrote
    # later would fail at once ("database is locked") when another thread of the server (the
    # search index writer, another request) had written in between.
    # synchronous=NORMAL: in WAL mode a commit is written to the log without waiting for the
    # disk, which is flushed at each checkpoint instead. The database cannot be corrupted by a
    # crash; a power cut may lose the last transactions before it. Waiting for the disk cost
    # each write (a highlight, an import, a theme aggregation) 10–30 ms.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    # Connections are kept between requests (CONN_MAX_AGE above), one per server thread: an
    # idle SQLite connection outside a transaction holds no lock and no snapshot, and opening
    # one per request (the file, the PRAGMAs, Django's SQL functions) cost each request 1-2 ms.

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# "home" sends researchers to their studies and stakeholders to the journey overview.
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or VAR_DIR / "media")

# Uploads: Django refuses request bodies above this; importers have their own, smaller limits.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 30 * 1024 * 1024, minimum=1)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
PARTICIPANT_IMPORT_MAX_BYTES = env_int("PARTICIPANT_IMPORT_MAX_BYTES", 5 * 1024 * 1024, minimum=1)
PARTICIPANT_IMPORT_MAX_ROWS = env_int("PARTICIPANT_IMPORT_MAX_ROWS", 5000, minimum=1)
TRANSCRIPT_MAX_BYTES = env_int("TRANSCRIPT_MAX_BYTES", 10 * 1024 * 1024, minimum=1)
# One uploaded transcript up to this size is imported within the request (well under a second
# even for Word files); more files, or a larger one, go to a background job. 0: always a job.
TRANSCRIPT_IMPORT_IN_REQUEST_MAX_BYTES = env_int(
    "TRANSCRIPT_IMPORT_IN_REQUEST_MAX_BYTES", 128 * 1024, minimum=0
)
# REFI-QDA: the .qdpx upload, what its members may unpack to (zip bombs), its project.qde,
# and .qdc or .csv codebooks. Each source inside a .qdpx is held to TRANSCRIPT_MAX_BYTES.
REFI_QDA_IMPORT_MAX_BYTES = env_int("REFI_QDA_IMPORT_MAX_BYTES", 50 * 1024 * 1024, minimum=1)
REFI_QDA_MAX_UNPACKED_BYTES = env_int("REFI_QDA_MAX_UNPACKED_BYTES", 200 * 1024 * 1024, minimum=1)
REFI_QDA_MAX_MEMBERS = env_int("REFI_QDA_MAX_MEMBERS", 5000, minimum=1)
REFI_QDA_MAX_XML_BYTES = env_int("REFI_QDA_MAX_XML_BYTES", 50 * 1024 * 1024, minimum=1)
CODEBOOK_IMPORT_MAX_BYTES = env_int("CODEBOOK_IMPORT_MAX_BYTES", 5 * 1024 * 1024, minimum=1)

# Transcript source files (the uploaded .docx, .vtt…) are deleted this many days after import;
# the transcript's text stays. 0 keeps them for ever.
SOURCE_FILE_RETENTION_DAYS = env_int("SOURCE_FILE_RETENTION_DAYS", 0, minimum=0)
# Files that jobs made (exports, which may hold quotes and personal data) are deleted this many
# days after the job finished; the job row stays. 0 keeps them for ever.
JOB_RESULT_RETENTION_DAYS = env_int("JOB_RESULT_RETENTION_DAYS", 7, minimum=0)

# Recruitment governance: nobody is contacted for a new study within this many days of the last.
CONTACT_COOLDOWN_DAYS = env_int("CONTACT_COOLDOWN_DAYS", 90, minimum=0)
# Scheduling someone who missed this many interviews needs a recorded reason.
NO_SHOW_LIMIT = env_int("NO_SHOW_LIMIT", 2, minimum=1)

REDIS_URL = env_str("REDIS_URL")

# The cache holds log-in throttling counters (cxresearch/login.py), so it must be shared by
# every process and machine: Redis when there is one, else the database (its table is made by
# cxresearch's migration 0001). A per-process memory cache would not throttle.
DATABASE_CACHE: dict[str, object] = {
    "BACKEND": "django.core.cache.backends.db.DatabaseCache",
    "LOCATION": "cxresearch_cache",
}
CACHES: dict[str, dict[str, object]]
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "cxresearch",
            "OPTIONS": {"socket_connect_timeout": 5, "socket_timeout": 5},
        }
    }
else:
    CACHES = {"default": DATABASE_CACHE}
LOGIN_THROTTLE_ACCOUNT_FAILURES = env_int("LOGIN_THROTTLE_ACCOUNT_FAILURES", 5, minimum=1)
LOGIN_THROTTLE_ADDRESS_FAILURES = env_int("LOGIN_THROTTLE_ADDRESS_FAILURES", 30, minimum=1)
LOGIN_THROTTLE_MINUTES = env_int("LOGIN_THROTTLE_MINUTES", 15, minimum=1)
# Behind a proxy: the request header holding the client's address, e.g. HTTP_X_FORWARDED_FOR.
CLIENT_ADDRESS_HEADER = env_str("CLIENT_ADDRESS_HEADER")

# The REST API (api/): JSON only, personal tokens or the browser's session, cursor pages, and
# a request budget per token (or per signed-in user) kept in the shared cache above.
API_PAGE_SIZE = 100
API_RATE_PER_TOKEN = "600/minute"  # noqa: S105 - a rate, not a secret
API_RATE_PER_USER = "600/minute"
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.PersonalTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttles.PerTokenThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": API_RATE_PER_TOKEN, "user": API_RATE_PER_USER},
    "DEFAULT_PAGINATION_CLASS": "api.pagination.IdCursorPagination",
    "PAGE_SIZE": API_PAGE_SIZE,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "cxresearch API",
    "DESCRIPTION": "Studies, evidence and findings for BI dashboards, CRMs and data warehouses. "
    "Results follow the same rules as the pages: consent, redaction and blind coding.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Several models have a "kind" or a "status": name each set of choices after its model.
    "ENUM_NAME_OVERRIDES": {
        "ParticipantKindEnum": "interviews.models.Participant.Kind",
        "SessionKindEnum": "interviews.models.Session.Kind",
        "CodeKindEnum": "insights.models.Code.Kind",
        "MetricValueKindEnum": "insights.models.StageMetricValue.Kind",
        "ProjectStatusEnum": "interviews.models.ResearchProject.Status",
        "ProjectSegmentEnum": "interviews.models.ResearchProject.ProjectSegment",
        "SegmentEnum": "interviews.models.Segment",
        "EnrollmentStatusEnum": "interviews.models.Enrollment.Status",
        "ThemeStatusEnum": "insights.models.Theme.Status",
        "RecommendationStatusEnum": "insights.models.Recommendation.Status",
        "LevelEnum": "insights.models.themes.Level",
    },
}

# Celery: with no broker configured, tasks run eagerly in the calling process.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
# The search queue runs with concurrency 1 so only one process writes the Whoosh index.
CELERY_TASK_ROUTES = {
    "insights.tasks.index_*": {"queue": "search"},
    "insights.tasks.remove_documents": {"queue": "search"},
    "insights.tasks.drain_index_outbox": {"queue": "search"},
}
# A broker that is down, or accepts connections and never answers, must not hold a web
# request: without socket timeouts a publish waits forever. Publishing is tried twice, then
# the work waits in the search outbox (insights.models.IndexOutbox) for the periodic drain.
BROKER_TIMEOUT_SECONDS = env_int("BROKER_TIMEOUT_SECONDS", 2, minimum=1)
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_TIMEOUT_SECONDS
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": BROKER_TIMEOUT_SECONDS,
    # Longer than the worker's 1 s BRPOP wait, so an idle worker never times out.
    "socket_timeout": BROKER_TIMEOUT_SECONDS + 1,
    "max_retries": 1,
}
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
# Run with `celery -A cxresearch beat` next to the workers.
CELERY_BEAT_SCHEDULE = {
    "drain-search-outbox": {
        "task": "insights.tasks.drain_index_outbox",
        "schedule": 60.0,
    },
    "storage-cleanup": {
        "task": "interviews.tasks.storage_cleanup",
        "schedule": crontab(hour=3, minute=17),
    },
}

SEARCH_BACKEND = env_choice("SEARCH_BACKEND", "whoosh", ("whoosh", "postgres"))
SEARCH_INDEX_DIR = Path(env_str("SEARCH_INDEX_DIR") or VAR_DIR / "search-index")
# Every search is stopped after this long and the page says so; a typical one takes 0.1-0.5 s.
SEARCH_TIME_LIMIT_MS = env_int("SEARCH_TIME_LIMIT_MS", 1000, minimum=1)

# Security. With DEBUG off these are strict; a deployment behind a TLS-terminating proxy
# keeps them and sets SECURE_PROXY_SSL_HEADER via SECURE_PROXY_SSL_HEADER_NAME.
# Content-Security-Policy: scripts and styles come from our own static files only. No inline
# <script> or style="" (data reaches scripts through json_script's type="application/json",
# which is never executed, and colours through data-* attributes set by the CSSOM).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    if proxy_header := env_str("SECURE_PROXY_SSL_HEADER_NAME"):
        SECURE_PROXY_SSL_HEADER = (proxy_header, "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO").upper()},
}
