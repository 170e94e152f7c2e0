"""Every move of the recruitment pipeline, and every rule that can refuse one."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from interviews import pipeline, services
from interviews.models import Enrollment, EnrollmentEvent, ResearchProject
from tests.factories import (
    make_consent,
    make_enrollment,
    make_participant,
    make_project,
    make_session,
)

Status = Enrollment.Status
TODAY = dt.date(2026, 11, 20)

LEGAL_MOVES = {
    (Status.IDENTIFIED, Status.CONTACTED),
    (Status.IDENTIFIED, Status.WITHDRAWN),
    (Status.CONTACTED, Status.SCREENED),
    (Status.CONTACTED, Status.DECLINED),
    (Status.CONTACTED, Status.WITHDRAWN),
    (Status.SCREENED, Status.SCHEDULED),
    (Status.SCREENED, Status.DECLINED),
    (Status.SCREENED, Status.WITHDRAWN),
    (Status.SCHEDULED, Status.COMPLETED),
    (Status.SCHEDULED, Status.NO_SHOW),
    (Status.SCHEDULED, Status.DECLINED),
    (Status.SCHEDULED, Status.WITHDRAWN),
    (Status.NO_SHOW, Status.SCHEDULED),
    (Status.NO_SHOW, Status.DECLINED),
    (Status.NO_SHOW, Status.WITHDRAWN),
    (Status.COMPLETED, Status.WITHDRAWN),
}


def move(enrollment: Enrollment, to_status: str, **kwargs: Any) -> EnrollmentEvent:
    kwargs.setdefault("today", TODAY)
    return services.enrollment_move(enrollment=enrollment, to_status=to_status, by=None, **kwargs)


@pytest.fixture
def study(db) -> ResearchProject:
    return make_project("Mid-Market first-order lands", slug="mm-lands")


def test_the_table_is_exactly_the_documented_moves() -> None:
    table = {(a, b) for a, targets in pipeline.ALLOWED_MOVES.items() for b in targets}
    assert table == LEGAL_MOVES


@pytest.mark.parametrize(("from_status", "to_status"), list(itertools.product(Status, Status)))
def test_every_pair_of_states(study: ResearchProject, from_status: str, to_status: str) -> None:
    participant = make_participant()
    make_consent(participant, given_on=TODAY - dt.timedelta(days=30))
    make_session(study, participants=[participant])
    enrollment = make_enrollment(study, participant, status=from_status)

    if (from_status, to_status) in LEGAL_MOVES:
        event = move(enrollment, to_status)
        enrollment.refresh_from_db()
        assert enrollment.status == to_status
        assert (event.from_status, event.to_status) == (from_status, to_status)
    else:
        with pytest.raises(pipeline.PipelineError) as refusal:
            move(enrollment, to_status)
        enrollment.refresh_from_db()
        assert enrollment.status == from_status
        assert EnrollmentEvent.objects.count() == 0
        assert participant.pseudonym in str(refusal.value)


def test_illegal_move_says_where_the_participant_can_go(study: ResearchProject) -> None:
    enrollment = make_enrollment(study, status=Status.IDENTIFIED)
    with pytest.raises(pipeline.PipelineError, match="cannot move from identified to completed"):
        move(enrollment, Status.COMPLETED)
    with pytest.raises(pipeline.PipelineError, match="they can move to contacted, withdrawn"):
        move(enrollment, Status.SCHEDULED)


def test_unknown_state_is_refused(study: ResearchProject) -> None:
    enrollment = make_enrollment(study)
    with pytest.raises(pipeline.PipelineError, match="not a pipeline state"):
        move(enrollment, "hired")


@pytest.mark.parametrize("to_status", [Status.CONTACTED, Status.WITHDRAWN])
def test_do_not_contact_blocks_forward_moves_only(study: ResearchProject, to_status: str) -> None:
    participant = make_participant(do_not_contact=True, do_not_contact_reason="Asked by CSM")
    enrollment = make_enrollment(study, participant)
    if to_status == Status.CONTACTED:
        with pytest.raises(pipeline.PipelineError, match=r"do-not-contact \(Asked by CSM\)"):
            move(enrollment, to_status)
    else:
        move(enrollment, to_status)
        enrollment.refresh_from_db()
        assert enrollment.status == Status.WITHDRAWN


def test_do_not_contact_cannot_be_overridden(study: ResearchProject) -> None:
    enrollment = make_enrollment(study, make_participant(do_not_contact=True))
    with pytest.raises(pipeline.PipelineError, match="do-not-contact"):
        move(enrollment, Status.CONTACTED, override_reason="The VP asked for it")


def test_withdrawn_consent_blocks_moving_forward(study: ResearchProject) -> None:
    participant = make_participant()
    make_consent(participant, given_on=TODAY - dt.timedelta(days=60), withdrawn_on=TODAY)
    enrollment = make_enrollment(study, participant, status=Status.SCREENED)
    with pytest.raises(pipeline.PipelineError, match="has withdrawn consent"):
        move(enrollment, Status.SCHEDULED)
    move(enrollment, Status.WITHDRAWN)


def test_new_consent_after_a_withdrawal_lets_them_move_again(study: ResearchProject) -> None:
    participant = make_participant()
    make_consent(participant, given_on=TODAY - dt.timedelta(days=60), withdrawn_on=TODAY)
    make_consent(participant, given_on=TODAY)
    enrollment = make_enrollment(study, participant, status=Status.SCREENED)
    move(enrollment, Status.SCHEDULED)


def test_withdrawal_of_another_studys_consent_does_not_block(study: ResearchProject) -> None:
    other = make_project()
    participant = make_participant()
    make_consent(
        participant, project=other, given_on=TODAY - dt.timedelta(days=9), withdrawn_on=TODAY
    )
    enrollment = make_enrollment(study, participant)
    move(enrollment, Status.CONTACTED)


def test_completing_needs_valid_consent_for_this_study(study: ResearchProject) -> None:
    participant = make_participant()
    enrollment = make_enrollment(study, participant, status=Status.SCHEDULED)
    make_session(study, participants=[participant])
    with pytest.raises(pipeline.PipelineError, match="no valid consent on record"):
        move(enrollment, Status.COMPLETED)

    make_consent(participant, project=make_project(), given_on=TODAY)  # another study's
    with pytest.raises(pipeline.PipelineError, match="no valid consent"):
        move(enrollment, Status.COMPLETED)

    make_consent(
        participant,
        given_on=TODAY - dt.timedelta(days=400),
        expires_on=TODAY - dt.timedelta(days=1),
    )
    with pytest.raises(pipeline.PipelineError, match="no valid consent"):
        move(enrollment, Status.COMPLETED)

    make_consent(participant, project=study, given_on=TODAY)
    move(enrollment, Status.COMPLETED)
    enrollment.refresh_from_db()
    assert enrollment.status == Status.COMPLETED


def test_erased_participant_cannot_move_forward(study: ResearchProject, lead) -> None:
    participant = make_participant()
    enrollment = make_enrollment(study, participant)
    services.participant_erase(participant=participant, by=lead)
    with pytest.raises(pipeline.PipelineError, match="erased"):
        move(enrollment, Status.CONTACTED)


@override_settings(CONTACT_COOLDOWN_DAYS=90)
def test_contact_cooldown_needs_a_recorded_reason(study: ResearchProject) -> None:
    participant = make_participant(last_contacted_on=TODAY - dt.timedelta(days=30))
    enrollment = make_enrollment(study, participant)

    with pytest.raises(pipeline.PipelineError, match="last contacted 30 days ago") as refusal:
        move(enrollment, Status.CONTACTED)
    assert "cooldown is 90 days" in str(refusal.value)
    assert "Give a reason" in str(refusal.value)
    with pytest.raises(pipeline.PipelineError):
        move(enrollment, Status.CONTACTED, override_reason="   ")

    event = move(enrollment, Status.CONTACTED, override_reason="Only admin of the pilot account")
    assert event.override_reason == "Only admin of the pilot account"
    assert "last contacted 30 days ago" in event.overridden_rules
    participant.refresh_from_db()
    assert participant.last_contacted_on == TODAY


@override_settings(CONTACT_COOLDOWN_DAYS=90)
def test_cooldown_ends_after_the_configured_days(study: ResearchProject) -> None:
    participant = make_participant(last_contacted_on=TODAY - dt.timedelta(days=90))
    event = move(make_enrollment(study, participant), Status.CONTACTED)
    assert event.override_reason == ""
    assert event.overridden_rules == ""


def test_a_reason_is_not_stored_when_no_rule_was_overridden(study: ResearchProject) -> None:
    event = move(make_enrollment(study), Status.CONTACTED, override_reason="just because")
    assert event.override_reason == ""


def test_contacting_records_the_contact_date(study: ResearchProject) -> None:
    participant = make_participant()
    move(make_enrollment(study, participant), Status.CONTACTED)
    participant.refresh_from_db()
    assert participant.last_contacted_on == TODAY


@override_settings(NO_SHOW_LIMIT=2)
def test_no_shows_are_counted_and_limit_rescheduling(study: ResearchProject) -> None:
    participant = make_participant()
    enrollment = make_enrollment(study, participant, status=Status.SCHEDULED)
    move(enrollment, Status.NO_SHOW)
    move(enrollment, Status.SCHEDULED)
    move(enrollment, Status.NO_SHOW)
    participant.refresh_from_db()
    assert participant.no_show_count == 2

    with pytest.raises(pipeline.PipelineError, match="missed 2 interviews"):
        move(enrollment, Status.SCHEDULED)
    event = move(enrollment, Status.SCHEDULED, override_reason="Rescheduled by their manager")
    assert "missed 2 interviews" in event.overridden_rules


def test_moving_to_the_current_state_is_refused_and_changes_nothing(study: ResearchProject) -> None:
    enrollment = make_enrollment(study, status=Status.CONTACTED)
    with pytest.raises(pipeline.PipelineError, match="already contacted"):
        move(enrollment, Status.CONTACTED)
    assert EnrollmentEvent.objects.count() == 0


def test_a_stale_enrollment_object_is_checked_against_the_database(study: ResearchProject) -> None:
    """Two researchers click at once: the second sees the first's move, not its stale page."""
    enrollment = make_enrollment(study, status=Status.IDENTIFIED)
    stale = Enrollment.objects.get(pk=enrollment.pk)
    move(enrollment, Status.CONTACTED)
    with pytest.raises(pipeline.PipelineError, match="already contacted"):
        move(stale, Status.CONTACTED)


