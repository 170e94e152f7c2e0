"""The columns a participant file may have: their names and aliases, the help the upload page
shows, and the template file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import models

from interviews.models import (
    CompanySize,
    Deployment,
    Participant,
    ProjectAttribute,
    Region,
    Segment,
    Tier,
)


@dataclass(frozen=True)
class ColumnSpec:
    key: str
    description: str
    aliases: tuple[str, ...] = ()
    choices: type[models.TextChoices] | None = None
    max_length: int | None = None


COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec(
        "name",
        "Full name. Or give “first name” and “last name” columns.",
        ("fullname", "participantname", "participant", "contactname"),
        max_length=200,
    ),
    ColumnSpec(
        "email",
        "E-mail address. Someone already in the pool with this address (in any case) is "
        "updated rather than added twice.",
        ("emailaddress", "mail", "workemail"),
        max_length=254,
    ),
    ColumnSpec(
        "company",
        "Company or organisation.",
        ("companyname", "organisation", "organization", "account", "accountname"),
        max_length=200,
    ),
    ColumnSpec("job_title", "Job title.", ("title", "position"), max_length=200),
    ColumnSpec(
        "kind",
        "customer or internal; empty means customer.",
        ("type", "participantkind", "participanttype"),
        choices=Participant.Kind,
    ),
    ColumnSpec("persona", "Role or persona, e.g. DevOps lead.", ("role",), max_length=120),
    ColumnSpec("segment", "", ("customersegment",), choices=Segment),
    ColumnSpec("region", "", choices=Region),
    ColumnSpec("tier", "", ("plan", "subscription"), choices=Tier),
    ColumnSpec("deployment", "", ("deploymenttype", "hosting"), choices=Deployment),
    ColumnSpec("company_size", "", ("size", "employees", "numberofemployees"), choices=CompanySize),
    ColumnSpec(
        "do_not_contact",
        "yes or no (also true/false, 1/0); empty means no. An import never lifts the flag.",
        ("dnc", "optout", "optedout"),
    ),
)
# Combined into "name" when the file has no name column: CRM exports split names.
NAME_PARTS = {
    "first_name": ("firstname", "givenname", "forename"),
    "last_name": ("lastname", "surname", "familyname"),
}
IDENTITY_FIELDS = ("name", "email", "company", "job_title")
OPEN_FIELDS = ("kind", "persona", "segment", "region", "tier", "deployment", "company_size")
FIELD_WORDS = {"job_title": "job title", "company_size": "company size", "email": "e-mail"}


@dataclass(frozen=True)
class ColumnHelp:
    """One line of the upload page's explanation of the columns."""

    name: str
    description: str


def column_help(attributes: Sequence[ProjectAttribute] = ()) -> list[ColumnHelp]:
    lines = []
    for spec in COLUMNS:
        description = spec.description
        if spec.choices is not None and not description:
            description = "One of " + ", ".join(
                f"{value} ({label})" for value, label in spec.choices.choices
            )
            description += "; the value or the label."
        lines.append(ColumnHelp(spec.key, description))
    for attribute in attributes:
        description = f"{attribute.label} ({attribute.get_kind_display().lower()})"
        if attribute.kind == ProjectAttribute.Kind.CHOICE:
            description += ": one of " + ", ".join(attribute.choices)
        elif attribute.kind == ProjectAttribute.Kind.DATE:
            description += ", e.g. 2026-03-31"
        lines.append(ColumnHelp(attribute.key, description + "."))
    return lines


def template_rows(attributes: Sequence[ProjectAttribute] = ()) -> list[list[str]]:
    """A header row and one example row, for the template the upload page offers."""
    header = [spec.key for spec in COLUMNS] + [attribute.key for attribute in attributes]
    example = [
        "Jane Doe",
        "jane.doe@example.com",
        "Acme Corp",
        "Head of Platform",
        Participant.Kind.CUSTOMER,
        "DevOps lead",
        Segment.LARGE,
        Region.EMEA,
        Tier.PREMIUM,
        Deployment.SELF_MANAGED,
        CompanySize.SIZE_1001_5000,
        "no",
    ]
    samples: dict[str, str] = {
        ProjectAttribute.Kind.TEXT: "example",
        ProjectAttribute.Kind.NUMBER: "12",
        ProjectAttribute.Kind.DATE: "2026-03-31",
    }
    for attribute in attributes:
        if attribute.kind == ProjectAttribute.Kind.CHOICE:
            example.append(attribute.choices[0] if attribute.choices else "")
        else:
            example.append(samples.get(attribute.kind, ""))
    return [header, [str(value) for value in example]]
