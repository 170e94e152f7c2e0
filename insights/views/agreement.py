"""Coder agreement: kappa and alpha per code and overall, disagreements, and blind coding.

The figures come from the project's last snapshot (insights.agreement_snapshots), which a
background job computes when a researcher asks for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cxresearch.lib.http import AuthenticatedHttpRequest
from insights import selectors, tasks
from insights.agreement import Agreement, Figures, alpha_band, kappa_band
from insights.agreement_snapshots import StoredAgreement, agreement_snapshot_for_project
from insights.coding import BlindCoding, blind_coding_set
from insights.models import CodingSettings
from insights.visibility import evidence_reader
from interviews.access import get_project_for_member
from interviews.models import ResearchProject
from jobs.models import BackgroundJob
from jobs.runner import job_start

# One colour scale for kappa and alpha, so the same number has the same colour in every
# column: Krippendorff's cut-offs (insights.agreement.alpha_band) colour both; the band
# named beside a kappa stays Landis & Koch's.
SCALE_BADGES = {"reliable": "badge-ok", "tentative": "badge-warn", "unreliable": "badge-error"}

# The unit of analysis is the utterance; pooled figures count (utterance, code) pairs.
UTTERANCES = ("utterance", "utterances")
PAIRS = ("utterance–code pair", "utterance–code pairs")


@dataclass(frozen=True)
class Cell:
    """A figure as the page shows it: "0.412" (with a typographic minus) or "n/a", and the
    units behind it ("1 utterance"), so a perfect score on one utterance says so."""

    text: str
    band: str
    badge: str
    units: str


def _number(value: float | None) -> str:
    if value is None:
        return "n/a"
    rounded = round(value, 3)
    return f"{rounded:.3f}".replace("-", "−") if rounded != 0 else "0.000"


def _units(count: int, unit: tuple[str, str]) -> str:
    return f"{count:,} {unit[0] if count == 1 else unit[1]}"


def _kappa(value: float | None, units: str) -> Cell:
    return Cell(_number(value), kappa_band(value), SCALE_BADGES.get(alpha_band(value), ""), units)


def _alpha(value: float | None, units: str) -> Cell:
    band = alpha_band(value)
    return Cell(_number(value), band, SCALE_BADGES.get(band, ""), units)


def _basis_row(label: str, figures: Figures) -> dict[str, object]:
    return {
        "label": label,
        "alpha": _alpha(figures.alpha, _units(figures.items, PAIRS)),
        "pairs": [_kappa(p.kappa, _units(p.items, PAIRS)) for p in figures.pairs],
    }


# Fewer utterances than this carrying a code: its figures are flagged as resting on too few.
FEW_APPLIED = 5


def _code_row(code: selectors.AgreementCode, agreement: Agreement) -> dict[str, object]:
    all_units, coded_units = agreement.all_units, agreement.coded_units
    applied = all_units.applied
    return {
        "code": code,
        "applied": None if applied is None else _units(applied, UTTERANCES),
        "too_few": applied is not None and applied < FEW_APPLIED,
        "alpha_all": _alpha(all_units.alpha, _units(all_units.items, UTTERANCES)),
        "alpha_coded": _alpha(coded_units.alpha, _units(coded_units.items, UTTERANCES)),
        "pairs": [
            {
                "all": _kappa(a.kappa, _units(a.items, UTTERANCES)),
                "coded": _kappa(c.kappa, _units(c.items, UTTERANCES)),
            }
            for a, c in zip(all_units.pairs, coded_units.pairs, strict=True)
        ],
    }


def coder_names(coder_ids: Iterable[int]) -> dict[int, str]:
    """Coders as people know them: full name, or username for who has none. Read when the
    page is shown, so a snapshot taken before a name changed shows the name of today."""
    users = User.objects.filter(pk__in=list(coder_ids)).only("username", "first_name", "last_name")
    return {user.pk: user.get_full_name() or user.username for user in users}


def _page_context(project: ResearchProject, stored: StoredAgreement) -> dict[str, object]:
    data = stored.agreement
    report = data.report
    if report is None:
        return {}
    links = {
        t.id: reverse("insights:transcript-detail", args=[project.slug, t.session_id, t.id])
        for t in data.transcripts
    }
    titles = {t.id: t.title for t in data.transcripts}
    names = {**data.coders, **coder_names(data.coders)}  # a deleted coder keeps the stored name
    disagreements = []
    for item in report.disagreements:  # the snapshot keeps the first LISTED_DISAGREEMENTS
        utterance = data.utterances[item.unit]
        disagreements.append(
            {
                "url": f"{links[utterance.transcript_id]}#u-{utterance.id}",
                "transcript": titles[utterance.transcript_id],
                "utterance": utterance,
                "code": data.codes[item.code],
                "applied_by": [names[c] for c in item.applied_by],
                "not_applied_by": [names[c] for c in item.not_applied_by],
            }
        )
    return {
        "pairs": [f"{names[a]} – {names[b]}" for a, b in report.pairs],
        "transcripts": [
            {"title": t.title, "url": links[t.id], "coders": [names[c] for c in t.coder_ids]}
            for t in data.transcripts
        ],
        "overall": [
            _basis_row(
                "All utterances (uncoded text included — inflates agreement)",
                report.overall.all_units,
            ),
            _basis_row("Utterances someone coded", report.overall.coded_units),
        ],
        "code_rows": [_code_row(data.codes[c], a) for c, a in report.by_code.items()],
        "few_applied": FEW_APPLIED,
        "disagreements": disagreements,
        "disagreement_count": stored.disagreement_count,
        "more_disagreements": stored.disagreement_count - len(report.disagreements),
    }


def _job_to_show(project: ResearchProject, stored: StoredAgreement | None) -> BackgroundJob | None:
    """The latest computation while it runs, or when it failed after the snapshot was made."""
    job = (
        BackgroundJob.objects.filter(
            kind=BackgroundJob.Kind.COMPUTE_AGREEMENT, project=project, private=False
        )
        .select_related("started_by")
        .first()
    )
    if job is None or job.is_active:
        return job
    failed_since = job.state == BackgroundJob.State.FAILED and (
        stored is None or job.created_at > stored.computed_at
    )
    return job if failed_since else None


def agreement(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    # Every member may read the figures: they name coders, never participants.
    access = get_project_for_member(request, slug)
    project = access.project
    stored = agreement_snapshot_for_project(project)
    coding = CodingSettings.of(project)
    reader = evidence_reader(project=project, user=request.user, role=access.role)
    context = {
        "access": access,
        "project": project,
        "stored": stored,
        "report": stored.agreement.report if stored else None,
        "job": _job_to_show(project, stored),
        "coding": coding,
        # As on the quote list, blind coding hides others' codings from researchers: the
        # list of who applied what where would show them. Aggregate figures stay visible.
        "show_disagreements": not reader.own_codings_only,
        **(_page_context(project, stored) if stored else {}),
    }
    return render(request, "insights/agreement.html", context)


@require_POST
def agreement_recompute(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Start computing the agreement again; the page follows the job and shows the result."""
    project = get_project_for_member(request, slug, write=True).project
    job_start(
        kind=BackgroundJob.Kind.COMPUTE_AGREEMENT,
        task=tasks.compute_agreement,
        project=project,
        user=request.user,
    )
    return redirect("insights:agreement", slug=project.slug)


@require_POST
def blind_coding(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The lead turns blind coding on (hiding others' codings again), reveals everyone's
    codings, or turns it off."""
    project = get_project_for_member(request, slug, lead=True).project
    try:
        action = BlindCoding(request.POST.get("action", ""))
    except ValueError:
        messages.error(
            request, "Choose to turn blind coding on, reveal the codings, or turn it off."
        )
        return redirect("insights:agreement", slug=project.slug)
    if blind_coding_set(project=project, action=action, by=request.user):
        messages.success(request, _BLIND_CODING_DONE[action])
    else:
        messages.info(request, _BLIND_CODING_ALREADY[action])
    return redirect("insights:agreement", slug=project.slug)


_BLIND_CODING_DONE = {
    BlindCoding.ON: "Blind coding is on: coders now see only their own codings.",
    BlindCoding.REVEAL: "All codings revealed: every coder now sees everyone's codings.",
    BlindCoding.OFF: "Blind coding is off: every coder sees everyone's codings.",
}
_BLIND_CODING_ALREADY = {
    BlindCoding.ON: "Codings are already hidden: coders see only their own.",
    BlindCoding.REVEAL: "Everyone's codings are already visible to every coder.",
    BlindCoding.OFF: "Blind coding is already off.",
}
