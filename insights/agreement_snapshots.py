"""Coder agreement as a stored snapshot: a job computes it, the agreement page reads it.

The report (insights.selectors.agreement_for_project) takes seconds on a large study, too long
for a page view. `agreement_snapshot_compute` computes it and replaces the project's
AgreementSnapshot; `agreement_job` is that work run as a background job; and
`agreement_snapshot_for_project` reads the snapshot back as the same typed ProjectAgreement.

Only what the page shows is kept: the figures, the names, and the first LISTED_DISAGREEMENTS
disagreements with the utterances they point at (the total is counted). The JSON keeps every
ordered mapping as a list of pairs: jsonb on PostgreSQL does not keep the order of object keys.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from django.urls import reverse
from django.utils import timezone

from insights import selectors
from insights.agreement import (
    Agreement,
    AgreementReport,
    Disagreement,
    Figures,
    PairKappa,
)
from insights.models import AgreementSnapshot
from interviews.models import ResearchProject
from jobs.models import BackgroundJob
from jobs.runner import JobContext, JobError, JobOutcome

# The page lists this many disagreements; the rest are only counted.
LISTED_DISAGREEMENTS = 200
# Bumped when the JSON below changes shape; a snapshot in another format is computed again.
FORMAT = 1

Json = dict[str, Any]


@dataclass(frozen=True)
class StoredAgreement:
    computed_at: dt.datetime
    utterance_count: int
    disagreement_count: int
    # `report.disagreements` holds the listed ones only; `utterances` only the ones they name.
    agreement: selectors.ProjectAgreement


# --- Computing ----------------------------------------------------------------------------------


def agreement_snapshot_compute(
    *, project: ResearchProject, job: BackgroundJob | None = None
) -> AgreementSnapshot:
    """Compute the project's agreement and swap it in for the previous snapshot.

    The report is built before anything is written; update_or_create then replaces the one row
    inside its own transaction, so the page shows either the old figures or the new ones.
    """
    data = selectors.agreement_for_project(project)
    report = data.report
    disagreements = report.disagreements if report else ()
    listed = disagreements[:LISTED_DISAGREEMENTS]
    named = {item.unit for item in listed}
    kept = selectors.ProjectAgreement(
        report=replace(report, disagreements=listed) if report else None,
        transcripts=data.transcripts,
        coders=data.coders,
        codes=data.codes,
        utterances={pk: u for pk, u in data.utterances.items() if pk in named},
    )
    snapshot, _created = AgreementSnapshot.objects.update_or_create(
        project=project,
        defaults={
            "computed_at": timezone.now(),
            "job": job,
            "utterance_count": report.units if report else 0,
            "disagreement_count": len(disagreements),
            "data": {"format": FORMAT, **_encode(kept)},
        },
    )
    return snapshot


def agreement_job(context: JobContext) -> JobOutcome:
    """The work of a COMPUTE_AGREEMENT job (insights.tasks.compute_agreement)."""
    project = context.job.project
    if project is None:
        raise JobError("This job has no study to compute agreement for.")
    context.progress(0, 1, "Comparing the coders' codings.")
    snapshot = agreement_snapshot_compute(project=project, job=context.job)
    count = snapshot.utterance_count
    return JobOutcome(
        summary={"utterances": count, "disagreements": snapshot.disagreement_count},
        url=reverse("insights:agreement", args=[project.slug]),
        message=(
            f"Computed from {count} utterance{'s' * (count != 1)}."
            if count
            else "No transcript has two coders yet."
        ),
    )


# --- Reading ------------------------------------------------------------------------------------


def agreement_snapshot_for_project(project: ResearchProject) -> StoredAgreement | None:
    """The project's last computed agreement, or None (never computed, or in an old format)."""
    snapshot = AgreementSnapshot.objects.filter(project=project).first()
    if snapshot is None or snapshot.data.get("format") != FORMAT:
        return None
    return StoredAgreement(
        computed_at=snapshot.computed_at,
        utterance_count=snapshot.utterance_count,
        disagreement_count=snapshot.disagreement_count,
        agreement=_decode(snapshot.data),
    )


# --- JSON ---------------------------------------------------------------------------------------


def _encode(data: selectors.ProjectAgreement) -> Json:
    return {
        "report": _encode_report(data.report) if data.report else None,
        "transcripts": [[t.id, t.session_id, t.title, list(t.coder_ids)] for t in data.transcripts],
        "coders": [[pk, name] for pk, name in data.coders.items()],
        "codes": [[c.id, c.name, c.colour] for c in data.codes.values()],
        "utterances": [
            [u.id, u.transcript_id, u.position, u.snippet] for u in data.utterances.values()
        ],
    }


def _decode(data: Json) -> selectors.ProjectAgreement:
    return selectors.ProjectAgreement(
        report=_decode_report(data["report"]) if data["report"] else None,
        transcripts=tuple(
            selectors.AgreementTranscript(pk, session_id, title, tuple(coders))
            for pk, session_id, title, coders in data["transcripts"]
        ),
        coders=dict(data["coders"]),
        codes={pk: selectors.AgreementCode(pk, name, colour) for pk, name, colour in data["codes"]},
        utterances={
            pk: selectors.AgreementUtterance(pk, transcript_id, position, snippet)
            for pk, transcript_id, position, snippet in data["utterances"]
        },
    )


def _encode_figures(figures: Figures) -> Json:
    return {
        "items": figures.items,
        "alpha": figures.alpha,
        "pairs": [[list(p.coders), p.items, p.observed, p.kappa] for p in figures.pairs],
        "applied": figures.applied,
    }


def _decode_figures(data: Json) -> Figures:
    return Figures(
        items=data["items"],
        alpha=data["alpha"],
        pairs=tuple(
            PairKappa((first, second), items, observed, kappa)
            for (first, second), items, observed, kappa in data["pairs"]
        ),
        applied=data.get("applied"),
    )


def _encode_agreement(agreement: Agreement) -> Json:
    return {
        "all": _encode_figures(agreement.all_units),
        "coded": _encode_figures(agreement.coded_units),
    }


def _decode_agreement(data: Json) -> Agreement:
    return Agreement(_decode_figures(data["all"]), _decode_figures(data["coded"]))


def _encode_report(report: AgreementReport) -> Json:
    return {
        "coders": list(report.coders),
        "pairs": [list(pair) for pair in report.pairs],
        "units": report.units,
        "coded_units": report.coded_units,
        "by_code": [[code, _encode_agreement(a)] for code, a in report.by_code.items()],
        "overall": _encode_agreement(report.overall),
        "disagreements": [
            [d.unit, d.code, list(d.applied_by), list(d.not_applied_by)]
            for d in report.disagreements
        ],
    }


def _decode_report(data: Json) -> AgreementReport:
    return AgreementReport(
        coders=tuple(data["coders"]),
        pairs=tuple((first, second) for first, second in data["pairs"]),
        units=data["units"],
        coded_units=data["coded_units"],
        by_code={code: _decode_agreement(a) for code, a in data["by_code"]},
        overall=_decode_agreement(data["overall"]),
        disagreements=tuple(
            Disagreement(unit, code, tuple(applied), tuple(not_applied))
            for unit, code, applied, not_applied in data["disagreements"]
        ),
    )
