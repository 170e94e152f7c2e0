"""Settings for benchmark runs: the production settings, pointed at the bench database.

bench.run sets DATABASE_URL, SEARCH_INDEX_DIR and MEDIA_ROOT before Django starts; this adds
the floor page's URL. DEBUG stays off and Celery stays eager, as in a single-server install.
Requests are made with secure=True, so the HTTPS settings need no change.
"""

import os

os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-never-used-outside-benchmarks")
os.environ["DEBUG"] = "false"
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from cxresearch.settings import *  # noqa: E402, F403

ROOT_URLCONF = "bench.urls"
# kombu warns about the in-memory broker's missing hostname on every eager task.
LOGGING["loggers"] = {"kombu": {"level": "ERROR"}}  # noqa: F405
