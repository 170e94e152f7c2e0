"""The uploaded file between the preview and the confirmation: stored in default_storage under
participant-imports/<uuid4>.<ext>, read and validated again on confirmation.
"""

from __future__ import annotations

import re
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from interviews.importers.participants.reading import (
    ImportFileError,
    check_filename,
    file_extension,
)

UPLOAD_DIR = "participant-imports"


_TOKEN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")

UPLOAD_GONE = (
    "The uploaded file is no longer available: it was already imported, or it expired. "
    "Nothing was imported; upload the file again."
)


def is_upload_token(token: str) -> bool:
    """A canonical uuid4, so a token can never name another path in storage."""
    return _TOKEN.fullmatch(token) is not None


def upload_path(token: str, filename: str) -> str:
    if not is_upload_token(token):
        raise ImportFileError(UPLOAD_GONE)
    check_filename(filename)
    return f"{UPLOAD_DIR}/{token}{file_extension(filename)}"


def upload_save(*, filename: str, data: bytes) -> str:
    """Keep an uploaded file until it is confirmed; return its token."""
    token = str(uuid.uuid4())
    path = upload_path(token, filename)
    saved = default_storage.save(path, ContentFile(data))
    if saved != path:  # a storage that renamed the file would lose it; a uuid4 never clashes
        default_storage.delete(saved)
        raise ImportFileError("The file could not be stored for the import; please try again.")
    return token


def upload_read(token: str, filename: str) -> bytes:
    path = upload_path(token, filename)
    if not default_storage.exists(path):
        raise ImportFileError(UPLOAD_GONE)
    with default_storage.open(path, "rb") as stored:
        data = stored.read()
    return data if isinstance(data, bytes) else data.encode()


def upload_delete(token: str, filename: str) -> None:
    try:
        path = upload_path(token, filename)
    except ImportFileError:
        return
    default_storage.delete(path)
