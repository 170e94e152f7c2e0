"""Rows measured over real HTTP: the app served as `make run` serves it, in a process of its own.

The server runs the embedded set-up (SQLite, Celery eager, Whoosh) against the bench database,
and a keep-alive client (a requests session) logs in and times each call from the request
leaving to the whole response read: what a browser waits for, server and socket included.

BENCH_HTTP_SERVER picks the server: "gunicorn" (default: `make run`, cxresearch.gunicorn_embedded)
or "runserver" (`make dev`, Django's development server without auto-reload), so both can be
compared on the same data. The team set-up (`make serve`) has rows of its own: bench.team.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

BASE_DIR = Path(__file__).resolve().parent.parent
PASSWORD = "bench-http-password"  # noqa: S105 - set on the bench user for these rows only
START_TIMEOUT_SECONDS = 60


def server_kind() -> str:
    kind = os.environ.get("BENCH_HTTP_SERVER", "gunicorn")
    if kind not in ("gunicorn", "runserver"):
        raise SystemExit("BENCH_HTTP_SERVER must be gunicorn or runserver.")
    return kind


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _command(kind: str, address: str) -> list[str]:
    python = sys.executable
    if kind == "runserver":
        return [python, "manage.py", "runserver", "--noreload", address]
    # The same command as `make run`.
    gunicorn = str(Path(python).with_name("gunicorn"))
    return [
        gunicorn,
        "cxresearch.wsgi",
        "--config",
        "python:cxresearch.gunicorn_embedded",
        "--bind",
        address,
    ]


@dataclass
class Server:
    """A running server on a free port, with a logged-in keep-alive session.

    `others`: processes started with it and stopped with it (the team set-up's workers).
    """

    kind: str
    base: str
    process: subprocess.Popen
    http: requests.Session = field(default_factory=requests.Session)
    others: list[subprocess.Popen] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base + path

    @property
    def csrf(self) -> str:
        token = self.http.cookies.get("csrftoken")
        assert token is not None, "log in first: the server sets the CSRF cookie"
        return token

    def stop(self) -> None:
        self.http.close()
        processes = [self.process, *self.others]
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def start(username: str) -> Server:
    """Start the server on the bench database (bench.run set its environment) and log in."""
    kind = server_kind()
    address = f"127.0.0.1:{_free_port()}"
    _create_cache_table()
    env = dict(os.environ)
    # The `make run` configuration, not the bench's production settings.
    env.update(DJANGO_SETTINGS_MODULE="cxresearch.settings", DEBUG="true", LOG_LEVEL="WARNING")
    for name in ("ALLOWED_HOSTS", "SECRET_KEY", "REDIS_URL"):
        env.pop(name, None)
    log = open(BASE_DIR / "var" / f"bench-http-{kind}.log", "ab")  # noqa: SIM115
    process = subprocess.Popen(  # noqa: S603 - our own commands
        _command(kind, address), cwd=BASE_DIR, env=env, stdout=log, stderr=log
    )
    server = Server(kind=kind, base=f"http://{address}", process=process)
    try:
        _wait_until_up(server)
        _log_in(server, username)
    except BaseException:
        server.stop()
        raise
    return server


def _create_cache_table() -> None:
    """The table of the server's database cache (log-in throttling needs it).

    `migrate` made none: the bench's own settings keep their cache in memory.
    """
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import override_settings

    with override_settings(CACHES={"default": settings.DATABASE_CACHE}):
        call_command("createcachetable", verbosity=0)


def _wait_until_up(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"The {server.kind} server exited; see var/bench-http-{server.kind}*.log."
            )
        try:
            if server.http.get(server.url("/login/"), timeout=5).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass  # not listening yet, or its first request still loading the app on a busy box
        if time.monotonic() > deadline:
            raise RuntimeError(f"The {server.kind} server did not answer in time.")
        time.sleep(0.2)


def _log_in(server: Server, username: str) -> None:
    response = server.http.post(
        server.url("/login/"),
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": server.csrf},
        allow_redirects=False,
        timeout=30,
    )
    if response.status_code != 302:
        raise RuntimeError(f"Log-in answered {response.status_code}.")
