"""The demo data set: its contents, that it obeys the pipeline, and that loading is idempotent."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import TestCase

from interviews import pipeline
from interviews.demo import (
    ADMIN_USERNAME,
    DEMO_PASSWORD,
    DEMO_TODAY,
    DEMO_USERNAMES,
    LEAD_USERNAME,
    MARKER_SLUG,
    RESEARCHER_USERNAME,
    VIEWER_USERNAME,
    DemoSummary,
    load_demo,
)
from interviews.models import (
    AttributeValue,
    ConsentRecord,
    Enrollment,
    EnrollmentEvent,
    Membership,
    Participant,
    ParticipantIdentity,
    ProjectAttribute,
    ResearchProject,
    Session,
)

pytestmark = pytest.mark.django_db

Status = Enrollment.Status
FY27_START, FY27_END = dt.date(2026, 2, 1), dt.date(2027, 1, 31)


def _counts() -> dict[str, int]:
    models = (
        User,
        ResearchProject,
        Membership,
        ProjectAttribute,
        Participant,
        ParticipantIdentity,
        ConsentRecord,
        Enrollment,
        EnrollmentEvent,
        AttributeValue,
        Session,
    )
    return {model.__name__: model.objects.count() for model in models}


def _project(slug: str) -> ResearchProject:
    return ResearchProject.objects.get(slug=slug)


class TestDemoContent(TestCase):
    """Read-only checks share one load: each test runs in a transaction rolled back after it."""

    demo: DemoSummary

    @classmethod
    def setUpTestData(cls) -> None:
        cls.demo = load_demo()

    def test_loads_four_studies_sixty_participants_and_their_history(self) -> None:
        assert not self.demo.already_loaded
        assert _counts() == {
            "User": 4,
            "ResearchProject": 4,
            "Membership": 10,
            "ProjectAttribute": 12,
            "Participant": 60,
            "ParticipantIdentity": 60,
            "ConsentRecord": 49,
            "Enrollment": 59,
            "EnrollmentEvent": 156,
            "AttributeValue": 160,
            "Session": 26,
        }
        assert (self.demo.projects, self.demo.participants, self.demo.enrollments) == (4, 60, 59)
        assert (self.demo.sessions, self.demo.consents) == (26, 49)
        assert set(ResearchProject.objects.values_list("framework__slug", flat=True)) == {
            "cx-journey"
        }

    def test_every_pipeline_state_is_present(self) -> None:
        assert self.demo.enrollments_by_status == {
            Status.IDENTIFIED: 7,
            Status.CONTACTED: 8,
            Status.SCREENED: 7,
            Status.SCHEDULED: 7,
            Status.COMPLETED: 19,
            Status.DECLINED: 5,
            Status.NO_SHOW: 3,
            Status.WITHDRAWN: 3,
        }
        assert set(Enrollment.objects.values_list("status", flat=True)) == set(Status.values)

    def test_completed_interviews_fall_short_of_each_target(self) -> None:
        progress = {
            project.slug: (
                project.enrollments.filter(status=Status.COMPLETED).count(),
                project.target_interviews,
            )
            for project in ResearchProject.objects.all()
        }
        assert progress == {
            "premium-to-ultimate-uptier": (6, 10),
            "mid-market-first-order-ai-addon": (9, 20),
            "plg-free-to-paid": (4, 20),
            "multi-year-lands-with-migration": (0, 10),
        }
        assert set(ResearchProject.objects.values_list("lens", flat=True)) == set(
            ResearchProject.Lens.values
        )

    def test_each_completed_enrollment_has_a_past_session_in_fy27(self) -> None:
        completed = Enrollment.objects.filter(status=Status.COMPLETED).select_related("participant")
        for enrollment in completed:
            sessions = Session.objects.filter(
                project=enrollment.project_id, participants=enrollment.participant
            )
            assert len(sessions) == 1, enrollment
            session = sessions[0]
            assert FY27_START <= session.scheduled_at.date() < DEMO_TODAY
            assert 45 <= session.duration_minutes <= 60
            assert session.interviewers.exists()
        internal = completed.filter(participant__kind=Participant.Kind.INTERNAL)
        assert internal.filter(project__lens=ResearchProject.Lens.INTERSECTION).count() == 3

    def test_each_scheduled_enrollment_has_an_upcoming_session(self) -> None:
        for enrollment in Enrollment.objects.filter(status=Status.SCHEDULED):
            session = Session.objects.get(
                project=enrollment.project_id, participants=enrollment.participant_id
            )
            assert DEMO_TODAY < session.scheduled_at.date() <= FY27_END
        assert Session.objects.count() == 19 + 7  # completed + scheduled, nothing else

    def test_demo_accounts_log_in_with_the_documented_password(self) -> None:
        for username in DEMO_USERNAMES:
            assert authenticate(username=username, password=DEMO_PASSWORD) is not None, username
        assert authenticate(username=VIEWER_USERNAME, password="wrong") is None
        assert User.objects.get(username=ADMIN_USERNAME).is_staff
        assert not User.objects.filter(is_staff=True).exclude(username=ADMIN_USERNAME).exists()

    def test_viewer_sees_some_studies_but_not_all(self) -> None:
        roles = Membership.objects.values_list("project__slug", "user__username", "role")
        by_user: dict[str, dict[str, str]] = {}
        for slug, username, role in roles:
            by_user.setdefault(username, {})[slug] = role
        all_slugs = set(ResearchProject.objects.values_list("slug", flat=True))
        assert by_user[LEAD_USERNAME] == dict.fromkeys(all_slugs, Membership.Role.LEAD)
        assert by_user[RESEARCHER_USERNAME] == dict.fromkeys(all_slugs, Membership.Role.RESEARCHER)
        viewer_roles = by_user[VIEWER_USERNAME]
        assert set(viewer_roles.values()) == {Membership.Role.VIEWER}
        assert 1 <= len(viewer_roles) < len(all_slugs)
        assert ADMIN_USERNAME not in by_user

    def test_completed_participants_have_valid_consent(self) -> None:
        completed = Enrollment.objects.filter(status=Status.COMPLETED).select_related("participant")
        for enrollment in completed:
            consents = list(enrollment.participant.consents.all())
            session = Session.objects.get(
                project=enrollment.project_id, participants=enrollment.participant_id
            )
            for on in (session.scheduled_at.date(), DEMO_TODAY):
                valid, withdrawn = pipeline.consent_state(
                    consents, project_id=enrollment.project_id, today=on
                )
                assert valid and not withdrawn, (enrollment, on)

    def test_consent_records_cover_the_interesting_cases(self) -> None:
        consents = list(ConsentRecord.objects.all())
        valid_internal = [
            c
            for c in consents
            if c.scope == ConsentRecord.Scope.INTERNAL and c.is_valid_on(DEMO_TODAY)
        ]
        assert len(valid_internal) > Participant.objects.count() / 2
        assert sum(c.scope == ConsentRecord.Scope.RESEARCH_TEAM for c in consents) >= 3
        expired = [c for c in consents if c.expires_on and c.expires_on < DEMO_TODAY]
        assert len(expired) == 2
        withdrawn = [c for c in consents if c.withdrawn_on]
        assert len(withdrawn) == 1
        assert any(c.project_id for c in consents)

    def test_every_history_follows_the_pipeline(self) -> None:
        enrollments = Enrollment.objects.prefetch_related("events")
        for enrollment in enrollments:
            events = sorted(enrollment.events.all(), key=lambda event: (event.at, event.id))
            status = Status.IDENTIFIED
            for event in events:
                assert event.from_status == status, enrollment
                assert event.to_status in pipeline.ALLOWED_MOVES[status], (enrollment, event)
                assert event.at.date() <= DEMO_TODAY
                status = event.to_status
            assert status == enrollment.status, enrollment
            assert enrollment.created_at <= enrollment.status_changed_at
            if events:
                assert enrollment.status_changed_at == events[-1].at

    def test_nobody_blocked_is_moved_forward(self) -> None:
        do_not_contact = Participant.objects.filter(do_not_contact=True)
        assert do_not_contact.count() == 2
        assert not Enrollment.objects.filter(participant__in=do_not_contact).exclude(
            status=Status.IDENTIFIED
        )
        assert not EnrollmentEvent.objects.filter(enrollment__participant__in=do_not_contact)

        withdrawn = ConsentRecord.objects.get(withdrawn_on__isnull=False)
        later_forward_moves = EnrollmentEvent.objects.filter(
            enrollment__participant=withdrawn.participant_id,
            to_status__in=pipeline.FORWARD,
            at__date__gte=withdrawn.withdrawn_on,
        )
        assert not later_forward_moves.exists()
        assert withdrawn.participant.enrollments.get().status == Status.WITHDRAWN

    def test_governance_warnings_are_staged(self) -> None:
        # P-018 was contacted for a second study inside the cooldown, with the lead's reason.
        override = EnrollmentEvent.objects.exclude(override_reason="").get()
        assert override.enrollment.participant.pseudonym == "P-018"
        assert override.to_status == Status.CONTACTED
        assert "cooldown" in override.overridden_rules
        assert override.by.username == LEAD_USERNAME

        # P-024, contacted for one study last month, warns when contacted for another.
        recent = Participant.objects.get(pseudonym="P-024")
        waiting = recent.enrollments.get(status=Status.IDENTIFIED)
        check = pipeline.check_move(
            waiting, Status.CONTACTED, consents=list(recent.consents.all()), today=DEMO_TODAY
        )
        assert not check.refusals
        assert "cooldown" in check.warnings[0]

        # P-031 missed two interviews; booking a third needs a reason.
        no_shows = Participant.objects.get(pseudonym="P-031")
        assert no_shows.no_show_count == 2
        missed = no_shows.enrollments.get()
        check = pipeline.check_move(
            missed, Status.SCHEDULED, consents=list(no_shows.consents.all()), today=DEMO_TODAY
        )
        assert check.needs_override

    def test_known_facts_stay_fixed(self) -> None:
        first = Participant.objects.get(pseudonym="P-001")
        assert first.profile_line == "Platform engineer · Large · EMEA · Premium"
        assert first.identity.name == "Łukasz Wiśniewski"
        assert first.last_contacted_on == dt.date(2026, 8, 25)

        last = Participant.objects.get(pseudonym="P-060")
        assert (last.kind, last.persona, last.region) == ("internal", "Support engineer", "apac")

        uptier = _project(MARKER_SLUG)
        assert uptier.title == "Premium → Ultimate up-tier for large self-managed customers"
        assert (uptier.segment, uptier.quarter, uptier.status) == (
            "large",
            "FY27-Q3",
            "in_progress",
        )
        assert len(uptier.research_question_list) == 5
        values = {
            value.attribute.key: value.value
            for value in AttributeValue.objects.filter(
                enrollment__project=uptier, enrollment__participant=first
            ).select_related("attribute")
        }
        assert values == {
            "relationship_to_ultimate": "considered",
            "uses_ci_cd": "yes",
            "developers": 3200.0,
        }

        deadline = AttributeValue.objects.get(
            attribute__key="migration_deadline",
            enrollment__participant__identity__name="Yusuf Demir",
        )
        assert deadline.value == dt.date(2027, 6, 30)

    def test_incentives_are_offered_and_some_paid(self) -> None:
        completed = Enrollment.objects.filter(status=Status.COMPLETED)
        assert completed.filter(incentive="USD 100 gift card", incentive_paid=True).exists()
        assert completed.filter(incentive="USD 100 gift card", incentive_paid=False).exists()
        assert not Enrollment.objects.filter(incentive="", incentive_paid=True).exists()
        assert not Enrollment.objects.filter(
            participant__kind=Participant.Kind.INTERNAL, incentive_paid=True
        ).exists()


def test_second_run_changes_nothing_and_says_so(settings, django_assert_num_queries) -> None:
    settings.DEBUG = True
    first = StringIO()
    call_command("seed_demo", stdout=first)
    before = _counts()
    history = list(
        Participant.objects.values_list("pseudonym", "last_contacted_on", "no_show_count")
    )

    second = StringIO()
    with django_assert_num_queries(1):  # does the first study exist?
        call_command("seed_demo", stdout=second)

    assert _counts() == before
    assert (
        list(Participant.objects.values_list("pseudonym", "last_contacted_on", "no_show_count"))
        == history
    )
    assert "Loaded the demo data" in first.getvalue()
    assert "Demo data already loaded" in second.getvalue()
    for output in (first.getvalue(), second.getvalue()):
        for username in DEMO_USERNAMES:
            assert f"  {username} " in output
        assert DEMO_PASSWORD in output


def test_command_refuses_without_debug(settings) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", stdout=StringIO())
    assert not ResearchProject.objects.filter(slug=MARKER_SLUG).exists()
    assert not User.objects.exists()

    call_command("seed_demo", "--allow-without-debug", stdout=StringIO())
    assert ResearchProject.objects.filter(slug=MARKER_SLUG).exists()


def test_an_existing_account_keeps_its_password() -> None:
    User.objects.create_user(ADMIN_USERNAME, password="the-real-admin-password")

    summary = load_demo()

    assert authenticate(username=ADMIN_USERNAME, password="the-real-admin-password")
    assert authenticate(username=ADMIN_USERNAME, password=DEMO_PASSWORD) is None
    assert any("admin" in note for note in summary.notes)
    assert User.objects.count() == 4


def test_a_failed_load_leaves_nothing_behind(monkeypatch) -> None:
    from interviews import demo as demo_package

    def explode(ctx: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(demo_package, "LOADERS", (*demo_package.LOADERS, explode))
    with pytest.raises(RuntimeError):
        load_demo()
    assert all(count == 0 for count in _counts().values())
