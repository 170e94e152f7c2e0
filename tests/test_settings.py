"""Settings come from the environment: typed readers, the settings module, and the deploy check.

The settings module is imported in a fresh subprocess per case, with every variable it reads
removed from the environment first, so one case cannot leak into another and the suite's own
defaults (cxresearch.test_settings) do not mask what a real deployment would see.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from cxresearch.lib.env import (
    ImproperlyConfiguredEnv,
    env_bool,
    env_choice,
    env_int,
    env_list,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
SETTINGS_SOURCE = (REPO_ROOT / "cxresearch" / "settings.py").read_text(encoding="utf-8")

# Every variable settings.py reads, found in its source so new settings are covered too.
SETTINGS_VARIABLES = frozenset(re.findall(r"env_\w+\(\s*\"([A-Z][A-Z0-9_]*)\"", SETTINGS_SOURCE))
LEAKY_VARIABLES = SETTINGS_VARIABLES | {"DJANGO_SETTINGS_MODULE", "SECURE_SSL_REDIRECT"}

LOAD_SETTINGS = """
import json, sys
try:
    from cxresearch import settings
except Exception as exc:
    print(json.dumps({"error": type(exc).__name__, "message": str(exc)}))
    sys.exit(3)
names = sys.argv[1:]
print(json.dumps({name: getattr(settings, name, None) for name in names}, default=str))
"""


def clean_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """os.environ without anything settings.py reads, plus VAR_DIR in tmp_path and overrides."""
    env = {key: value for key, value in os.environ.items() if key not in LEAKY_VARIABLES}
    # The browser tests allow the ORM beside Playwright's event loop; a deployment never does.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env["VAR_DIR"] = str(tmp_path / "var")
    env.update(overrides)
    return env


def run_python(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed argv, our own interpreter
        [sys.executable, *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def load_settings(tmp_path: Path, *names: str, **env: str) -> dict:
    """Import cxresearch.settings fresh; return the named settings, or the import error."""
    result = run_python(["-c", LOAD_SETTINGS, *names], clean_env(tmp_path, **env))
    assert result.returncode in (0, 3), result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def strong_secret_key() -> str:
    return secrets.token_urlsafe(45)  # 60 characters


def test_settings_variables_are_discovered() -> None:
    # Guards the regex above: if it stopped matching, the subprocess cases would leak.
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "SEARCH_BACKEND"} <= (
        SETTINGS_VARIABLES
    )


# --- cxresearch.lib.env ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("true", True),
        ("TRUE", True),
        (" True ", True),
        ("1", True),
        ("yes", True),
        ("YES", True),
        ("on", True),
        ("On", True),
        ("false", False),
        ("False", False),
        ("0", False),
        ("no", False),
        (" NO ", False),
        ("off", False),
        ("OFF", False),
    ],
)
def test_env_bool_accepts_boolean_words(raw: str, expected: bool) -> None:
    assert env_bool("FLAG", not expected, environ={"FLAG": raw}) is expected


@pytest.mark.parametrize("default", [True, False])
def test_env_bool_missing_variable_gives_default(default: bool) -> None:
    assert env_bool("FLAG", default, environ={}) is default


@pytest.mark.parametrize("raw", ["maybe", "2", "tru", "y e s"])
def test_env_bool_rejects_junk_naming_the_variable(raw: str) -> None:
    with pytest.raises(ImproperlyConfiguredEnv, match=r"^MY_FLAG="):
        env_bool("MY_FLAG", False, environ={"MY_FLAG": raw})


def test_env_bool_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CX_TEST_FLAG", "on")
    assert env_bool("CX_TEST_FLAG", False) is True
    monkeypatch.setenv("CX_TEST_FLAG", "maybe")
    with pytest.raises(ImproperlyConfiguredEnv, match="CX_TEST_FLAG"):
        env_bool("CX_TEST_FLAG", False)


def test_env_int_parses_whole_numbers() -> None:
    assert env_int("N", 5, environ={"N": " 42 "}) == 42
    assert env_int("N", 5, environ={"N": "-3"}) == -3
    assert env_int("N", 5, environ={}) == 5
    assert env_int("N", 5, environ={"N": "  "}) == 5


@pytest.mark.parametrize("raw", ["ten", "1.5", "10k"])
def test_env_int_rejects_non_numbers(raw: str) -> None:
    with pytest.raises(ImproperlyConfiguredEnv, match=r"^RETRIES=.*not a whole number"):
        env_int("RETRIES", 3, environ={"RETRIES": raw})


def test_env_int_respects_minimum() -> None:
    assert env_int("N", 5, minimum=1, environ={"N": "1"}) == 1
    with pytest.raises(ImproperlyConfiguredEnv, match=r"^N=0 is below the minimum of 1"):
        env_int("N", 5, minimum=1, environ={"N": "0"})


def test_env_list_splits_commas_and_drops_empties() -> None:
    raw = " a.example, b.example,, ,c.example ,"
    assert env_list("HOSTS", [], environ={"HOSTS": raw}) == ["a.example", "b.example", "c.example"]


def test_env_list_default_is_a_copy() -> None:
    default = ["x"]
    result = env_list("HOSTS", default, environ={})
    assert result == ["x"]
    result.append("y")
    assert default == ["x"]


def test_env_choice_accepts_known_values_case_insensitively() -> None:
    choices = ("whoosh", "postgres")
    assert env_choice("BACKEND", "whoosh", choices, environ={"BACKEND": " Postgres "}) == "postgres"
    assert env_choice("BACKEND", "whoosh", choices, environ={}) == "whoosh"
    assert env_choice("BACKEND", "whoosh", choices, environ={"BACKEND": ""}) == "whoosh"


def test_env_choice_rejects_unknown_values() -> None:
    with pytest.raises(ImproperlyConfiguredEnv, match=r"^BACKEND='elastic'.*whoosh, postgres"):
        env_choice("BACKEND", "whoosh", ("whoosh", "postgres"), environ={"BACKEND": "elastic"})


# --- cxresearch.settings, imported fresh ----------------------------------------------------


def test_debug_off_without_secret_key_refuses_to_start(tmp_path: Path) -> None:
    loaded = load_settings(tmp_path, "SECRET_KEY", DEBUG="false")
    assert loaded["error"] == "ImproperlyConfigured"
    assert "SECRET_KEY" in loaded["message"]


def test_debug_unset_means_off_and_still_needs_secret_key(tmp_path: Path) -> None:
    loaded = load_settings(tmp_path, "SECRET_KEY")
    assert loaded["error"] == "ImproperlyConfigured"
    assert "SECRET_KEY" in loaded["message"]


def test_debug_on_without_secret_key_uses_local_development_key(tmp_path: Path) -> None:
    loaded = load_settings(tmp_path, "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", DEBUG="true")
    assert loaded["DEBUG"] is True
    assert loaded["SECRET_KEY"].startswith("django-insecure-")
    assert loaded["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost"]


def test_debug_off_with_secret_key_uses_it(tmp_path: Path) -> None:
    key = strong_secret_key()
    loaded = load_settings(tmp_path, "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", SECRET_KEY=key)
    assert loaded["DEBUG"] is False
    assert loaded["SECRET_KEY"] == key
    assert loaded["ALLOWED_HOSTS"] == []


def test_database_url_is_parsed(tmp_path: Path) -> None:
    loaded = load_settings(
        tmp_path,
        "DATABASES",
        DEBUG="true",
        DATABASE_URL="postgres://u:p@db.example:5433/cx",
    )
    db = loaded["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert db["HOST"] == "db.example"
    assert db["PORT"] == 5433
    assert db["NAME"] == "cx"
    assert db["USER"] == "u"
    assert db["PASSWORD"] == "p"


def test_without_database_url_sqlite_lives_under_var_dir(tmp_path: Path) -> None:
    var_dir = tmp_path / "state"
    loaded = load_settings(tmp_path, "DATABASES", "VAR_DIR", DEBUG="true", VAR_DIR=str(var_dir))
    db = loaded["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert Path(db["NAME"]).parent == var_dir
    assert Path(loaded["VAR_DIR"]) == var_dir
    assert var_dir.is_dir()  # created so SQLite can open the file


SQLITE_PRAGMAS = """
import django
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    print(cursor.execute("PRAGMA journal_mode").fetchone()[0],
          cursor.execute("PRAGMA synchronous").fetchone()[0])
