"""Coder agreement: kappa and alpha per code and overall, disagreements, and blind coding.

The figures come from the project's last snapshot (insights.agreement_snapshots), which a
background job computes when a researcher asks for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cxresearch.lib.http import AuthenticatedHttpRequest
from insights import selectors, tasks
from insights.agreement import Agreement, Figures, alpha_band, kappa_band
from insights.agreement_snapshots import StoredAgreement, agreement_snapshot_for_project
from interviews.access import get_project_for_member
from interviews.models import Membership, ResearchProject
from jobs.models import BackgroundJob
from jobs.runner import job_start

KAPPA_BADGES = {
    "almost perfect": "badge-ok",
    "substantial": "badge-ok",
    "moderate": "badge-info",
    "fair": "badge-warn",
    "slight": "badge-warn",
    "poor": "badge-error",
}
ALPHA_BADGES = {"reliable": "badge-ok", "tentative": "badge-warn", "unreliable": "badge-error"}


@dataclass(frozen=True)
class Cell:
    """A figure as the page shows it: "0.412" (with a typographic minus) or "n/a"."""

    text: str
    band: str
    badge: str


def _number(value: float | None) -> str:
    if value is None:
        return "n/a"
    rounded = round(value, 3)
    return f"{rounded:.3f}".replace("-", "−") if rounded != 0 else "0.000"


def _kappa(value: float | None) -> Cell:
    band = kappa_band(value)
    return Cell(_number(value), band, KAPPA_BADGES.get(band, ""))


def _alpha(value: float | None) -> Cell:
    band = alpha_band(value)
    return Cell(_number(value), band, ALPHA_BADGES.get(band, ""))


def _basis_row(label: str, figures: Figures) -> dict[str, object]:
    return {
        "label": label,
        "items": figures.items,
        "alpha": _alpha(figures.alpha),
        "pairs": [
            {"kappa": _kappa(p.kappa), "items": p.items, "observed": p.observed}
            for p in figures.pairs
        ],
    }


def _code_row(code: selectors.AgreementCode, agreement: Agreement) -> dict[str, object]:
    return {
        "code": code,
        "alpha_all": _alpha(agreement.all_units.alpha),
        "alpha_coded": _alpha(agreement.coded_units.alpha),
        "pairs": [
            {"all": _kappa(a.kappa), "coded": _kappa(c.kappa)}
            for a, c in zip(agreement.all_units.pairs, agreement.coded_units.pairs, strict=True)
        ],
    }


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
    disagreements = []
    for item in report.disagreements:  # the snapshot keeps the first LISTED_DISAGREEMENTS
        utterance = data.utterances[item.unit]
        disagreements.append(
            {
                "url": f"{links[utterance.transcript_id]}#u-{utterance.id}",
                "transcript": titles[utterance.transcript_id],
                "utterance": utterance,
                "code": data.codes[item.code],
                "applied_by": [data.coders[c] for c in item.applied_by],
                "not_applied_by": [data.coders[c] for c in item.not_applied_by],
            }
        )
    return {
        "pairs": [f"{data.coders[a]} – {data.coders[b]}" for a, b in report.pairs],
        "transcripts": [
            {"title": t.title, "url": links[t.id], "coders": [data.coders[c] for c in t.coder_ids]}
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
    blind = project.blind_coding and not project.codings_revealed
    context = {
        "access": access,
        "project": project,
        "stored": stored,
        "report": stored.agreement.report if stored else None,
        "job": _job_to_show(project, stored),
        "blind": blind,
        # As on the quote list, blind coding hides others' codings from researchers: the
        # list of who applied what where would show them. Aggregate figures stay visible.
        "show_disagreements": not (blind and access.role == Membership.Role.RESEARCHER),
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
def codings_reveal(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Reveal everyone's codings, or (with `hide`) turn blind coding on and hide them again."""
    project = get_project_for_member(request, slug, lead=True).project
    if "hide" in request.POST:
        if project.blind_coding and not project.codings_revealed:
            messages.info(request, "Codings are already hidden: coders see only their own.")
        else:
            project.blind_coding, project.codings_revealed = True, False
            project.save(update_fields=["blind_coding", "codings_revealed", "updated_at"])
            messages.success(request, "Blind coding is on: coders now see only their own codings.")
    elif not project.blind_coding or project.codings_revealed:
        messages.info(request, "Everyone's codings are already visible to every coder.")
    else:
        project.codings_revealed = True
        project.save(update_fields=["codings_revealed", "updated_at"])
        messages.success(request, "All codings revealed: every coder now sees everyone's codings.")
    return redirect("insights:agreement", slug=project.slug)
