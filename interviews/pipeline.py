"""The recruitment pipeline: which moves exist and which rules can refuse one.

    identified → contacted → screened → scheduled → completed
    exits: declined, no-show (can be rescheduled), withdrawn

Two kinds of rule refuse a move. A *refusal* can never be overridden (an illegal
move, a do-not-contact or consent-withdrawn participant, completing without
consent). A *governance warning* (contact cooldown, repeated no-shows) can be
overridden by a researcher who gives a reason; the reason is recorded on the
EnrollmentEvent. interviews.services.enrollment_move is the only writer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings

from interviews.models import ConsentRecord, Enrollment

Status = Enrollment.Status

ALLOWED_MOVES: dict[str, tuple[str, ...]] = {
    Status.IDENTIFIED: (Status.CONTACTED, Status.WITHDRAWN),
    Status.CONTACTED: (Status.SCREENED, Status.DECLINED, Status.WITHDRAWN),
    Status.SCREENED: (Status.SCHEDULED, Status.DECLINED, Status.WITHDRAWN),
    Status.SCHEDULED: (Status.COMPLETED, Status.NO_SHOW, Status.DECLINED, Status.WITHDRAWN),
    Status.NO_SHOW: (Status.SCHEDULED, Status.DECLINED, Status.WITHDRAWN),
    # Consent can be withdrawn after the interview too.
    Status.COMPLETED: (Status.WITHDRAWN,),
    Status.DECLINED: (),
    Status.WITHDRAWN: (),
}

# Moves that bring a participant closer to an interview.
FORWARD = frozenset({Status.CONTACTED, Status.SCREENED, Status.SCHEDULED, Status.COMPLETED})

# The order the project page shows, funnel first, exits after.
FUNNEL = (Status.IDENTIFIED, Status.CONTACTED, Status.SCREENED, Status.SCHEDULED, Status.COMPLETED)
EXITS = (Status.DECLINED, Status.NO_SHOW, Status.WITHDRAWN)


class PipelineError(Exception):
    """A move was refused; the message says why and is shown to the user as-is."""


@dataclass
class MoveCheck:
    to_status: str
    refusals: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # What would lift a refusal, so the page can link straight to it.
    needs_consent: bool = False
    needs_session: bool = False

    @property
    def needs_override(self) -> bool:
        return not self.refusals and bool(self.warnings)

    def permits(self, *, override_reason: str) -> bool:
        if self.refusals:
            return False
        return not self.warnings or bool(override_reason.strip())


def status_label(status: str) -> str:
    return Status(status).label


def consent_state(
    consents: Sequence[ConsentRecord], *, project_id: int, today: dt.date
) -> tuple[bool, bool]:
    """Return (has valid consent, consent withdrawn) for this participant and project."""
    relevant = [c for c in consents if c.project_id in (None, project_id)]
    valid = any(c.is_valid_on(today) for c in relevant)
    withdrawn = not valid and any(
        c.withdrawn_on is not None and c.withdrawn_on <= today for c in relevant
    )
    return valid, withdrawn


def check_move(
    enrollment: Enrollment,
    to_status: str,
    *,
    consents: Sequence[ConsentRecord],
    today: dt.date,
    has_session: bool | None = None,
) -> MoveCheck:
    """Every rule that applies to moving this enrollment, without writing anything.

    `has_session` says whether the participant has a session in the study; completing
    needs one. None skips that rule (for callers that only ask about consent and contact).
    """
    check = MoveCheck(to_status=to_status)
    participant = enrollment.participant
    current = enrollment.status
    if to_status not in Status.values:
        check.refusals.append(f"“{to_status}” is not a pipeline state.")
        return check
    if to_status == current:
        check.refusals.append(f"{participant} is already {status_label(current).lower()}.")
        return check
    if to_status not in ALLOWED_MOVES[current]:
        allowed = ", ".join(status_label(s).lower() for s in ALLOWED_MOVES[current]) or "nowhere"
        check.refusals.append(
            f"{participant} cannot move from {status_label(current).lower()} to "
            f"{status_label(to_status).lower()}: from {status_label(current).lower()} "
            f"they can move to {allowed}."
        )
        return check

    if to_status in FORWARD:
        has_consent, withdrawn = consent_state(
            consents, project_id=enrollment.project_id, today=today
        )
        if participant.erased_at is not None:
            check.refusals.append(f"{participant}'s personal data was erased on request.")
        if participant.do_not_contact:
            reason = (
                f" ({participant.do_not_contact_reason})"
                if participant.do_not_contact_reason
                else ""
            )
            check.refusals.append(f"{participant} is marked do-not-contact{reason}.")
        if withdrawn:
            check.refusals.append(f"{participant} has withdrawn consent.")
        if to_status == Status.COMPLETED and not has_consent and not withdrawn:
            check.needs_consent = True
            check.refusals.append(
                f"{participant} has no valid consent on record for this study: "
                "record consent before marking the interview completed."
            )
        if to_status == Status.COMPLETED and has_session is False:
            check.needs_session = True
            check.refusals.append(
                f"{participant} has no session in this study yet: "
                "add the interview's session before marking it completed."
            )

    if to_status == Status.CONTACTED and participant.last_contacted_on is not None:
        cooldown = settings.CONTACT_COOLDOWN_DAYS
        days_since = (today - participant.last_contacted_on).days
        if days_since < cooldown:
            check.warnings.append(
                f"{participant} was last contacted {days_since} days ago "
                f"(on {participant.last_contacted_on:%d %b %Y}); the cooldown is {cooldown} days."
            )

    no_show_limit = settings.NO_SHOW_LIMIT
    if to_status == Status.SCHEDULED and participant.no_show_count >= no_show_limit:
        check.warnings.append(
            f"{participant} has missed {participant.no_show_count} interviews "
            f"(the limit is {no_show_limit})."
        )
    return check


def moves_from(status: str) -> tuple[str, ...]:
    return ALLOWED_MOVES[status]