"""


def test_sqlite_writes_ahead_without_waiting_for_the_disk_at_each_commit(tmp_path: Path) -> None:
    env = clean_env(tmp_path, DEBUG="true", DJANGO_SETTINGS_MODULE="cxresearch.settings")
    result = run_python(["-c", SQLITE_PRAGMAS], env)
    assert result.returncode == 0, result.stderr
    journal_mode, synchronous = result.stdout.split()
    assert journal_mode == "wal"
    assert synchronous == "1"  # NORMAL: the log is flushed at checkpoints, not every commit


def test_without_redis_url_celery_runs_tasks_eagerly(tmp_path: Path) -> None:
    loaded = load_settings(tmp_path, "CELERY_TASK_ALWAYS_EAGER", "CELERY_BROKER_URL", DEBUG="true")
    assert loaded["CELERY_TASK_ALWAYS_EAGER"] is True
    assert loaded["CELERY_BROKER_URL"] == "memory://"


def test_with_redis_url_celery_uses_the_broker(tmp_path: Path) -> None:
    url = "redis://cache.example:6380/2"
    loaded = load_settings(
        tmp_path, "CELERY_TASK_ALWAYS_EAGER", "CELERY_BROKER_URL", DEBUG="true", REDIS_URL=url
    )
    assert loaded["CELERY_TASK_ALWAYS_EAGER"] is False
    assert loaded["CELERY_BROKER_URL"] == url


def test_broker_calls_time_out_and_publishing_retries_briefly(tmp_path: Path) -> None:
    names = (
        "CELERY_BROKER_CONNECTION_TIMEOUT",
        "CELERY_BROKER_TRANSPORT_OPTIONS",
        "CELERY_TASK_PUBLISH_RETRY_POLICY",
    )
    loaded = load_settings(tmp_path, *names, DEBUG="true", BROKER_TIMEOUT_SECONDS="5")
    assert loaded["CELERY_BROKER_CONNECTION_TIMEOUT"] == 5
    options = loaded["CELERY_BROKER_TRANSPORT_OPTIONS"]
    assert (options["socket_connect_timeout"], options["socket_timeout"]) == (5, 6)
    assert loaded["CELERY_TASK_PUBLISH_RETRY_POLICY"]["max_retries"] == 1


def test_source_file_retention_defaults_to_keeping_files(tmp_path: Path) -> None:
    assert load_settings(tmp_path, "SOURCE_FILE_RETENTION_DAYS", DEBUG="true") == {
        "SOURCE_FILE_RETENTION_DAYS": 0
    }
    loaded = load_settings(
        tmp_path, "SOURCE_FILE_RETENTION_DAYS", DEBUG="true", SOURCE_FILE_RETENTION_DAYS="90"
    )
    assert loaded["SOURCE_FILE_RETENTION_DAYS"] == 90
    refused = load_settings(
        tmp_path, "SOURCE_FILE_RETENTION_DAYS", DEBUG="true", SOURCE_FILE_RETENTION_DAYS="-1"
    )
    assert refused["error"] == "ImproperlyConfiguredEnv"
    assert "SOURCE_FILE_RETENTION_DAYS" in refused["message"]


def test_the_cache_is_shared_by_every_process(tmp_path: Path) -> None:
    # Log-in throttling counts in the cache: the database's, or Redis when there is one.
    local = load_settings(tmp_path, "CACHES", DEBUG="true")["CACHES"]["default"]
    assert local["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    url = "redis://cache.example:6380/2"
    shared = load_settings(tmp_path, "CACHES", DEBUG="true", REDIS_URL=url)["CACHES"]["default"]
    assert shared["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert shared["LOCATION"] == url


def test_unknown_search_backend_is_rejected(tmp_path: Path) -> None:
    loaded = load_settings(tmp_path, "SEARCH_BACKEND", DEBUG="true", SEARCH_BACKEND="elastic")
    assert loaded["error"] == "ImproperlyConfiguredEnv"
    assert "SEARCH_BACKEND" in loaded["message"]
    assert "whoosh, postgres" in loaded["message"]


def test_search_backend_defaults_to_whoosh(tmp_path: Path) -> None:
    loaded = load_settings(tmp_path, "SEARCH_BACKEND", DEBUG="true")
    assert loaded["SEARCH_BACKEND"] == "whoosh"


def test_allowed_hosts_is_a_comma_separated_list(tmp_path: Path) -> None:
    loaded = load_settings(
        tmp_path, "ALLOWED_HOSTS", DEBUG="true", ALLOWED_HOSTS="a.example, b.example"
    )
    assert loaded["ALLOWED_HOSTS"] == ["a.example", "b.example"]


def test_debug_junk_value_is_rejected_naming_debug(tmp_path: Path) -> None:
    loaded = load_settings(tmp_path, "DEBUG", DEBUG="maybe", SECRET_KEY=strong_secret_key())
    assert loaded["error"] == "ImproperlyConfiguredEnv"
    assert loaded["message"].startswith("DEBUG=")
    assert "maybe" in loaded["message"]


# --- manage.py check --deploy ------------------------------------------------------------------


def deploy_check(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    env = clean_env(
        tmp_path,
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        MEDIA_ROOT=str(tmp_path / "media"),
        SECRET_KEY=strong_secret_key(),
        ALLOWED_HOSTS="cx.example",
        **env,
    )
    return run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)


def test_production_settings_pass_the_deploy_check_cleanly(tmp_path: Path) -> None:
    result = deploy_check(tmp_path, DEBUG="false")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output


def test_deploy_check_warns_when_debug_is_on(tmp_path: Path) -> None:
    result = deploy_check(tmp_path, DEBUG="true")
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "security.W018" in output  # DEBUG must not be True in deployment


# --- the test database --------------------------------------------------------------------------


@pytest.mark.django_db
def test_test_database_matches_the_environment() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    if os.environ.get("CI") == "true":
        # CI must exercise PostgreSQL, not silently fall back to SQLite.
        assert connection.vendor == "postgresql"
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        assert connection.vendor == "postgresql"
