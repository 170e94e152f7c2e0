"""Settings for the test suite: the real settings, with test-only defaults filled in first."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-never-used-outside-the-test-suite")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

from cxresearch.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Tests never write to the developer's index under var/; tests that need a clean index per
# test point this at their own tmp_path.
SEARCH_INDEX_DIR = Path(tempfile.mkdtemp(prefix="cxresearch-test-index-"))
# WhiteNoise serves what collectstatic put here; the tests need no collected files.
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="cxresearch-test-static-"))

# Tasks run inline in the tests whatever REDIS_URL says (CI sets it for the worker tests, which
# start a real worker on an app of their own: tests/workers.py).
CELERY_TASK_ALWAYS_EAGER = True
