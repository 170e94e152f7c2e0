"""`manage.py import_transcripts`: a folder of files into a study from the command line."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from interviews.models import (
    Membership,
    ResearchProject,
    Session,
    Transcript,
)
from interviews.transcripts import (
    TranscriptImportError,
    transcript_import,
)
from tests.factories import (
    make_consent,
    make_participant,
    make_session,
)
from tests.interviews.importing import (
    ZOOM,
    consenting,
    counts,
    fixture_bytes,
)

# --- manage.py import_transcripts ---------------------------------------------------------------


class TtyStringIO(io.StringIO):
    def isatty(self) -> bool:
        return True


def run_command(*args: str, stdout: io.StringIO | None = None) -> tuple[str, Exception | None]:
    out = stdout or io.StringIO()
    try:
        call_command("import_transcripts", *args, stdout=out, stderr=io.StringIO())
    except CommandError as error:
        return out.getvalue(), error
    return out.getvalue(), None


@pytest.fixture
def folder(tmp_path: Path, project: ResearchProject) -> Path:
    ada = consenting(project, name="Ada Lovelace")
    (tmp_path / f"{ada.pseudonym} 2026-10-14.vtt").write_bytes(ZOOM)
    (tmp_path / "unknown-caller.srt").write_bytes(fixture_bytes("no_speakers.srt"))
    (tmp_path / "ignored.pdf").write_bytes(b"%PDF")
    (tmp_path / ".hidden.txt").write_bytes(b"Ada: hi")
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "deeper.txt").write_bytes(fixture_bytes("otter.txt"))
    return tmp_path


def test_command_imports_a_directory_and_prints_a_summary(folder: Path, project: ResearchProject):
    before = counts()

    output, error = run_command(str(folder), "--project", project.slug)

    assert error is None
    assert counts()["sessions"] == before["sessions"] + 2
    lines = output.splitlines()
    assert lines[0].startswith("[1/2] imported: ") and lines[0].endswith("2026-10-14.vtt")
    assert lines[1] == f"[2/2] imported: {folder / 'unknown-caller.srt'}"
    assert "Imported 2, already imported 0, refused 0." in output
    assert "Sessions that need a participant linked" in output
    unlinked = Session.objects.get(project=project, title="Unknown-caller")
    assert f"{unlinked.get_absolute_url()}edit/" in output
    assert not Transcript.objects.filter(source_filename__in=["deeper.txt", ".hidden.txt"])


def test_command_reads_subdirectories_with_recursive(folder: Path, project: ResearchProject):
    output, error = run_command(str(folder), "--project", project.slug, "--recursive")

    assert error is None
    assert "Imported 3, already imported 0, refused 0." in output
    assert Transcript.objects.filter(source_filename="deeper.txt").exists()


def test_command_run_twice_imports_nothing_new(folder: Path, project: ResearchProject):
    run_command(str(folder), "--project", project.slug)
    before = counts()

    output, error = run_command(str(folder), "--project", project.slug)

    assert error is None
    assert "Imported 0, already imported 2, refused 0." in output
    assert "[1/2] already imported: " in output
    assert counts() == before


def test_command_draws_a_progress_bar_on_a_terminal(folder: Path, project: ResearchProject):
    output, error = run_command(str(folder), "--project", project.slug, stdout=TtyStringIO())

    assert error is None
    assert output.count("\r[") == 2
    assert "\r[###############...............] 1/2 " in output
    assert "\r[##############################] 2/2 " in output


def test_command_refusal_prints_the_summary_then_fails(tmp_path: Path, project: ResearchProject):
    (tmp_path / "good.vtt").write_bytes(ZOOM)
    (tmp_path / "cut.vtt").write_bytes(ZOOM[: ZOOM.index(b"00:00:10.420") + 8])
    (tmp_path / "slides.pdf").write_bytes(b"%PDF")
    missing = tmp_path / "missing.txt"
    before = counts()

    output, error = run_command(
        str(tmp_path / "good.vtt"),
        str(tmp_path / "cut.vtt"),
        str(tmp_path / "slides.pdf"),
        str(missing),
        "--project",
        project.slug,
    )

    assert isinstance(error, CommandError)
    assert error.returncode == 1
    assert "3 of 4 files refused" in str(error)
    assert "Imported 1, already imported 0, refused 3." in output
    refused = output.split("Refused:\n", 1)[1]
    assert f"  {tmp_path / 'cut.vtt'}: this is not a valid WebVTT file" in refused
    assert f'  {tmp_path / "slides.pdf"}: files of type ".pdf" cannot be imported' in refused
    assert f"  {missing}: no such file or directory." in refused
    assert counts()["sessions"] == before["sessions"] + 1


def test_command_refuses_an_empty_directory(tmp_path: Path, project: ResearchProject):
    output, error = run_command(str(tmp_path), "--project", project.slug)

    assert isinstance(error, CommandError)
    assert f"  {tmp_path}: no .txt/.md/.docx/.vtt/.srt files in it." in output


def test_command_refuses_a_file_over_the_limit_without_reading_it(
    tmp_path: Path, project: ResearchProject, settings
):
    settings.TRANSCRIPT_MAX_BYTES = 1024 * 1024
    big = tmp_path / "big.txt"
    big.write_bytes(b"Ada: hi\n" * 200_000)
    before = counts()

    output, error = run_command(str(big), "--project", project.slug)

    assert error is not None
    assert f"  {big}: the file is 1.5 MB, which is over the 1.0 MB limit" in output
    assert counts() == before


def test_command_with_an_unknown_study_fails_clearly(tmp_path: Path, project: ResearchProject):
    with pytest.raises(CommandError, match="No study has the short name “nope”"):
        call_command("import_transcripts", str(tmp_path), project="nope", stdout=io.StringIO())


def test_command_records_the_user_as_importer_and_interviewer(
    tmp_path: Path, project: ResearchProject, researcher: User
):
    (tmp_path / "call.vtt").write_bytes(ZOOM)

    _output, error = run_command(str(tmp_path), "--project", project.slug, "--user", "researcher")

    transcript = Transcript.objects.get(source_filename="call.vtt")
    assert error is None
    assert transcript.imported_by == researcher
    assert list(transcript.session.interviewers.all()) == [researcher]


@pytest.mark.parametrize(
    ("username", "says"), [("ghost", "No active user"), ("viewer", "not a lead or researcher")]
)
def test_command_refuses_an_unknown_user_or_a_viewer(
    tmp_path: Path, project: ResearchProject, username: str, says: str
):
    (tmp_path / "call.vtt").write_bytes(ZOOM)
    before = counts()

    with pytest.raises(CommandError, match=says):
        call_command(
            "import_transcripts",
            str(tmp_path),
            project=project.slug,
            user=username,
            stdout=io.StringIO(),
        )

    assert counts() == before


def test_command_without_a_user_records_no_importer(tmp_path: Path, project: ResearchProject):
    (tmp_path / "call.vtt").write_bytes(ZOOM)

    run_command(str(tmp_path / "call.vtt"), "--project", project.slug)

    transcript = Transcript.objects.get(source_filename="call.vtt")
    assert transcript.imported_by is None
    assert not transcript.session.interviewers.exists()
    assert Membership.objects.filter(project=project).count() == 3


def test_consent_is_checked_on_the_given_day(project: ResearchProject) -> None:

    from tests.factories import ZOOM_VTT

    participant = make_participant(name="Ada Lovelace")
    make_consent(participant, given_on=dt.date(2026, 1, 1), expires_on=dt.date(2026, 6, 30))
    session = make_session(project, participants=[participant])
    with pytest.raises(TranscriptImportError, match="no valid consent"):
        transcript_import(session=session, filename="a.vtt", data=ZOOM_VTT.encode(), by=None)
    transcript, created = transcript_import(
        session=session,
        filename="a.vtt",
        data=ZOOM_VTT.encode(),
        by=None,
        today=dt.date(2026, 3, 1),
    )
    assert created and transcript.utterance_count == 2  # two of Ada's cues merge
