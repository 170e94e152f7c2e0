"""Rows measured over HTTP against the team set-up, as `make serve` runs it (README, "Running
for a team"): gunicorn with DEBUG off, PostgreSQL with SEARCH_BACKEND=postgres, Redis, and the
Celery workers.

Each process is started with its own line of the Procfile (web, worker, search; beat only
fires periodic tasks, which have nothing to do in a few minutes), against a database of their
own, "cxbench_team" (BENCH_DATABASE_NAME with "_team", bench.names), which the first of these
rows creates, migrates and fills (bench.team_data, in a process with the servers'
environment) and the bench drops when it ends. They need:

- BENCH_TEAM_DATABASE_URL: a PostgreSQL server; the database it names is only used to create
  and drop cxbench_team. When the bench itself runs on PostgreSQL, DATABASE_URL's server.
- REDIS_URL (bench.run hands it on as BENCH_TEAM_REDIS_URL, as the other rows run Celery
  eagerly): a Redis database no other deployment's worker reads, or that worker would take
  the bench's tasks, e.g. redis://127.0.0.1:6379/14.

Without them, or when one does not answer, the rows are not run and the table says why.

The data are the side-by-side rows' (bench.taguette): the same interview and the same spans
with the same three codes for the highlight POST, the same new interview for each import, so
the figures compare with the embedded set-up's and Taguette's in the same run. The client is
bench.http's: a requests session, logged in, each call timed from sending to the whole answer
read. An import is answered with a redirect to its job's page: the row times the POST, then,
untimed, follows the job until the worker has imported the file, so each import starts with
the workers idle; the time until then goes into the row's info.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.urls import reverse

from bench import formats
from bench import http as bench_http
from bench.measure import Context, MaxP95, Trial, Unavailable, measurement, once_per_run
from bench.names import team_database_name
from bench.suite import (
    HTTP_HIGHLIGHT_P95_MS,
    HTTP_IMPORT_P95_MS,
    HTTP_IMPORT_WORDS,
    _http_calls,
    _settle,
)
from bench.taguette import HIGHLIGHT_CALLS, IMPORT_CALLS, interview

BASE_DIR = Path(__file__).resolve().parent.parent
PROCESSES = ("web", "worker", "search")
USERNAME = "bench-team"
HIGHLIGHT_SLUG = "team-highlight"
IMPORT_SLUG = "team-import"
SETUP_TIMEOUT_SECONDS = 600
READY_TIMEOUT_SECONDS = 120
JOB_TIMEOUT_SECONDS = 60
JOB_PAGE = re.compile(r"/jobs/(\d+)/")
# What a Celery worker logs once it consumes its queues.
WORKER_READY = re.compile(r"@\S+ ready\.")
NOT_CONFIGURED = (
    "n/a: the team set-up needs PostgreSQL and Redis: set BENCH_TEAM_DATABASE_URL=postgres://… "
    "(or run the bench on PostgreSQL) and REDIS_URL=redis://… (a database of its own)"
)


# --- The servers ----------------------------------------------------------------------------


def _urls() -> tuple[str, str]:
    return (
        os.environ.get("BENCH_TEAM_DATABASE_URL", "").strip(),
        os.environ.get("BENCH_TEAM_REDIS_URL", "").strip(),
    )


def _where(url: str) -> str:
    """host:port of a URL, never its password."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)


def _admin_url(url: str) -> str:
    return url.replace("pgsql://", "postgresql://", 1)


def unavailable_reason() -> str | None:
    """Why the team rows cannot run here, or None: a server unset or not answering."""
    import psycopg
    import redis

    database_url, redis_url = _urls()
    if not database_url.startswith(("postgres://", "postgresql://", "pgsql://")) or not redis_url:
        return NOT_CONFIGURED
    if urlsplit(database_url).path.strip("/") == (name := team_database_name()):
        return f"n/a: BENCH_TEAM_DATABASE_URL must name another database than {name}"
    try:
        psycopg.connect(_admin_url(database_url), connect_timeout=5).close()
    except psycopg.Error as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else "no answer"
        return f"n/a: PostgreSQL at {_where(database_url)} is unreachable: {first_line}"
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=3, socket_timeout=3).ping()
    except redis.RedisError as error:
        return f"n/a: Redis at {_where(redis_url)} is unreachable: {error}"
    return None


