"""A small coded study for theme and report tests: four people, one interview each.

    person  segment     region  tier      deployment
    Ada     large       emea    premium   self_managed
    Ben     large       amer    ultimate  self_managed
    Cleo    smb         emea    free      saas
    Dev     mid_market  apac    premium   saas

Each interview transcript has an interviewer's question and then LINES sentences spoken by its
participant; `quote(who, n)` highlights the n-th of them whole. Codes: SSO (pain point),
SAML, Pricing, Great docs (delight). The framework is the CX journey, where Purchase belongs to
Sales, Onboarding to Customer Success and Adoption to Product.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import User

from insights.coding import HighlightFields, highlight_create
from insights.models import Code, Highlight, JourneyFramework, Stage
from interviews.models import Participant, ResearchProject, Transcript
from tests.factories import make_enrollment, make_participant, make_session, make_transcript

PEOPLE = {
    "Ada": ("large", "emea", "premium", "self_managed"),
    "Ben": ("large", "amer", "ultimate", "self_managed"),
    "Cleo": ("smb", "emea", "free", "saas"),
    "Dev": ("mid_market", "apac", "premium", "saas"),
}
LINES = 5
CODES = {
    "SSO": Code.Kind.PAIN_POINT,
    "SAML": Code.Kind.TOPIC,
    "Pricing": Code.Kind.TOPIC,
    "Great docs": Code.Kind.DELIGHT,
}


def sentence(who: str, number: int) -> str:
    return f"This is what {who} said about the rollout, point number {number}, in some detail."


@dataclass
class EvidenceStudy:
    project: ResearchProject
    coder: User
    people: dict[str, Participant] = field(default_factory=dict)
    transcripts: dict[str, Transcript] = field(default_factory=dict)
    codes: dict[str, Code] = field(default_factory=dict)

    def quote(
        self,
        who: str,
        number: int,
        *,
        stage: str | None,
        codes: tuple[str, ...],
        sentiment: int | None = None,
        pain: int | None = None,
        by: User | None = None,
    ) -> Highlight:
        transcript = self.transcripts[who]
        words = sentence(who, number)
        start = transcript.text.index(words)
        return highlight_create(
            project=self.project,
            coder=by or self.coder,
            start=start,
            end=start + len(words),
            fields=HighlightFields(
                stage=stage_named(stage) if stage else None,
                codes=[self.codes[name] for name in codes],
                sentiment=sentiment,
                pain_severity=pain,
            ),
            transcript=transcript,
        )


def stage_named(slug: str) -> Stage:
    return Stage.objects.get(framework__slug="cx-journey", slug=slug)


def build_study(project: ResearchProject, coder: User) -> EvidenceStudy:
    project.framework = JourneyFramework.objects.get(slug="cx-journey")
    project.save(update_fields=["framework"])
    study = EvidenceStudy(project=project, coder=coder)
    for name, (segment, region, tier, deployment) in PEOPLE.items():
        person = make_participant(
            name=f"{name} Example",
            segment=segment,
            region=region,
            tier=tier,
            deployment=deployment,
        )
        make_enrollment(project, person)
        session = make_session(project, participants=[person], title=f"Interview {name}")
        lines = ["Sam Rivera: How did it go?", ""]
        for number in range(LINES):
            lines += [f"{name} Example: {sentence(name, number)}", ""]
        transcript = make_transcript(
            session, filename=f"interview-{name.lower()}.txt", data="\n".join(lines).encode()
        )
        assert transcript.speakers.filter(participant=person).exists(), "speaker not linked"
        study.people[name] = person
        study.transcripts[name] = transcript
    for name, kind in CODES.items():
        study.codes[name] = Code.objects.create(project=project, name=name, kind=kind)
    return study


def code_quotes(study: EvidenceStudy) -> dict[str, Highlight]:
    """The coding most tests start from (see the table in each test module)."""
    q = study.quote
    return {
        "ada0": q("Ada", 0, stage="onboarding", codes=("SSO", "SAML"), sentiment=-2, pain=3),
        "ada1": q("Ada", 1, stage="onboarding", codes=("SSO",), sentiment=-1, pain=2),
        "ben0": q("Ben", 0, stage="onboarding", codes=("SSO", "SAML"), sentiment=-2, pain=3),
        "cleo0": q("Cleo", 0, stage="onboarding", codes=("SSO",), sentiment=-1),
        "ben1": q("Ben", 1, stage="purchase", codes=("SSO",), sentiment=-1),
        "dev0": q("Dev", 0, stage="purchase", codes=("SSO",)),
        "dev1": q("Dev", 1, stage="adoption", codes=("Great docs",), sentiment=2),
    }
