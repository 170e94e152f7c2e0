"""Helpers for the transcript import tests: files in the shapes tools write, counts of what
the database and storage hold, and the upload and message plumbing of the pages."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from interviews.models import (
    Participant,
    ResearchProject,
    Session,
    Speaker,
    Transcript,
    Utterance,
)
from interviews.transcripts import (
    TranscriptImportError,
    transcript_import,
)
from tests.factories import (
    make_consent,
    make_enrollment,
    make_participant,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "transcripts"
FIXTURE_NAMES = sorted(path.name for path in FIXTURES.iterdir())

# --- Helpers ------------------------------------------------------------------------------------


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def counts() -> dict[str, int]:
    return {
        "sessions": Session.objects.count(),
        "transcripts": Transcript.objects.count(),
        "speakers": Speaker.objects.count(),
        "utterances": Utterance.objects.count(),
    }


def stored_files(directory: str = "transcripts") -> set[str]:
    """Every file under a directory of default_storage (one InMemoryStorage for the whole run)."""
    try:
        directories, files = default_storage.listdir(directory)
    except FileNotFoundError:
        return set()
    found = {f"{directory}/{name}" for name in files}
    for sub in directories:
        found |= stored_files(f"{directory}/{sub}")
    return found


def consenting(project: ResearchProject, *, name: str = "Ada Lovelace") -> Participant:
    """A participant enrolled in the study with valid consent for it."""
    participant = make_participant(name=name)
    make_enrollment(project, participant)
    make_consent(participant, project=project)
    return participant


def vtt(*cues: tuple[int, str, str]) -> bytes:
    """A WebVTT file from (start second, voice, text) cues, each lasting three seconds."""
    blocks = ["WEBVTT", ""]
    for start, voice, text in cues:
        blocks += [f"{_ts(start)}.000 --> {_ts(start + 3)}.000", f"<v {voice}>{text}</v>", ""]
    return "\n".join(blocks).encode()


def _ts(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def txt(*turns: tuple[str, str]) -> bytes:
    return "\n".join(f"{speaker}: {text}" for speaker, text in turns).encode()


def timed_txt(turns: int) -> bytes:
    """A .txt transcript of alternating turns, five seconds apart."""
    lines = []
    for number in range(turns):
        speaker = "Interviewer" if number % 2 == 0 else "Ada"
        lines.append(f"[{_ts(number * 5)}] {speaker}: Turn number {number} about the renewal.")
    return "\n\n".join(lines).encode()


def docx_bytes() -> bytes:
    document = docx.Document()
    document.add_heading("Renewal interview", level=1)
    for label, text in [
        ("Interviewer:", " How did the renewal go? 🙂"),
        ("Ada Lovelace:", " Slowly. Procurement wanted three quotes."),
        ("Interviewer:", " And the SSO add-on?"),
        ("Ada Lovelace:", " We dropped it — too expensive."),
    ]:
        paragraph = document.add_paragraph()
        paragraph.add_run(label).bold = True
        paragraph.add_run(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def assert_offsets_hold(transcript: Transcript) -> list[Utterance]:
    utterances = list(transcript.utterances.order_by("position"))
    assert utterances
    assert [u.position for u in utterances] == list(range(len(utterances)))
    for utterance in utterances:
        assert transcript.text[utterance.start : utterance.end] == utterance.text
        assert utterance.text.strip() == utterance.text and utterance.text
    return utterances


def mapping(transcript: Transcript) -> dict[str, tuple[Participant | None, User | None]]:
    return {s.label: (s.participant, s.interviewer) for s in transcript.speakers.all()}


def import_error(session: Session, filename: str, data: bytes) -> str:
    with pytest.raises(TranscriptImportError) as caught:
        transcript_import(session=session, filename=filename, data=data, by=None)
    return str(caught.value)


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def import_url(project: ResearchProject) -> str:
    """The page that imports files as new sessions of the study."""
    return reverse("interviews:transcript-import", args=[project.slug])


def upload_url(session: Session) -> str:
    """The page that adds files to one session."""
    return reverse("interviews:transcript-upload", args=[session.project.slug, session.pk])


ZOOM = fixture_bytes("zoom.vtt")
GOOD = txt(("Interviewer", "How did the renewal go?"), ("Ana", "Slowly; procurement again."))
BROKEN_SRT = b"1\n00:00:01,000 --> 00:00"  # cut short in its first cue's timing line
TODAY = timezone.localdate()