@dataclass(frozen=True)
class Team:
    """The team database, made for this bench run, and the environment of its servers."""

    admin_url: str
    env: dict[str, str]

    def data(self, *args: str) -> dict[str, object]:
        """Run a bench.team_data command; its JSON answer, if it printed one."""
        done = subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "bench.team_data", *args],
            cwd=BASE_DIR,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=SETUP_TIMEOUT_SECONDS,
            check=False,
        )
        if done.returncode != 0:
            lines = done.stderr.strip().splitlines() or ["no output"]
            raise Unavailable(f"failed: bench.team_data {args[0]}: {lines[-1]}")
        last = (done.stdout.strip().splitlines() or [""])[-1]
        answer: dict[str, object] = json.loads(last) if last.startswith("{") else {}
        return answer

    def drop(self) -> None:
        import psycopg

        atexit.unregister(self.drop)
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {team_database_name()} WITH (FORCE)")


def team(ctx: Context) -> Team:
    """The team database, created, migrated and given the bench user once per bench run."""
    return once_per_run(ctx, "team", _create, Team)


def _create() -> Team:
    import psycopg

    database_url, redis_url = _urls()
    admin_url = _admin_url(database_url)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        name = team_database_name()
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")  # left by a crash
        admin.execute(f"CREATE DATABASE {name}")
    made = Team(admin_url=admin_url, env=environment(database_url, redis_url))
    atexit.register(made.drop)  # however the bench run ends
    made.data("prepare", USERNAME, bench_http.PASSWORD)
    return made


def environment(database_url: str, redis_url: str) -> dict[str, str]:
    """The team servers' settings: production's, over plain http on the loopback."""
    var = BASE_DIR / "var" / "bench-team"
    env = dict(os.environ)
    # What bench.run set for the bench's own database and index.
    for name in ("SEARCH_INDEX_DIR", "BENCH_TEAM_DATABASE_URL", "BENCH_TEAM_REDIS_URL"):
        env.pop(name, None)
    parts = urlsplit(database_url)
    env.update(
        DJANGO_SETTINGS_MODULE="cxresearch.settings",
        DEBUG="false",
        SECRET_KEY="bench-team-secret-key-used-by-the-benchmarks-only-0123456789",  # noqa: S106
        ALLOWED_HOSTS="127.0.0.1",
        # Plain http, as README "Running for a team" says to try it on one's own machine.
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        DATABASE_URL=urlunsplit(parts._replace(path=f"/{team_database_name()}")),
        REDIS_URL=redis_url,
        SEARCH_BACKEND="postgres",
        VAR_DIR=str(var),
        MEDIA_ROOT=str(var / "media"),
    )
    return env


def procfile(path: Path = BASE_DIR / "Procfile") -> dict[str, str]:
    """The Procfile's processes: name → command line (comments and blank lines skipped)."""
    commands = {}
    for line in path.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _colon, command = line.partition(":")
        commands[name.strip()] = command.strip()
    return commands


