"""Typed builders for test data. Each takes only what a test cares about."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from insights.models import CodingSettings, JourneyFramework, TranscriptCoverage
from interviews import services
from interviews.models import (
    ConsentRecord,
    Enrollment,
    Membership,
    Participant,
    ProjectAttribute,
    ResearchProject,
    Session,
    Transcript,
)

_counter = itertools.count(1)


def make_user(username: str | None = None, *, is_staff: bool = False) -> User:
    username = username or f"user{next(_counter)}"
    return User.objects.create_user(
        username=username, password="pw", email=f"{username}@example.com", is_staff=is_staff
    )


def make_project(
    title: str | None = None,
    *,
    slug: str | None = None,
    members: dict[User, str] | None = None,
    **fields: Any,
) -> ResearchProject:
    number = next(_counter)
    project = ResearchProject.objects.create(
        title=title or f"Study {number}", slug=slug or f"study-{number}", **fields
    )
    for user, role in (members or {}).items():
        Membership.objects.create(project=project, user=user, role=role)
    return project


def make_participant(
    *,
    name: str = "Jane Doe",
    email: str | None = None,
    company: str = "Acme Corp",
    job_title: str = "DevOps lead",
    **fields: Any,
) -> Participant:
    number = next(_counter)
    fields.setdefault("persona", "DevOps lead")
    fields.setdefault("segment", "large")
    fields.setdefault("region", "emea")
    fields.setdefault("tier", "premium")
    return services.participant_create(
        identity={
            "name": name,
            "email": email if email is not None else f"person{number}@example.com",
            "company": company,
            "job_title": job_title,
        },
        **fields,
    )


def make_enrollment(
    project: ResearchProject,
    participant: Participant | None = None,
    *,
    status: str = Enrollment.Status.IDENTIFIED,
) -> Enrollment:
    participant = participant or make_participant()
    return Enrollment.objects.create(project=project, participant=participant, status=status)


def make_consent(
    participant: Participant,
    *,
    project: ResearchProject | None = None,
    scope: str = ConsentRecord.Scope.INTERNAL,
    given_on: dt.date | None = None,
    expires_on: dt.date | None = None,
    withdrawn_on: dt.date | None = None,
) -> ConsentRecord:
    return ConsentRecord.objects.create(
        participant=participant,
        project=project,
        scope=scope,
        given_on=given_on or timezone.localdate() - dt.timedelta(days=1),
        expires_on=expires_on,
        withdrawn_on=withdrawn_on,
    )


def make_attribute(
    project: ResearchProject,
    key: str,
    *,
    kind: str = ProjectAttribute.Kind.TEXT,
    choices: list[str] | None = None,
    label: str | None = None,
) -> ProjectAttribute:
    return ProjectAttribute.objects.create(
        project=project,
        key=key,
        label=label or key.replace("_", " ").capitalize(),
        kind=kind,
        choices=choices or [],
    )


def make_session(
    project: ResearchProject,
    *,
    participants: list[Participant] | None = None,
    interviewers: list[User] | None = None,
    **fields: Any,
) -> Session:
    fields.setdefault("scheduled_at", timezone.now() - dt.timedelta(days=3))
    session = Session.objects.create(project=project, **fields)
    session.participants.set(participants or [])
    session.interviewers.set(interviewers or [])
    return session


ZOOM_VTT = """WEBVTT

1
00:00:01.000 --> 00:00:04.000
Sam Rivera: Thanks for joining. How did the SSO rollout go?

2
00:00:05.000 --> 00:00:11.500
Ada Lovelace: Honestly, SAML took three weeks because our IdP team was busy.

3
00:00:12.000 --> 00:00:15.000
Ada Lovelace: The licence true-up surprised procurement too.
"""


def make_transcript(
    session: Session,
    *,
    filename: str = "interview.vtt",
    data: bytes | None = None,
    by: User | None = None,
) -> Transcript:
    """Import a transcript through the real service (consent is assumed given)."""
    from interviews.transcripts import transcript_import

    for participant in session.participants.all():
        if not participant.consents.exists():
            make_consent(participant)
    transcript, _created = transcript_import(
        session=session, filename=filename, data=data or ZOOM_VTT.encode(), by=by
    )
    return transcript


ADA_INTERVIEW = """Sam Rivera: How was onboarding?

Ada Lovelace: Honestly the SAML setup took three weeks, and the docs were out of date.

Sam Rivera: And pricing?

Ada Lovelace: Procurement wanted a true-up clause before they would sign anything.
"""


def make_ada_transcript(project: ResearchProject, *, text: str = ADA_INTERVIEW) -> Transcript:
    """The coding tests' interview: Ada Lovelace's, in a session of the study, which codes on
    the CX journey framework."""
    project.framework = JourneyFramework.objects.get(slug="cx-journey")
    project.save()
    session = make_session(project, participants=[make_participant(name="Ada Lovelace")])
    return make_transcript(session, filename="ada.txt", data=text.encode())


def stored_name(transcript: Transcript) -> str:
    """The storage name of a transcript's uploaded file (it must have one)."""
    name = transcript.source_file.name
    assert name, f"{transcript} has no stored file"
    return name


def set_blind_coding(
    project: ResearchProject, *, blind_coding: bool = True, codings_revealed: bool = False
) -> CodingSettings:
    """Store the study's coding settings (the analysis app keeps them) and show them to this
    instance of the project."""
    coding, _ = CodingSettings.objects.update_or_create(
        project=project,
        defaults={"blind_coding": blind_coding, "codings_revealed": codings_revealed},
    )
    project.coding_settings = coding
    return coding


def coding_of(project: ResearchProject) -> tuple[bool, bool]:
    """(blind_coding, codings_revealed) as stored now; (False, False) with no row."""
    coding = CodingSettings.objects.filter(project=project).first()
    return (coding.blind_coding, coding.codings_revealed) if coding else (False, False)


def coded_utterances(transcript: Transcript) -> int:
    """The transcript's stored coverage count, as stored now (0 with no row)."""
    coverage = TranscriptCoverage.objects.filter(transcript=transcript).first()
    return coverage.coded_utterance_count if coverage else 0
