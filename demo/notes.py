"""Loader step: the field notes researchers wrote during the sessions.

Every contextual inquiry has several, across the five kinds; some interviews have a few (a
shared screen, a document the participant showed, a remark made after the recording stopped).
Like transcripts, notes are read by viewers, so they name no participant and no company.
"""

from __future__ import annotations

import datetime as dt

from demo.accounts import LEAD_USERNAME
from demo.context import DemoContext
from demo.studies import FIRST_ORDER, PLG, UPTIER
from interviews.models import FieldNote

CONTEXT = FieldNote.Kind.CONTEXT
ACTIVITY = FieldNote.Kind.ACTIVITY
OBSERVATION = FieldNote.Kind.OBSERVATION
ARTEFACT = FieldNote.Kind.ARTEFACT
QUOTE = FieldNote.Kind.QUOTE

# (kind, minutes into the session, text), in the order they were written.
NOTES: dict[tuple[str, str], tuple[tuple[str, int, str], ...]] = {
    (UPTIER, "lukasz"): (
        (
            ARTEFACT,
            18,
            "Shared his screen to show the true-up spreadsheet: one row per team, seats, cost "
            "centre and the date each team lead last confirmed the number. Three tabs; the "
            "oldest confirmation was five months old.",
        ),
        (
            OBSERVATION,
            31,
            "Keeps a spreadsheet of licence seats per team, updated by hand before each "
            "true-up; nobody else on the team knows how to update it.",
        ),
        (
            QUOTE,
            44,
            'After the recording stopped: "If you find a customer who understands the true-up '
            'the first time, please introduce me."',
        ),
    ),
    (UPTIER, "amara"): (
        (
            CONTEXT,
            0,
            "On site in the DevOps team's area of the operations centre. Twelve people sit "
            "together next to the security team; two wall screens show pipeline health and "
            "open vulnerabilities by severity.",
        ),
        (
            ACTIVITY,
            9,
            "Walked us through preparing evidence for the quarterly compliance audit: filtered "
            "the audit events by project, exported them as CSV and pasted them into the "
            "auditor's spreadsheet template.",
        ),
        (
            ARTEFACT,
            12,
            "A printed audit checklist on her desk, forty items, each ticked by hand with a "
            "date. Eleven items now point to a screenshot of the compliance dashboard instead "
            "of a manual check.",
        ),
        (
            OBSERVATION,
            14,
            "Re-applied the same four filters to the audit events three times during the "
            "session; they are not saved. The filter values are on a sticky note on her "
            "monitor.",
        ),
        (
            OBSERVATION,
            26,
            "Before each true-up she compares the billable user count with an HR export in a "
            "spreadsheet; on the day of the visit the two differed by 63.",
        ),
        (
            ACTIVITY,
            38,
            "A developer came over to ask for an override of the security approval rule for a "
            "hotfix. She declined and paired with him to fix the dependency instead; it took "
            "ten minutes.",
        ),
        (
            QUOTE,
            52,
            '"This dashboard saved us a week at the last audit. The export still costs me an '
            'afternoon every quarter."',
        ),
    ),
    (UPTIER, "isabela"): (
        (
            CONTEXT,
            0,
            "Interview in a meeting room on the bank's technology campus. Visitors' laptops stay "
            "in a locker, so notes were taken on paper and typed up afterwards.",
        ),
        (
            ARTEFACT,
            20,
            "Showed the bank's vendor risk assessment template: 312 questions, of which she "
            "estimates 120 do not apply to a self-managed product.",
        ),
        (
            OBSERVATION,
            35,
            "Spoke warmly about the scanners in the merge request and sharply about support "
            "escalations; the contrast was striking.",
        ),
    ),
    (UPTIER, "henrik"): (
        (
            OBSERVATION,
            22,
            "Paused for a long time before answering how the rollout went, then laughed. "
            "Visibly uncomfortable about the security features that were never switched on.",
        ),
        (
            ARTEFACT,
            30,
            "Mentioned a one-page renewal memo to the board comparing Premium and Ultimate "
            "usage; offered to share a redacted copy.",
        ),
        (
            QUOTE,
            47,
            "\"We bought a gym membership and never went. That's on us. But the gym could have "
            'called."',
        ),
    ),
    (FIRST_ORDER, "chloe"): (
        (
            ARTEFACT,
            12,
            "Trial scorecard in a shared document: two squads, one column per week, a tally of "
            "'used it yesterday' answers from stand-ups. The tally drops from 14 to 6 by week "
            "four.",
        ),
        (
            OBSERVATION,
            40,
            "Both interviewers noticed that her energy dropped when the conversation moved from "
            "the trial to onboarding.",
        ),
        (
            QUOTE,
            55,
            '"The trial was a party. Onboarding was the morning after."',
        ),
    ),
    (FIRST_ORDER, "noah"): (
        (
            ARTEFACT,
            15,
            "Showed the firewall change request for the AI add-on trial: three revisions of the "
            "list of endpoints, the last one approved two days after the trial expired.",
        ),
        (
            OBSERVATION,
            28,
            "Runs the instance with one colleague; they share an on-call rota with the network "
            "team, which is why network changes take a week.",
        ),
        (
            QUOTE,
            41,
            '"Tell me which endpoints to open before the trial starts, not after it ends."',
        ),
    ),
    (FIRST_ORDER, "keisha"): (
        (
            CONTEXT,
            0,
            "Observed a remote kickoff call with a new Mid-Market customer (60 seats, Premium "
            "with the AI add-on) from the CSM's home office; the customer agreed to the "
            "observation at the start of the call.",
        ),
        (
            ACTIVITY,
            2,
            "Before the call she spent 25 minutes reading the CRM notes and the account "
            "executive's forwarded e-mails to piece together what was promised in the deal.",
        ),
        (
            ARTEFACT,
            6,
            "Her kickoff deck has a slide 'What we heard from you', filled in by hand from the "
            "CRM notes. The customer corrected two of its five bullets.",
        ),
        (
            OBSERVATION,
            11,
            "The customer asked about a workshop the account executive had promised; it was not "
            "in the CRM. She wrote it on a sticky note and asked for the e-mail.",
        ),
        (
            OBSERVATION,
            19,
            "SSO was booked as a separate session because the customer's IT contact was not on "
            "the call; the first available date was a week later.",
        ),
        (
            ARTEFACT,
            33,
            "A spreadsheet of seats bought versus seats active per customer, updated by hand "
            "from the usage reports every two weeks; 31 customers on it.",
        ),
        (
            QUOTE,
            41,
            "\"Half of my job is archaeology. The other half is apologising for things I didn't "
            "know we'd promised.\"",
        ),
    ),
    (PLG, "zoe"): (
        (
            CONTEXT,
            0,
            "A four-person studio in a shared office above a bike shop. One old laptop under a "
            "desk is the CI runner; a second screen shows the pipeline list all day.",
        ),
        (
            ACTIVITY,
            5,
            "Pushed a build to show the pipeline: the LFS upload of art assets took 6 of the 9 "
            "minutes.",
        ),
        (
            ARTEFACT,
            8,
            "A sticky note on the monitor: 'CI minutes: check on the 20th!', with the last three "
            "months' usage written underneath by hand.",
        ),
        (
            OBSERVATION,
            11,
            "The runner laptop went to sleep during the demo; the job queued silently and she "
            "only noticed after four minutes.",
        ),
        (
            OBSERVATION,
            30,
            "The team never looked at the pricing page together: the decision to pay was hers "
            "alone, made at midnight during a failed release.",
        ),
        (
            QUOTE,
            34,
            '"I paid the first month with my own card, in the middle of a release. Then I '
            'expensed it to myself."',
        ),
    ),
    (PLG, "ravi"): (
        (
            OBSERVATION,
            16,
            "Opened the pricing page during the call to find the difference between compute "
            "minutes and CI minutes; could not find it within two minutes.",
        ),
        (
            ARTEFACT,
            27,
            "Monthly card receipts are exported by hand into the finance folder; he showed the "
            "folder, one PDF per month since the trial ended.",
        ),
        (
            QUOTE,
            38,
            '"Our clients\' rules become our rules. Sometimes the client decides what we pay for."',
        ),
    ),
    (PLG, "joao"): (
        (
            CONTEXT,
            0,
            "Interview held by chat at the participant's request; he answered in English and "
            "switched to Portuguese twice to look up a word.",
        ),
        (
            OBSERVATION,
            25,
            "Answers about the price per seat came fast and with emoji; answers about the "
            "product itself were slower and more careful.",
        ),
        (
            ARTEFACT,
            33,
            "Described two free groups that split the team's projects to stay under the user "
            "limit; permissions are duplicated between them.",
        ),
    ),
}


def load_field_notes(ctx: DemoContext) -> None:
    """Write the notes of each session in NOTES, by its lead interviewer, dated in the session."""
    created: list[FieldNote] = []
    for ref, notes in NOTES.items():
        session = ctx.sessions[ref]
        interviewers = sorted(
            session.interviewers.all(), key=lambda user: user.username != LEAD_USERNAME
        )
        made = FieldNote.objects.bulk_create(
            FieldNote(
                session=session,
                kind=kind,
                text=text,
                observed_at_ms=minutes * 60_000,
                author=interviewers[0],
            )
            for kind, minutes, text in notes
        )
        for note, (_kind, minutes, _text) in zip(made, notes, strict=True):
            note.created_at = session.scheduled_at + dt.timedelta(minutes=minutes)
        ctx.field_notes[ref] = made
        created += made
    FieldNote.objects.bulk_update(created, ["created_at"])
    ctx.counts["field notes"] = len(created)
    ctx.say(f"  field notes: {len(created)} in {len(NOTES)} sessions")