def start(made: Team) -> bench_http.Server:
    """The Procfile's web, worker and search processes on a free port, and a client logged in."""
    address = f"127.0.0.1:{bench_http._free_port()}"
    # gunicorn's control socket has one default path per user: the bench's server must not
    # take it over from another on the machine (cxresearch.gunicorn_embedded says the same).
    env = dict(made.env, WEB_BIND=address, GUNICORN_CMD_ARGS="--no-control-socket")
    commands = procfile()
    logs = {name: BASE_DIR / "var" / f"bench-http-team-{name}.log" for name in PROCESSES}
    processes = {}
    for name in PROCESSES:
        with open(logs[name], "wb") as log:
            # exec: the process is the command itself, so terminate() reaches it.
            processes[name] = subprocess.Popen(  # noqa: S603 - the Procfile's own commands
                ["/bin/sh", "-c", f"exec {commands[name]}"],  # noqa: S607
                cwd=BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
    server = bench_http.Server(
        kind="team",
        base=f"http://{address}",
        process=processes["web"],
        others=[processes[name] for name in PROCESSES if name != "web"],
    )
    try:
        for name in PROCESSES:
            if name != "web":
                _wait_for_worker(processes[name], logs[name])
        bench_http._wait_until_up(server)
        bench_http._log_in(server, USERNAME)
    except Exception as error:
        server.stop()
        raise Unavailable(f"failed: the team set-up did not start: {error}") from error
    return server


def _wait_for_worker(process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while not WORKER_READY.search(log.read_text(errors="replace")):
        if process.poll() is not None:
            raise RuntimeError(f"a worker exited; see var/{log.name}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"a worker was not ready in time; see var/{log.name}")
        time.sleep(0.2)


def wait_for_import(server: bench_http.Server, location: str) -> None:
    """Follow the job an import's answer redirected to until the worker has imported the file.

    A redirect elsewhere (the transcript's page) means the job was done before the answer.
    """
    match = JOB_PAGE.fullmatch(urlsplit(location).path)
    if match is None:
        return
    status_url = server.url(reverse("jobs:job-status", args=[int(match.group(1))]))
    deadline = time.monotonic() + JOB_TIMEOUT_SECONDS
    while True:
        status = server.http.get(status_url, timeout=30).json()
        if not status["active"]:
            break
        if time.monotonic() > deadline:
            raise AssertionError(f"The import job was still {status['state']} after a minute.")
        time.sleep(0.01)
    outcomes = [item["outcome"] for item in status["items"]]
    if status["state"] != "done" or outcomes != ["done"]:
        raise AssertionError(
            f"The import job ended {status['state']} ({outcomes}): {status['error'] or ''}"
        )


# --- The rows ---------------------------------------------------------------------------------
# Registered last (bench.run imports this module after bench.taguette); the embedded set-up's
# rows, "HTTP: …", are in bench.suite.


@measurement(
    "HTTP team: highlight POST (make serve)",
    targets=(MaxP95(HTTP_HIGHLIGHT_P95_MS),),
    repetitions=_http_calls(HIGHLIGHT_CALLS),
    # Three gunicorn worker processes, each loading its code at its first requests.
    warmup=lambda scale: 10,
    needs=unavailable_reason,
    count_queries=False,  # the server is another process; the in-process rows count them
)
def team_highlight(ctx: Context) -> Trial:
    """POST insights:highlight-create on the side-by-side rows' spans, as coding.js does."""
    made = team(ctx)
    bodies = made.data("highlight", HIGHLIGHT_SLUG, USERNAME, str(ctx.calls))["bodies"]
    assert isinstance(bodies, list)
    server = start(made)
    url = server.url(reverse("insights:highlight-create", args=[HIGHLIGHT_SLUG]))
    headers = {
        "X-CSRFToken": server.csrf,
        "Referer": server.base + "/",
        "Content-Type": "application/json",
    }

    def run(i: int) -> None:
        response = server.http.post(url, data=json.dumps(bodies[i]), headers=headers, timeout=30)
        if response.status_code != 201:
            raise AssertionError(f"POST {url} answered {response.status_code}: {response.text}")

    info: dict[str, object] = {"server": "team", "processes": list(PROCESSES)}
    return Trial(run, before=_settle, teardown=server.stop, info=info)


@measurement(
    "HTTP team: transcript import, 3,000 words (make serve)",
    targets=(MaxP95(HTTP_IMPORT_P95_MS),),
    repetitions=_http_calls(IMPORT_CALLS),
    warmup=lambda scale: 6,
    needs=unavailable_reason,
    count_queries=False,
)
def team_import(ctx: Context) -> Trial:
    """POST interviews:transcript-import with a new .txt interview a call, as a new session.

    One such file is imported by the request itself, so the answer is its transcript. Were it
    a job (TRANSCRIPT_IMPORT_IN_REQUEST_MAX_BYTES=0), the timed part would be the answer only,
    and the job it redirects to is followed until the worker has imported the file
    ("until_imported_median_ms")."""
    made = team(ctx)
    made.data("study", IMPORT_SLUG, USERNAME)
    bodies = [formats.txt(interview(f"side-by-side-{i}")) for i in range(ctx.calls)]
    server = start(made)
    url = server.url(reverse("interviews:transcript-import", args=[IMPORT_SLUG]))
    headers = {"Referer": server.base + "/"}
    answers: dict[int, tuple[float, str]] = {}
    until_imported_ms: list[float] = []
    info: dict[str, object] = {"server": "team", "words": HTTP_IMPORT_WORDS, "format": "txt"}

    def run(i: int) -> None:
        sent = time.perf_counter()
        response = server.http.post(
            url,
            data={"csrfmiddlewaretoken": server.csrf},
            files={"files": (f"interview-{i}.txt", bodies[i], "text/plain")},
            headers=headers,
            allow_redirects=False,
            timeout=60,
        )
        if response.status_code != 302:
            raise AssertionError(f"POST {url} answered {response.status_code}: not imported")
        answers[i] = (sent, response.headers["Location"])

    def after(i: int) -> None:
        sent, location = answers.pop(i)
        wait_for_import(server, location)
        until_imported_ms.append((time.perf_counter() - sent) * 1000)
        info["until_imported_median_ms"] = round(statistics.median(until_imported_ms), 1)

    return Trial(run, before=_settle, after=after, teardown=server.stop, info=info)
