"""`manage.py export_xlsx --project SLUG -o FILE [--viewer] [--csv]`: a study's quotes and
findings as a workbook (or the quotes as CSV)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from insights.exports import service
from insights.exports.rows import ExportOptions
from insights.refi_qda import commands
from insights.visibility import Audience, EvidenceReader, evidence_reader
from interviews.access import Role


class Command(BaseCommand):
    help = (
        "Write a study's quotes, codebook, themes, recommendations, stage × code and "
        "code × participant matrices and participants to an .xlsx workbook (or the quotes "
        "alone to CSV with --csv). Without --user it holds what the research team reads; "
        "with --viewer what the study's viewers read (pseudonyms, consent, redactions)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", required=True, metavar="SLUG")
        parser.add_argument("--output", "-o", required=True, metavar="FILE")
        parser.add_argument(
            "--viewer", action="store_true", help="Export what a viewer of the study would see."
        )
        parser.add_argument(
            "--user", metavar="USERNAME", help="Export what this member sees (and audit as them)."
        )
        parser.add_argument("--csv", action="store_true", help="The quotes alone, as CSV.")
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="A filter of the quote list, as in its address: stage=onboarding, "
            "segment=mid_market, region=emea, code=ID, participant=P-014, sentiment=negative, "
            "coder=ID, q=WORDS, order=stage. Repeat for several.",
        )
        parser.add_argument(
            "--with-names",
            action="store_true",
            help="Participants' names, e-mails and companies (needs --user of a lead or "
            "researcher; audited).",
        )
        parser.add_argument(
            "--base-url",
            default="",
            metavar="URL",
            help="Prefix of the links back to the app, e.g. https://cx.example.com.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        project = commands.study(options["project"])
        user = commands.user(options["user"], project) if options["user"] else None
        if options["with_names"] and (user is None or options["viewer"]):
            raise CommandError("--with-names needs --user of a lead or researcher, not --viewer.")
        if options["viewer"]:
            reader = EvidenceReader(
                project=project, user=user, role=Role.VIEWER, audience=Audience.INTERNAL
            )
        elif user is not None:
            reader = evidence_reader(project=project, user=user)
        else:
            # The shell is the operator: everything the study's lead reads.
            reader = EvidenceReader(
                project=project, user=None, role=Role.LEAD, audience=Audience.RESEARCH_TEAM
            )
        fmt = "csv" if options["csv"] else "xlsx"
        filters: dict[str, str] = {}
        for given in options["filter"]:
            name, equals, value = given.partition("=")
            if not equals or not name.strip():
                raise CommandError(
                    f"Write a filter as NAME=VALUE, e.g. stage=onboarding: “{given}”."
                )
            filters[name.strip()] = value.strip()
        try:
            ids = service.export_highlight_ids(reader, filters)
            path = Path(options["output"])
            with path.open("wb") as out:
                rows = service.export_write(
                    reader=reader,
                    user=user,
                    ids=ids,
                    fmt=fmt,
                    options=ExportOptions(
                        include_names=options["with_names"],
                        base_url=options["base_url"].rstrip("/"),
                    ),
                    out=out,
                )
        except service.ExportError as error:
            raise CommandError(str(error)) from error
        seen_as = "a viewer" if options["viewer"] else (user.username if user else "the lead")
        self.stdout.write(f"Wrote {rows:,} quotes of “{project}” as {seen_as} sees them to {path}.")
