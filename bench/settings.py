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
# The rows that queue tasks (bench.suite._index_tasks) stand for a deployment with a broker,
# whose cache is Redis: an in-process cache stands in for it, as the in-memory broker stands
# in for Redis. (The database cache would add its own queries to every save that asks for a
# search drain, insights.search.indexing.claim_drain.)
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# kombu warns about the in-memory broker's missing hostname on every eager task.
LOGGING["loggers"] = {"kombu": {"level": "ERROR"}}  # noqa: F405
