"""Reads for pages, with their joins built in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, F, IntegerField, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django_stubs_ext import WithAnnotations

from interviews import page_extras, pipeline
from interviews.access import is_researcher_anywhere, projects_for_user
from interviews.evidence import Audience, audience_for_role, session_name
from interviews.models import (
    AttributeValue,
    AuditEvent,
    Enrollment,
    Membership,
    Participant,
    ResearchProject,
    Session,
    Transcript,
)

Status = Enrollment.Status


class ProjectProgress(TypedDict):
    completed_count: int
    enrolled_count: int


def projects_with_progress(
    user: User | AnonymousUser,
) -> QuerySet[WithAnnotations[ResearchProject, ProjectProgress]]:
    """The studies a user belongs to, each with its completed-interview count (one query)."""
    return (
        projects_for_user(user)
        .select_related("framework")
        .annotate(
            completed_count=Count(
                "enrollments", filter=Q(enrollments__status=Status.COMPLETED), distinct=True
            ),
            enrolled_count=Count("enrollments", distinct=True),
        )
        .order_by("status", "title")
    )


def pipeline_counts(project: ResearchProject) -> dict[str, int]:
    counts = dict.fromkeys(Status.values, 0)
    rows = project.enrollments.values_list("status").annotate(n=Count("id"))
    counts.update(dict(rows))
    return counts


def pipeline_board(project: ResearchProject) -> dict[str, list[Enrollment]]:
    """Enrollments grouped by state, in funnel order, for the project page."""
    board: dict[str, list[Enrollment]] = {s: [] for s in (*pipeline.FUNNEL, *pipeline.EXITS)}
    enrollments = project.enrollments.select_related("participant").order_by(
        "participant__pseudonym"
    )
    for enrollment in enrollments:
        board[enrollment.status].append(enrollment)
    return board


def project_sessions(project: ResearchProject) -> QuerySet[Session]:
    """Sessions with their coding progress: utterances coded / utterances, over transcripts
    (coded_utterances is None when no page extra counts them)."""
    coded = page_extras.transcript_coded_utterances()
    return (
        project.sessions.prefetch_related("participants")
        .annotate(
            utterances=Sum("transcripts__utterance_count"),
            coded_utterances=(
                Coalesce(Sum(f"transcripts__{coded}"), 0) if coded else Value(None, IntegerField())
            ),
        )
        .order_by("-scheduled_at")
    )


def session_transcripts(session: Session) -> QuerySet[Transcript]:
    """A session's transcripts with their coded-utterance count (coded_utterances, None when
    no page extra counts them)."""
    coded = page_extras.transcript_coded_utterances()
    return session.transcripts.annotate(
        coded_utterances=Coalesce(F(coded), 0) if coded else Value(None, IntegerField())
    ).order_by("created_at")


def project_members(project: ResearchProject) -> QuerySet[Membership]:
    return project.memberships.select_related("user").order_by("role", "user__username")


def visible_participants(user: User | AnonymousUser) -> QuerySet[Participant]:
    """Researchers share the whole pool; viewers see only people in their own studies."""
    if is_researcher_anywhere(user):
        return Participant.objects.all()
    return Participant.objects.filter(enrollments__project__in=projects_for_user(user)).distinct()


def participant_directory(
    user: User | AnonymousUser, *, project: ResearchProject | None
) -> QuerySet[Participant]:
    participants = visible_participants(user).order_by("pseudonym")
    if project is not None:
        participants = participants.filter(enrollments__project=project).prefetch_related(
            Prefetch(
                "enrollments",
                queryset=Enrollment.objects.filter(project=project).prefetch_related(
                    Prefetch(
                        "attribute_values",
                        queryset=AttributeValue.objects.select_related("attribute"),
                    )
                ),
                to_attr="project_enrollments",
            )
        )
    # Count only the studies this user may see: the number of others is not theirs to know.
    return participants.annotate(
        study_count=Count(
            "enrollments",
            filter=Q(enrollments__project__in=projects_for_user(user)),
            distinct=True,
        )
    )


def participant_enrollments(
    participant: Participant, user: User | AnonymousUser
) -> QuerySet[Enrollment]:
    """The participant's studies that this user may see."""
    return (
        participant.enrollments.filter(project__in=projects_for_user(user))
        .select_related("project")
        .prefetch_related(
            Prefetch(
                "attribute_values", queryset=AttributeValue.objects.select_related("attribute")
            )
        )
        .order_by("project__title")
    )


@dataclass(frozen=True)
class NamedSession:
    session: Session
    name: str  # as the user may call it in its study (interviews.evidence.session_name)


def participant_sessions(
    participant: Participant, user: User | AnonymousUser
) -> list[NamedSession]:
    """The participant's sessions in the user's studies, newest first, each named for the
    user's role in its study."""
    if isinstance(user, AnonymousUser):
        return []
    sessions = (
        participant.sessions.filter(project__in=projects_for_user(user))
        .select_related("project")
        .order_by("-scheduled_at")
    )
    roles = dict(
        Membership.objects.filter(
            user_id=user.pk, project__in=sessions.values("project")
        ).values_list("project_id", "role")
    )
    return [
        NamedSession(
            session,
            session_name(
                session,
                Audience.RESEARCH_TEAM
                if user.is_staff
                else audience_for_role(roles.get(session.project_id)),
            ),
        )
        for session in sessions
    ]


def project_audit_events(project: ResearchProject, *, action: str = "") -> QuerySet[AuditEvent]:
    """What the study's lead sees in its audit log, newest first: the study's own events, and
    reads of its participants' personal data made outside any one study (the directory, a
    participant's page, the admin). Searches of personal data are not tied to a study, and
    their terms are for admins only."""
    participants = Enrollment.objects.filter(project=project).values("participant_id")
    events = AuditEvent.objects.filter(
        Q(project=project) | Q(project__isnull=True, participant_id__in=participants)
    )
    if action:
        events = events.filter(action=action)
    return events.select_related("participant", "project").order_by("-at", "-id")
