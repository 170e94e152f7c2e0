"""Walking stored files by age, through default_storage, so sweeps work the same on local disk
and shared storage."""

from __future__ import annotations

import datetime as dt
import posixpath
from collections.abc import Iterator

from django.core.files.storage import Storage
from django.utils import timezone


def files_under(storage: Storage, top: str) -> Iterator[str]:
    try:
        directories, files = storage.listdir(top)
    except FileNotFoundError:
        return
    for name in files:
        yield posixpath.join(top, name)
    for directory in directories:
        yield from files_under(storage, posixpath.join(top, directory))


def older_than(storage: Storage, name: str, moment: dt.datetime) -> bool:
    try:
        modified = storage.get_modified_time(name)
    except (NotImplementedError, FileNotFoundError):
        # Without a date the file may belong to work still running: keep it.
        return False
    if timezone.is_naive(modified):
        modified = timezone.make_aware(modified, dt.UTC)
    return modified < moment
