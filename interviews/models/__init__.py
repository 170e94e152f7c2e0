"""The evidence: studies, the people in them, and the conversations with them."""

from interviews.models.audit import AuditEvent
from interviews.models.choices import CompanySize, Deployment, Region, Segment, Tier
from interviews.models.people import (
    AttributeValue,
    ConsentRecord,
    Enrollment,
    EnrollmentEvent,
    Participant,
    ParticipantIdentity,
)
from interviews.models.projects import QUARTER_RE, Membership, ProjectAttribute, ResearchProject
from interviews.models.sessions import (
    FieldNote,
    Redaction,
    Session,
    Speaker,
    Transcript,
    Utterance,
)

__all__ = [
    "QUARTER_RE",
    "AttributeValue",
    "AuditEvent",
    "CompanySize",
    "ConsentRecord",
    "Deployment",
    "Enrollment",
    "EnrollmentEvent",
    "Membership",
    "Participant",
    "ParticipantIdentity",
    "ProjectAttribute",
    "Region",
    "Redaction",
    "ResearchProject",
    "Segment",
    "Session",
    "Speaker",
    "Transcript",
    "Utterance",
    "FieldNote",
    "Tier",
]
