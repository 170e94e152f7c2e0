"""What a web process does once, after Django has started and before it serves requests."""

from __future__ import annotations

import gc

from django.urls import get_resolver


def settle_after_startup() -> None:
    """Load the URLconf (and with it every view module), then freeze what is alive.

    A web process holds about 160,000 objects after start-up (modules, classes, functions,
    the URLconf), alive until it exits. Python's cyclic garbage collector walks all of them
    in every full collection, and a page that makes many objects (the transcript reader)
    sets one off every few requests: 150–250 ms each on the 2-CPU bench machine, which made
    that page's p95 three times its median. gc.freeze() moves them to a permanent generation
    that collections skip; objects made later are collected as before.
    """
    get_resolver().url_patterns  # noqa: B018 - imports the URLconf's views
    gc.collect()
    gc.freeze()