def test_check_move_reports_without_writing(study: ResearchProject) -> None:
    participant = make_participant(last_contacted_on=TODAY - dt.timedelta(days=5))
    enrollment = make_enrollment(study, participant)
    check = pipeline.check_move(enrollment, Status.CONTACTED, consents=[], today=TODAY)
    assert check.refusals == []
    assert check.needs_override
    assert not check.permits(override_reason="")
    assert check.permits(override_reason="ok")
    enrollment.refresh_from_db()
    assert enrollment.status == Status.IDENTIFIED


def test_a_withdrawal_dated_later_does_not_block_earlier_days(study: ResearchProject) -> None:
    participant = make_participant()
    make_consent(
        participant,
        given_on=TODAY - dt.timedelta(days=60),
        withdrawn_on=TODAY + dt.timedelta(days=10),
    )
    enrollment = make_enrollment(study, participant, status=Status.SCHEDULED)
    make_session(study, participants=[participant])
    move(enrollment, Status.COMPLETED)


def test_completing_needs_a_session_and_the_refusal_says_so(study: ResearchProject) -> None:
    participant = make_participant()
    make_consent(participant, given_on=TODAY - dt.timedelta(days=30))
    enrollment = make_enrollment(study, participant, status=Status.SCHEDULED)
    with pytest.raises(pipeline.PipelineError, match="no session in this study"):
        move(enrollment, Status.COMPLETED)
    enrollment.refresh_from_db()
    assert enrollment.status == Status.SCHEDULED
    make_session(study, participants=[participant])
    move(enrollment, Status.COMPLETED)
    enrollment.refresh_from_db()
    assert enrollment.status == Status.COMPLETED


def test_the_enrollment_page_links_a_consent_refusal_to_recording_it(
    study: ResearchProject, client
) -> None:
    from django.contrib.auth.models import User

    from interviews.models import Membership

    lead = User.objects.create_user("pipeline-lead", password="pw")
    Membership.objects.create(project=study, user=lead, role=Membership.Role.LEAD)
    client.force_login(lead)
    participant = make_participant()
    enrollment = make_enrollment(study, participant, status=Status.SCHEDULED)
    page = client.get(f"/studies/{study.slug}/enrollments/{enrollment.pk}/").content.decode()
    assert f"?consent_for={study.slug}#record-consent" in page
    assert "Add the interview's session" in page
    consent_page = client.get(f"/participants/{participant.pseudonym}/?consent_for={study.slug}")
    form = consent_page.context["consent_form"]
    assert form.initial["given_on"] == timezone.localdate()
    assert form.initial["project"] == study
    assert 'id="record-consent" open' in consent_page.content.decode()
