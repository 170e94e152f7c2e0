"""The search backend of this process, chosen by settings.SEARCH_BACKEND.

One instance per process: a Whoosh index costs tens of milliseconds to open and keeps its
searcher between requests, so every caller (views, tasks, commands) shares the one made here.
The backend modules are imported on first use, so importing this module never loads Whoosh
or touches the index directory.
"""

from __future__ import annotations

import threading

from django.conf import settings

from insights.search.base import SearchBackend

_backend: SearchBackend | None = None
_lock = threading.Lock()


def get_backend() -> SearchBackend:
    """The process's backend, created on first call."""
    global _backend
    backend = _backend
    if backend is not None:
        return backend
    with _lock:
        if _backend is None:
            _backend = _make_backend(settings.SEARCH_BACKEND)
        return _backend


def reset_backend() -> None:
    """Forget the backend so the next get_backend() builds one from the current settings (tests)."""
    global _backend
    with _lock:
        backend, _backend = _backend, None
    close = getattr(backend, "close", None)
    if callable(close):
        close()


def warm_backend() -> None:
    """Prepare the process's backend for its first search (Whoosh: open the searcher, build its
    document sets); the other backends have nothing to prepare."""
    warm = getattr(get_backend(), "warm", None)
    if callable(warm):
        warm()


def _make_backend(name: str) -> SearchBackend:
    if name == "whoosh":
        from insights.search.whoosh.backend import WhooshBackend

        return WhooshBackend(
            settings.SEARCH_INDEX_DIR, time_limit=settings.SEARCH_TIME_LIMIT_MS / 1000
        )
    if name == "postgres":
        from insights.search.postgres_backend import PostgresBackend

        return PostgresBackend(time_limit=settings.SEARCH_TIME_LIMIT_MS / 1000)
    # settings.py already refuses other values; this guards a test that overrides it.
    raise ValueError(f"Unknown SEARCH_BACKEND {name!r}: use 'whoosh' or 'postgres'.")
