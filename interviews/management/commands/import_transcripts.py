"""`manage.py import_transcripts PATH... --project SLUG`: files become sessions of a study."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from interviews.importers.transcripts import SUPPORTED_EXTENSIONS
from interviews.models import Membership, ResearchProject
from interviews.transcripts import ImportOutcome, transcripts_import_as_sessions

BAR_WIDTH = 30


@dataclass(frozen=True)
class _Candidate:
    """A file to import, or a PATH that could not yield any (then `problem` says why)."""

    path: Path
    shown: str  # the path as the user will recognise it in the summary
    problem: str = ""


@dataclass(frozen=True)
class _Result:
    shown: str
    outcome: ImportOutcome


class Command(BaseCommand):
    help = (
        "Import transcript files into a study, one new session per file: the participant is "
        "matched from a pseudonym (P-014) or a participant's full name in the file name, and a "
        "date such as 2026-10-14 in the name sets the session's date (Zoom's "
        "GMT20261203-160431_Recording names also the time). Titles leave out what recorders add "
        "to names and read like “P-014 — Zoom interview, 3 Dec”. PATH may be files or "
        f"directories (their {', '.join(SUPPORTED_EXTENSIONS)} files, sorted by name; hidden "
        "files are skipped). Files are imported one at a time, each in its own transaction, so "
        "an interrupted run can simply be repeated: files already imported into the study are "
        "reported as such and add nothing. Exit status: 0 when every file was imported or "
        "already there, 1 when any file or PATH was refused (the summary lists each with the "
        "reason)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH", help="Files or directories.")
        parser.add_argument(
            "--project", required=True, metavar="SLUG", help="The study's short name."
        )
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="Record this lead or researcher of the study as importer and interviewer.",
        )
        parser.add_argument(
            "--recursive", action="store_true", help="Also read the sub-directories of PATHs."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        project = ResearchProject.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(
                f"No study has the short name “{options['project']}”. The short name is the "
                "part after /studies/ in the study's address."
            )
        by = _importer(options["user"], project) if options["user"] else None
        candidates = _collect(options["paths"], recursive=options["recursive"])
        show_progress = options["verbosity"] >= 1
        results = []
        for number, candidate in enumerate(candidates, start=1):
            outcome = _import_one(candidate, project=project, by=by)
            results.append(_Result(candidate.shown, outcome))
            if show_progress:
                self._progress(number, len(candidates), candidate.shown, outcome)
        if show_progress and candidates and self.stdout.isatty():
            self.stdout.write("")  # end the redrawn bar's line
        refused = self._summary(results)
        if refused:
            raise CommandError(
                f"{refused} of {len(results)} {_plural(len(results), 'file')} refused; "
                "see the list above."
            )

    def _progress(self, number: int, total: int, shown: str, outcome: ImportOutcome) -> None:
        if self.stdout.isatty():
            filled = BAR_WIDTH * number // total
            bar = "#" * filled + "." * (BAR_WIDTH - filled)
            # Pad so a shorter name fully covers the previous one.
            self.stdout.write(f"\r[{bar}] {number}/{total} {shown[-40:]:<40}", ending="")
            self.stdout.flush()
        else:
            self.stdout.write(f"[{number}/{total}] {_status(outcome)}: {shown}")

    def _summary(self, results: list[_Result]) -> int:
        imported = [r for r in results if r.outcome.ok and r.outcome.created]
        again = [r for r in results if r.outcome.ok and not r.outcome.created]
        refused = [r for r in results if not r.outcome.ok]
        line = f"Imported {len(imported)}, already imported {len(again)}, refused {len(refused)}."
        self.stdout.write(self.style.ERROR(line) if refused else self.style.SUCCESS(line))
        if refused:
            self.stdout.write("Refused:")
            for result in refused:
                self.stdout.write(f"  {result.shown}: {_reason(result.outcome)}")
        # Files imported on an earlier run may still wait for their participant too.
        sessions = {
            r.outcome.transcript.session_id: r.outcome.transcript.session
            for r in [*imported, *again]
            if r.outcome.transcript is not None
        }
        unlinked = [s for s in sessions.values() if not s.participants.exists()]
        if unlinked:
            self.stdout.write(
                self.style.WARNING("Sessions that need a participant linked (edit the session):")
            )
            for session in unlinked:
                self.stdout.write(f"  {session} — {session.get_absolute_url()}edit/")
        return len(refused)


def _importer(username: str, project: ResearchProject) -> User:
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"No active user is called “{username}”.")
    is_writer = Membership.objects.filter(
        project=project, user=user, role__in=[Membership.Role.LEAD, Membership.Role.RESEARCHER]
    ).exists()
    if not (is_writer or user.is_staff):
        raise CommandError(f"{username} is not a lead or researcher of “{project.slug}”.")
    return user


def _collect(paths: list[str], *, recursive: bool) -> list[_Candidate]:
    candidates: list[_Candidate] = []
    seen: set[Path] = set()

    def add(candidate: _Candidate) -> None:
        key = candidate.path.resolve()
        if candidate.problem or key not in seen:
            seen.add(key)
            candidates.append(candidate)

    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = _transcript_files(path, recursive=recursive)
            if not found:
                where = "in it or below it" if recursive else "in it"
                add(_Candidate(path, given, f"no {'/'.join(SUPPORTED_EXTENSIONS)} files {where}."))
            for file in found:
                add(_Candidate(file, str(file)))
        elif path.is_file():
            # A file named explicitly is always tried: the importer says why a type is refused.
            add(_Candidate(path, given))
        else:
            add(_Candidate(path, given, "no such file or directory."))
    return candidates


def _transcript_files(directory: Path, *, recursive: bool) -> list[Path]:
    files = directory.rglob("*") if recursive else directory.iterdir()
    return sorted(
        file
        for file in files
        if file.is_file()
        and file.suffix.lower() in SUPPORTED_EXTENSIONS
        # Hidden files, and "~$name.docx" lock files Word leaves next to open documents.
        and not file.name.startswith((".", "~$"))
        and not any(part.startswith(".") for part in file.relative_to(directory).parts)
    )


def _import_one(
    candidate: _Candidate, *, project: ResearchProject, by: User | None
) -> ImportOutcome:
    if candidate.problem:
        shown = candidate.shown
        return ImportOutcome(filename=shown, error=f"{shown}: {candidate.problem}")
    name = candidate.path.name
    limit = settings.TRANSCRIPT_MAX_BYTES
    try:
        size = candidate.path.stat().st_size
        if size > limit:
            # Refused before reading, so a huge file never fills memory.
            return ImportOutcome(
                filename=name,
                error=f"{name}: the file is {_megabytes(size)}, which is over the "
                f"{_megabytes(limit)} limit for transcripts.",
            )
        data = candidate.path.read_bytes()
    except OSError as error:
        return ImportOutcome(
            filename=name, error=f"{name}: the file cannot be read ({error.strerror})."
        )
    (outcome,) = transcripts_import_as_sessions(project=project, files=[(name, data)], by=by)
    return outcome


def _status(outcome: ImportOutcome) -> str:
    if not outcome.ok:
        return "refused"
    return "imported" if outcome.created else "already imported"


def _reason(outcome: ImportOutcome) -> str:
    # Importer messages start with the file name, which the summary line already shows.
    return outcome.error.removeprefix(f"{outcome.filename}: ")


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _plural(count: int, noun: str) -> str:
    return noun if count == 1 else f"{noun}s"
