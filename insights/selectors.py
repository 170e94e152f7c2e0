"""Reads for the analysis pages, with their joins built in. One section per page or feature."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models.functions import Substr

from insights.agreement import AgreementReport, Unit, agreement_report, overlapping_units
from insights.models import CodedHighlight
from interviews.models import ResearchProject, Utterance

# --- Agreement ---------------------------------------------------------------------------------

AGREEMENT_SNIPPET_LENGTH = 160


@dataclass(frozen=True)
class AgreementTranscript:
    id: int
    session_id: int
    title: str
    coder_ids: tuple[int, ...]


@dataclass(frozen=True)
class AgreementCode:
    id: int
    name: str
    colour: str


@dataclass(frozen=True)
class AgreementUtterance:
    id: int
    transcript_id: int
    position: int
    snippet: str  # the first AGREEMENT_SNIPPET_LENGTH characters


@dataclass(frozen=True)
class ProjectAgreement:
    """The agreement report with the names and places its ids stand for.

    `report` is None when no transcript has been coded by two or more coders.
    """

    report: AgreementReport | None
    transcripts: tuple[AgreementTranscript, ...]  # the double-coded ones
    coders: dict[int, str]  # user id → username, in username order
    codes: dict[int, AgreementCode]  # in name order
    utterances: dict[int, AgreementUtterance]


def agreement_for_project(project: ResearchProject) -> ProjectAgreement:
    """Coder agreement over the utterances of the project's transcripts coded by 2+ coders.

    A coder "coded" a transcript when they applied at least one code to a highlight of it;
    who applied a code is CodedHighlight.coder (the through row), which is the highlight's
    coder unless someone else added that code later. Field notes have no utterances and are
    left out. Codes nobody applied in these transcripts are left out too: they would add only
    agreement-by-absence to the pooled figures.

    Queries: 2 (1 when no transcript is double-coded):
      1. every code application on a transcript highlight of the project, with its span,
         coder, code and transcript (one joined SELECT);
      2. the utterances of the double-coded transcripts (offsets and a snippet).
    The overlap of highlights and utterances is then found in Python, per transcript, by a
    binary search over the utterances' sorted offsets.
    """
    rows = list(
        CodedHighlight.objects.filter(
            content_object__project=project, content_object__transcript__isnull=False
        ).values_list(
            "content_object__transcript_id",
            "content_object__transcript__session_id",
            "content_object__transcript__title",
            "content_object__start",
            "content_object__end",
            "coder_id",
            "coder__username",
            "tag_id",
            "tag__name",
            "tag__colour",
        )
    )
    coded_by: dict[int, set[int]] = defaultdict(set)
    for transcript_id, _s, _t, _start, _end, coder_id, *_rest in rows:
        coded_by[transcript_id].add(coder_id)
    double = {t for t, coders in coded_by.items() if len(coders) >= 2}
    if not double:
        return ProjectAgreement(None, (), {}, {}, {})

    utterances = list(
        Utterance.objects.filter(transcript_id__in=double)
        .annotate(snippet=Substr("text", 1, AGREEMENT_SNIPPET_LENGTH))
        .order_by("transcript_id", "start")
        .values_list("id", "transcript_id", "position", "start", "end", "snippet")
    )
    by_transcript: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for pk, transcript_id, _position, start, end, _snippet in utterances:
        by_transcript[transcript_id].append((pk, start, end))
    bounds = {
        t: ([s for _pk, s, _e in us], [e for _pk, _s, e in us]) for t, us in by_transcript.items()
    }

    applied: set[tuple[int, int, int]] = set()
    transcripts: dict[int, tuple[int, str]] = {}
    usernames: dict[int, str] = {}
    codes: dict[int, AgreementCode] = {}
    for (
        transcript_id,
        session_id,
        title,
        start,
        end,
        coder_id,
        username,
        code_id,
        name,
        colour,
    ) in rows:
        if transcript_id not in double:
            continue
        transcripts[transcript_id] = (session_id, title)
        usernames[coder_id] = username
        codes[code_id] = AgreementCode(code_id, name, colour)
        starts, ends = bounds.get(transcript_id, ([], []))
        for index in overlapping_units(starts, ends, start, end):
            applied.add((by_transcript[transcript_id][index][0], coder_id, code_id))

    coder_ids = sorted(usernames, key=lambda pk: usernames[pk].lower())
    code_list = sorted(codes.values(), key=lambda code: (code.name.lower(), code.id))
    report = agreement_report(
        units=[Unit(pk, transcript_id) for pk, transcript_id, *_rest in utterances],
        coders=coder_ids,
        codes=[code.id for code in code_list],
        applied=applied,
        coded_by=coded_by,
    )
    return ProjectAgreement(
        report=report,
        transcripts=tuple(
            AgreementTranscript(
                id=pk,
                session_id=session_id,
                title=title,
                coder_ids=tuple(c for c in coder_ids if c in coded_by[pk]),
            )
            for pk, (session_id, title) in sorted(transcripts.items())
        ),
        coders={pk: usernames[pk] for pk in coder_ids},
        codes={code.id: code for code in code_list},
        utterances={
            pk: AgreementUtterance(pk, transcript_id, position, snippet)
            for pk, transcript_id, position, _start, _end, snippet in utterances
        },
    )
