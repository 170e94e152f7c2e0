"""The demo data set: its contents, that it obeys the pipeline and the importer, that its
codings are real spans, and that loading is idempotent.

The content checks share one load of the whole demo (demo.analysis.load_demo: the evidence
steps, then the codebooks and codings), so they read like a tour of what `make run` shows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db.models import F
from django.test import TestCase

from demo import guides
from demo.analysis import load_demo as load_full_demo
from demo.analysis import steps
from demo.codebooks import CODEBOOKS, PALETTE
from demo.coding import QUESTION_STAGES, question_stage
from demo.evidence import (
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
from demo.notes import NOTES
from demo.transcripts import conversation
from demo.voices import VOICES
from insights.models import Code, CodedHighlight, Highlight, Report, Theme
from insights.search.backends import get_backend
from insights.search.base import Kind
from insights.search.documents import doc_id
from insights.selectors import agreement_for_project
from interviews import pipeline
from interviews.models import (
    AttributeValue,
    ConsentRecord,
    Enrollment,
    EnrollmentEvent,
    FieldNote,
    Membership,
    Participant,
    ParticipantIdentity,
    ProjectAttribute,
    ResearchProject,
    Session,
    Speaker,
    Transcript,
    Utterance,
)
from tests.factories import coded_utterances

pytestmark = pytest.mark.django_db

Status = Enrollment.Status
FY27_START, FY27_END = dt.date(2026, 2, 1), dt.date(2027, 1, 31)
STAGES = ("awareness", "evaluation", "purchase", "onboarding", "adoption", "expansion")


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


def _analysis_counts() -> dict[str, int]:
    models = (Transcript, Speaker, Utterance, FieldNote, Code, Highlight, CodedHighlight)
    return {model.__name__: model.objects.count() for model in models}


def _project(slug: str) -> ResearchProject:
    return ResearchProject.objects.get(slug=slug)


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)


class TestDemoContent(TestCase):
    """Read-only checks share one load: each test runs in a transaction rolled back after it."""

    demo: DemoSummary

    @classmethod
    def setUpTestData(cls) -> None:
        cls.demo = load_full_demo()

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
            status: str = Status.IDENTIFIED
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

    # --- Transcripts ------------------------------------------------------------------------

    def test_every_completed_session_has_exactly_one_transcript(self) -> None:
        completed = Enrollment.objects.filter(status=Status.COMPLETED)
        assert completed.count() == 19
        for enrollment in completed:
            session = Session.objects.get(
                project=enrollment.project_id, participants=enrollment.participant_id
            )
            assert session.transcripts.count() == 1, session
        assert not Transcript.objects.filter(session__scheduled_at__date__gt=DEMO_TODAY).exists()
        assert self.demo.counts["transcripts"] == Transcript.objects.count() == 19

    def test_utterances_are_exact_slices_of_their_transcript(self) -> None:
        for transcript in Transcript.objects.prefetch_related("utterances"):
            utterances = list(transcript.utterances.all())
            assert len(utterances) == transcript.utterance_count
            for utterance in utterances:
                assert transcript.text[utterance.start : utterance.end] == utterance.text
            assert transcript.word_count == len(transcript.text.split())

    def test_every_transcript_maps_a_participant_and_an_interviewer(self) -> None:
        for transcript in Transcript.objects.select_related("session"):
            speakers = list(transcript.speakers.all())
            kinds = Counter(speaker.kind for speaker in speakers)
            assert kinds["participant"] >= 1, transcript
            assert kinds["interviewer"] >= 1, transcript
            session_people = set(transcript.session.participants.values_list("pk", flat=True))
            interviewers = set(transcript.session.interviewers.values_list("pk", flat=True))
            for speaker in speakers:
                if speaker.participant_id:
                    assert speaker.participant_id in session_people
                if speaker.interviewer_id:
                    assert speaker.interviewer_id in interviewers
        # The one guest on an observed call is a name that matches nobody, and stays unmapped.
        assert list(
            Speaker.objects.filter(participant=None, interviewer=None).values_list(
                "label", flat=True
            )
        ) == ["Rowan Pierce"]

    def test_transcripts_are_interview_sized(self) -> None:
        for transcript in Transcript.objects.all():
            assert 25 <= transcript.utterance_count <= 60, transcript
            assert 1500 <= transcript.word_count <= 4000, transcript
            assert transcript.duration_ms is not None or transcript.source_format in {"md", "txt"}
            assert transcript.created_at > transcript.session.scheduled_at
        # Only the hand-cleaned Markdown and the chat have no times.
        assert Transcript.objects.filter(duration_ms__isnull=False).count() == 15

    def test_transcripts_arrive_in_the_formats_real_tools_write(self) -> None:
        formats = Counter(Transcript.objects.values_list("source_format", flat=True))
        assert set(formats) == {"vtt", "txt", "md", "srt"}
        raw = {
            t.source_filename: t.source_file.open("rb").read().decode("utf-8")
            for t in Transcript.objects.all()
        }
        vtt = [text for name, text in raw.items() if name.endswith(".vtt")]
        assert any("<v " in text for text in vtt)  # Teams voice tags
        assert any(re.search(r"^\d+\n[\d:.]+ --> ", text, re.M) for text in vtt)  # Zoom cues
        txt = [text for name, text in raw.items() if name.endswith(".txt")]
        assert any("SUMMARY KEYWORDS" in text for text in txt)  # Otter
        assert any(re.search(r"^\[\d\d:\d\d:\d\d\] ", text, re.M) for text in txt)
        assert any(re.search(r"^[^\n]+ \(\d\d:\d\d\):$", text, re.M) for text in txt)  # Rev
        assert any(re.search(r"^\*\*[^*]+:\*\* ", text, re.M) for text in raw.values())

    def test_transcripts_sound_like_people(self) -> None:
        texts = list(Transcript.objects.values_list("text", flat=True))
        joined = "\n".join(texts)
        assert "[laughs]" in joined
        assert re.search(r"\bum\b", joined, re.IGNORECASE)
        assert any(ord(character) > 0xFFFF for character in joined)  # an emoji, from a chat
        labels = Speaker.objects.values_list("label", flat=True)
        assert any(not label.isascii() for label in labels)  # Łukasz, Chloé, Zoë, Tomás...

    def test_no_transcript_or_note_names_a_participant_or_their_company(self) -> None:
        # Viewers read transcripts and notes: only the file names carry names, and the
        # importer replaces them with the pseudonym in the transcript's title.
        texts = [*Transcript.objects.values_list("text", flat=True)]
        texts += FieldNote.objects.values_list("text", flat=True)
        titles = [*Transcript.objects.values_list("title", flat=True)]
        titles += Session.objects.values_list("title", flat=True)
        identities = ParticipantIdentity.objects.select_related("participant")
        for identity in identities:
            secrets = [identity.name, identity.email]
            if identity.participant.kind == Participant.Kind.CUSTOMER:
                secrets.append(identity.company)
            for secret in filter(None, secrets):
                for text in texts + titles:
                    assert secret.casefold() not in text.casefold(), (secret, text[:80])
        assert Transcript.objects.filter(title__contains="P-").count() >= 5

    def test_field_notes_cover_every_contextual_inquiry(self) -> None:
        inquiries = Session.objects.filter(kind=Session.Kind.CONTEXTUAL_INQUIRY)
        inquiries = inquiries.exclude(scheduled_at__date__gt=DEMO_TODAY)
        assert inquiries.count() == 3
        for session in inquiries:
            kinds = Counter(session.field_notes.values_list("kind", flat=True))
            assert 3 <= sum(kinds.values()) <= 8, session
            assert len(kinds) >= 4, session
        interviews_with_notes = Session.objects.filter(
            kind=Session.Kind.INTERVIEW, field_notes__isnull=False
        ).distinct()
        assert interviews_with_notes.count() >= 5
        assert set(FieldNote.objects.values_list("kind", flat=True)) == set(FieldNote.Kind.values)
        assert FieldNote.objects.count() == sum(len(notes) for notes in NOTES.values())
        for note in FieldNote.objects.select_related("session"):
            assert note.author_id in set(note.session.interviewers.values_list("pk", flat=True))

    # --- Codebooks and codings --------------------------------------------------------------

    def test_each_study_with_interviews_has_a_codebook(self) -> None:
        with_sessions = {
            project.slug
            for project in ResearchProject.objects.filter(
                enrollments__status=Status.COMPLETED
            ).distinct()
        }
        assert with_sessions == set(CODEBOOKS)
        assert not Code.objects.exclude(project__slug__in=with_sessions).exists()
        for slug in with_sessions:
            codes = list(Code.objects.filter(project__slug=slug))
            assert 15 <= len(codes) <= 30, slug
            assert {code.kind for code in codes} == set(Code.Kind.values), slug
            children = [code for code in codes if code.parent_id]
            assert len(children) >= len(codes) // 2, slug
            assert all(code.definition for code in codes)
            assert sum(bool(code.inclusion_notes) for code in codes) >= 5
            assert sum(bool(code.exclusion_notes) for code in codes) >= 2
            colours = [code.colour for code in codes]
            assert len(set(colours)) == len(colours), slug

    def test_code_colours_read_well_as_marks(self) -> None:
        # The mark's underline is the colour on white (3:1 at least); its background is the
        # colour mixed with white, under black text (4.5:1 at least even unmixed).
        for colour in PALETTE:
            luminance = _luminance(colour)
            assert (1.05 / (luminance + 0.05)) >= 3, colour
            assert ((luminance + 0.05) / 0.05) >= 4.5, colour
        assert len(set(PALETTE)) == len(PALETTE)

    def test_highlights_are_exact_spans_across_the_whole_journey(self) -> None:
        highlights = list(
            Highlight.objects.select_related("transcript", "field_note", "stage").prefetch_related(
                "coded_items"
            )
        )
        assert 300 <= len(highlights) <= 800
        assert len(highlights) == self.demo.counts["highlights"]
        for highlight in highlights:
            assert highlight.text == highlight.source.text[highlight.start : highlight.end]
            assert highlight.text.strip() == highlight.text
            assert highlight.coded_items.all(), highlight
            assert highlight.stage is not None
            assert highlight.created_at.date() <= DEMO_TODAY
        stages = Counter(highlight.stage.slug for highlight in highlights)
        assert set(stages) == set(STAGES)
        assert min(stages.values()) >= 20, stages
        assert any(h.field_note_id for h in highlights)
        assert any(h.memo for h in highlights)
        assert {h.sentiment for h in highlights} >= {-2, -1, 0, 1, 2}
        assert {h.pain_severity for h in highlights} >= {1, 2, 3}
        # Highlights start in a participant's turn, never an interviewer's.
        for highlight in highlights:
            if highlight.transcript_id:
                assert highlight.utterance.speaker.kind == "participant", highlight

    def test_most_codes_are_used(self) -> None:
        used = set(CodedHighlight.objects.values_list("tag_id", flat=True))
        codes = list(Code.objects.all())
        assert sum(code.pk in used for code in codes) >= 0.9 * len(codes)
        # Coders are recorded on the codings too: the highlight's coder applied its codes.
        assert not CodedHighlight.objects.exclude(coder=F("content_object__coder")).exists()

    def test_every_transcript_is_coded_and_some_twice(self) -> None:
        coders: dict[int, set[str]] = defaultdict(set)
        for transcript_id, username in Highlight.objects.filter(
            transcript__isnull=False
        ).values_list("transcript_id", "coder__username"):
            coders[transcript_id].add(username)
        assert set(coders) == set(Transcript.objects.values_list("pk", flat=True))
        assert all(RESEARCHER_USERNAME in names for names in coders.values())
        double = [
            pk for pk, names in coders.items() if names == {RESEARCHER_USERNAME, LEAD_USERNAME}
        ]
        assert len(double) >= 3
        for transcript in Transcript.objects.all():
            assert 0 < coded_utterances(transcript) < transcript.utterance_count

    def test_coders_agree_moderately_not_perfectly(self) -> None:
        reports = 0
        for project in ResearchProject.objects.all():
            agreement = agreement_for_project(project)
            if agreement.report is None:
                continue
            reports += 1
            for figures in (
                agreement.report.overall.all_units,
                agreement.report.overall.coded_units,
            ):
                assert figures.alpha is not None and 0.4 <= figures.alpha <= 0.8, figures
                for pair in figures.pairs:
                    assert pair.kappa is not None and 0.4 <= pair.kappa <= 0.8, pair
            assert agreement.report.disagreements
        assert reports == 2


def test_each_question_names_the_stage_it_asks_about() -> None:
    """The coders take a sentence's stage from the question it answers: every question of the
    guides says its stage, and the small talk around questions says none."""
    expected = {
        "u_trigger": "awareness", "u_capabilities": "evaluation", "u_business_case": "purchase",
        "u_quote": "purchase", "u_benchmark": "evaluation", "u_trueup": "expansion",
        "u_visibility": "adoption", "u_security_review": "purchase", "u_trial": "evaluation",
        "u_identity": "onboarding", "u_saas": "onboarding", "u_adoption": "adoption",
        "u_adoption_premium": "adoption", "u_cicd": "adoption", "u_support": "adoption",
        "u_account_team": "adoption", "u_enablement": "adoption", "u_ai_addon": "evaluation",
        "u_renewal": "expansion", "u_wish": "expansion",
        "f_trigger": "awareness", "f_trial": "evaluation", "f_value": "evaluation",
        "f_seats": "purchase", "f_ai_security": "purchase", "f_procurement": "purchase",
        "f_onboarding": "onboarding", "f_identity": "onboarding", "f_usage": "adoption",
        "f_handoff": "onboarding", "f_enablement": "adoption", "f_pricing_addon": "purchase",
        "f_support": "adoption", "f_renewal": "expansion", "f_wish": "expansion",
        "i_deal_shape": "purchase", "i_trials": "evaluation", "i_seats": "purchase",
        "i_security": "purchase", "i_handoff": "onboarding", "i_onboarding": "onboarding",
        "i_usage": "adoption", "i_tools": "adoption", "i_pricing": "purchase",
        "i_renewal": "expansion", "i_selfmanaged": "evaluation", "i_wish": "expansion",
        "p_signup": "awareness", "p_first_value": "onboarding", "p_limits": "adoption",
        "p_approval": "purchase", "p_pricing": "purchase", "p_trial": "evaluation",
        "p_checkout": "purchase", "p_help": "adoption", "p_sso": "purchase",
        "p_workaround": "adoption", "p_alternatives": "evaluation", "p_growth": "expansion",
        "p_wish": "expansion",
    }  # fmt: skip
    assert set(expected) == set(guides.TOPICS)
    assert {stage for stage, _pattern in QUESTION_STAGES} == set(STAGES)
    for key, topic in guides.TOPICS.items():
        for question in topic.questions:
            for lead_in in ("", *guides.TRANSITIONS, *(f"{f} " for f in guides.FRAMINGS)):
                assert question_stage(lead_in + question) == expected[key], (key, question)
    small_talk = [*guides.GENERIC_PROBES, *guides.TRANSITIONS, *guides.FRAMINGS]
    small_talk += [voice.scene_intro for voice in VOICES.values()]
    for text in small_talk:
        assert question_stage(text) is None, text
    for text in (*guides.ROLE_QUESTIONS, *guides.HISTORY_QUESTIONS, *guides.ANYTHING_ELSE):
        assert question_stage(text) == "", text


def test_every_stance_a_voice_takes_exists() -> None:
    for ref, voice in VOICES.items():
        for topic, stance in voice.guide:
            assert stance in guides.TOPICS[topic].answers, (ref, topic, stance)
        assert set(voice.own) <= {topic for topic, _stance in voice.guide}, ref
        assert set(voice.extra) <= {topic for topic, _stance in voice.guide}, ref


def test_a_conversation_is_the_same_on_every_load() -> None:
    for ref, voice in VOICES.items():
        first = conversation(ref, voice, internal=False, thanks=("Thanks.",), pair=True)
        again = conversation(ref, voice, internal=False, thanks=("Thanks.",), pair=True)
        assert first == again


def test_command_refuses_without_debug(settings) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", stdout=StringIO())
    assert not ResearchProject.objects.filter(slug=MARKER_SLUG).exists()
    assert not User.objects.exists()


def test_command_loads_once_then_only_prints_the_accounts(
    settings, django_assert_num_queries
) -> None:
    settings.DEBUG = False
    first = StringIO()
    call_command("seed_demo", "--allow-without-debug", stdout=first)
    before = {**_counts(), **_analysis_counts()}
    history = list(
        Participant.objects.values_list("pseudonym", "last_contacted_on", "no_show_count")
    )
    assert before["Highlight"] >= 300

    settings.DEBUG = True
    second = StringIO()
    with django_assert_num_queries(1):  # does the first study exist?
        call_command("seed_demo", stdout=second)

    assert {**_counts(), **_analysis_counts()} == before
    assert (
        list(Participant.objects.values_list("pseudonym", "last_contacted_on", "no_show_count"))
        == history
    )
    assert "Loaded the demo data" in first.getvalue()
    assert "19 transcripts" in first.getvalue()
    assert "highlights" in first.getvalue()
    assert "Rebuilt the search index" in first.getvalue()
    assert re.search(
        r"Aggregated themes in [\d.]+ s: \d+ candidate themes in \d studies", first.getvalue()
    )
    assert Theme.objects.filter(status=Theme.Status.CANDIDATE).exists()
    # The demo lead confirmed the strongest themes and published a first report in each
    # aggregated study, so the demo viewer has findings to read.
    assert Theme.objects.filter(status=Theme.Status.CONFIRMED).exists()
    published = Report.objects.filter(status=Report.Status.PUBLISHED)
    assert published.count() == Theme.objects.values("project").distinct().count()
    assert all(report.number == 1 for report in published)
    # The job's drafts resting on confirmed themes were proposed, so the reports carry them.
    assert all(
        any(stage["recommendations"] for stage in report.snapshot["stages"]) for report in published
    )
    # Indexing was suspended during the load and the index rebuilt once: every utterance,
    # field note and highlight of the demo is searchable.
    indexed = get_backend().document_ids()
    expected = {
        doc_id(Kind.FIELD_NOTE, pk) for pk in FieldNote.objects.values_list("pk", flat=True)
    }
    expected |= {
        doc_id(Kind.HIGHLIGHT, pk) for pk in Highlight.objects.values_list("pk", flat=True)
    }
    expected |= {
        doc_id(Kind.UTTERANCE, pk) for pk in Utterance.objects.values_list("pk", flat=True)
    }
    assert indexed == expected
    assert "Demo data already loaded" in second.getvalue()
    for output in (first.getvalue(), second.getvalue()):
        for username in DEMO_USERNAMES:
            assert f"  {username} " in output
        assert DEMO_PASSWORD in output


def test_the_interviews_demo_loads_alone_and_keeps_an_existing_password() -> None:
    """demo.evidence.load_demo is still the whole evidence side on its own: no codebooks."""
    User.objects.create_user(ADMIN_USERNAME, password="the-real-admin-password")

    summary = load_demo()

    assert authenticate(username=ADMIN_USERNAME, password="the-real-admin-password")
    assert authenticate(username=ADMIN_USERNAME, password=DEMO_PASSWORD) is None
    assert any("admin" in note for note in summary.notes)
    assert User.objects.count() == 4
    assert Transcript.objects.count() == 19
    assert not Code.objects.exists()
    assert not Highlight.objects.exists()


def test_a_failed_load_leaves_nothing_behind(monkeypatch) -> None:
    from demo import evidence as demo_evidence

    def explode(ctx: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(demo_evidence, "LOADERS", (*demo_evidence.LOADERS, explode))
    with pytest.raises(RuntimeError):
        load_demo()
    assert all(count == 0 for count in _counts().values())
    assert all(count == 0 for count in _analysis_counts().values())


def test_a_failed_analysis_step_undoes_the_evidence_too() -> None:
    def explode(ctx: object) -> None:
        raise RuntimeError("disk full")

    codebooks, _codings = steps()
    with pytest.raises(RuntimeError):
        load_demo(then=(codebooks, explode))
    assert all(count == 0 for count in _counts().values())
    assert all(count == 0 for count in _analysis_counts().values())
