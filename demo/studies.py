"""The four studies of a CX journey-research plan, who is enrolled in each, and their sessions.

Each enrollment is a Plan: the state it ends in and the day of its last move. The loader
derives the earlier moves (contacted → screened → scheduled → …) at fixed gaps before that day
and replays every move of every study in date order through services.enrollment_move, so the
pipeline's own rules (consent before completion, contact cooldown, no-show limit,
do-not-contact) check the demo as it loads. A Plan with an unusual history spells out its
`path` instead.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth.models import User

from demo.accounts import LEAD_USERNAME, RESEARCHER_USERNAME, VIEWER_USERNAME
from demo.context import DEMO_TODAY, DemoContext, day, moment
from demo.people import PEOPLE
from interviews import services
from interviews.models import (
    Enrollment,
    EnrollmentEvent,
    Membership,
    Participant,
    ProjectAttribute,
    ResearchProject,
    Session,
)
from interviews.pipeline import FUNNEL

Status = Enrollment.Status
Kind = ProjectAttribute.Kind

CX_JOURNEY = "cx-journey"  # shipped by insights/migrations/0002_ship_journey_frameworks.py


@dataclass(frozen=True)
class Attribute:
    key: str
    label: str
    kind: str
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Study:
    slug: str
    title: str
    objective: str
    questions: tuple[str, ...]
    segment: str
    region: str  # empty for a global study
    quarter: str
    status: str
    lens: str
    target: int
    viewer_is_member: bool
    attributes: tuple[Attribute, ...]


UPTIER = "premium-to-ultimate-uptier"
FIRST_ORDER = "mid-market-first-order-ai-addon"
PLG = "plg-free-to-paid"
MIGRATION = "multi-year-lands-with-migration"

STUDIES: tuple[Study, ...] = (
    Study(
        slug=UPTIER,
        title="Premium → Ultimate up-tier for large self-managed customers",
        objective=(
            "Understand why large customers who run their own instance move from Premium to "
            "Ultimate, or decide not to, and what the account team, the product and the pricing "
            "page did to help or hinder that decision. Findings feed the FY28 packaging review "
            "and the Expansion stage playbook."
        ),
        questions=(
            "What makes a large self-managed customer consider Ultimate, and who raises it first?",
            "Which Ultimate capabilities carry the business case, and which are ignored?",
            "How do customers build the internal justification, and what evidence do "
            "procurement and security ask for?",
            "What made the customers who down-tiered leave Ultimate, and what would have kept "
            "them?",
            "Where does running the instance themselves make trying Ultimate features harder "
            "than on SaaS?",
        ),
        segment=ResearchProject.ProjectSegment.LARGE,
        region="",
        quarter="FY27-Q3",
        status=ResearchProject.Status.IN_PROGRESS,
        lens=ResearchProject.Lens.CUSTOMER,
        target=10,
        viewer_is_member=True,
        attributes=(
            Attribute(
                "relationship_to_ultimate",
                "Relationship to Ultimate",
                Kind.CHOICE,
                ("considered", "bought", "down-tiered"),
            ),
            Attribute("uses_ci_cd", "Uses CI/CD", Kind.CHOICE, ("yes", "no")),
            Attribute("developers", "Developers on the instance", Kind.NUMBER),
        ),
    ),
    Study(
        slug=FIRST_ORDER,
        title="Mid-Market first-order lands with Premium and an AI add-on",
        objective=(
            "Learn how Mid-Market customers buy a first order that bundles Premium with the AI "
            "add-on, from both sides of the table: the buyers and champions at the customer, "
            "and the account executives, solutions architects and customer success managers "
            "who sold and onboarded the deal. Find where the two stories disagree."
        ),
        questions=(
            "Who starts a first order that includes the AI add-on, and what problem are they "
            "trying to solve?",
            "How does a trial of the AI add-on shape the decision, and what happens when there "
            "is no trial?",
            "How is the number of add-on seats decided, and how many are in use after 60 days?",
            "Where do hand-offs between account executive, solutions architect and customer "
            "success lose context the customer had already given?",
            "What do security and legal reviews of the AI add-on ask for, and how long do they "
            "add to the deal?",
        ),
        segment=ResearchProject.ProjectSegment.MID_MARKET,
        region="amer",
        quarter="FY27-Q3",
        status=ResearchProject.Status.IN_PROGRESS,
        lens=ResearchProject.Lens.INTERSECTION,
        target=20,
        viewer_is_member=True,
        attributes=(
            Attribute(
                "ai_addon_trial",
                "AI add-on trial",
                Kind.CHOICE,
                (
                    "Bought after trial",
                    "Trialled, did not buy",
                    "Bought without trial",
                    "Not offered",
                ),
            ),
            Attribute("seats_purchased", "Seats purchased", Kind.NUMBER),
            Attribute(
                "role_in_deal",
                "Role in the deal",
                Kind.CHOICE,
                (
                    "Economic buyer",
                    "Champion",
                    "Technical evaluator",
                    "Account executive",
                    "Solutions architect",
                    "Customer success",
                    "Product",
                    "Support",
                ),
            ),
        ),
    ),
    Study(
        slug=PLG,
        title="Product-led growth: free to paid conversion",
        objective=(
            "Find the moments that turn a free team into a paying one without a salesperson, "
            "and the moments that stall it. Covers small companies and the first team inside "
            "larger ones, self-serve trials and the free tier."
        ),
        questions=(
            "What is the first piece of real work a team does on the free tier, and how long "
            "does it take to get there?",
            "Which limit or feature do teams hit right before they upgrade, and how do they find "
            "out about it?",
            "Who approves the first paid plan in a small company, and what do they need to see?",
            "Why do teams that trialled a paid tier go back to free?",
            "Where do self-serve buyers look for help before they pay, and what do they find?",
        ),
        segment=ResearchProject.ProjectSegment.CROSS,
        region="",
        quarter="FY27-Q4",
        status=ResearchProject.Status.IN_PROGRESS,
        lens=ResearchProject.Lens.CUSTOMER,
        target=20,
        viewer_is_member=False,
        attributes=(
            Attribute(
                "signed_up_via",
                "Signed up via",
                Kind.CHOICE,
                (
                    "Free tier",
                    "Free trial of Premium",
                    "Startup programme",
                    "Open-source programme",
                ),
            ),
            Attribute(
                "converted",
                "Converted to paid",
                Kind.CHOICE,
                ("Yes", "Not yet", "Went back to free"),
            ),
            Attribute("days_to_convert", "Days from sign-up to first payment", Kind.NUMBER),
        ),
    ),
    Study(
        slug=MIGRATION,
        title="Multi-year lands with migration",
        objective=(
            "Map how account teams put together a multi-year first order that includes moving "
            "the customer off their existing toolchain: the commercial structure, the migration "
            "plan promised in the deal, and how that promise is kept after signature. Internal "
            "view first; customer interviews follow in a later study."
        ),
        questions=(
            "How are migration scope and deadline decided during the deal, and who signs up to "
            "them?",
            "Which migration services are sold, which are given away, and who decides?",
            "Where does the migration plan change hands between sales, professional services "
            "and customer success, and what gets lost?",
            "What makes a migration slip past the deadline in the contract, and what does it "
            "cost at renewal?",
        ),
        segment=ResearchProject.ProjectSegment.LARGE,
        region="emea",
        quarter="FY28-Q1",
        status=ResearchProject.Status.UP_NEXT,
        lens=ResearchProject.Lens.INTERNAL,
        target=10,
        viewer_is_member=False,
        attributes=(
            Attribute("migration_deadline", "Migration deadline", Kind.DATE),
            Attribute(
                "migrating_from",
                "Migrating from",
                Kind.CHOICE,
                ("Jenkins", "Bitbucket Data Center", "Azure DevOps Server", "In-house toolchain"),
            ),
            Attribute("contract_years", "Contract length (years)", Kind.NUMBER),
        ),
    ),
)

# The first study's slug marks the demo as loaded (see demo.evidence.is_loaded).
MARKER_SLUG = STUDIES[0].slug


@dataclass(frozen=True)
class Plan:
    """One enrollment: where it ends up, and on which day it got there."""

    person: str  # a key in people.PEOPLE
    status: str
    on: str  # day of the last move; for an identified enrollment, the day it was added
    via: str = ""  # the state a declined/withdrawn enrollment left from
    path: tuple[tuple[str, str], ...] = ()  # (status, day) moves, for an unusual history
    screener: str = ""
    values: dict[str, str | int] = field(default_factory=dict)
    incentive: str | None = None  # None: the default for the participant's kind
    upcoming: str = ""  # ISO date-time of the booked session, for a scheduled enrollment
    inquiry: bool = False  # a contextual inquiry rather than an interview
    on_site: bool = False
    override: str = ""  # reason recorded when a governance rule is overridden on the way


def _lines(*answers: str) -> str:
    return "\n".join(answers)


# Packed as a table; ruff format would give every value its own line.
# fmt: off
PLANS: dict[str, tuple[Plan, ...]] = {
    UPTIER: (
        Plan(
            "lukasz", Status.COMPLETED, "2026-09-09",
            screener=_lines(
                "Runs the self-managed instance for 3,200 developers across 14 depots.",
                "Priced Ultimate twice in FY26; stopped at the security-scanning line item.",
                "Owns the platform budget.",
            ),
            values={"relationship_to_ultimate": "considered", "uses_ci_cd": "yes",
                    "developers": 3200},
        ),
        Plan(
            "amara", Status.COMPLETED, "2026-09-23", inquiry=True, on_site=True,
            screener=_lines(
                "Moved from Premium to Ultimate in March 2026 after a compliance audit.",
                "Leads a 12-person DevOps team; happy to show the compliance dashboards on site.",
            ),
            values={"relationship_to_ultimate": "bought", "uses_ci_cd": "yes",
                    "developers": 5400},
        ),
        Plan(
            "kenji", Status.COMPLETED, "2026-10-07",
            screener=_lines(
                "Developer-tools team of 8 serving 2,100 engineers.",
                "Evaluating Ultimate for portfolio planning; legal limits quotes to the "
                "research team.",
            ),
            values={"relationship_to_ultimate": "considered", "uses_ci_cd": "yes",
                    "developers": 2100},
        ),
        Plan(
            "isabela", Status.COMPLETED, "2026-10-21", on_site=True, incentive="",
            screener=_lines(
                "Security architecture for the bank's 4,600 developers.",
                "On Ultimate since 2025, bought for dependency and container scanning.",
                "Bank policy forbids gifts, so no incentive.",
            ),
            values={"relationship_to_ultimate": "bought", "uses_ci_cd": "yes",
                    "developers": 4600},
        ),
        Plan(
            "henrik", Status.COMPLETED, "2026-11-04",
            incentive="Donation to a charity of their choice (USD 100)",
            screener=_lines(
                "Down-tiered to Premium at the FY26 renewal: the security features were paid "
                "for and never switched on.",
                "Still runs CI on a separate tool.",
            ),
            values={"relationship_to_ultimate": "down-tiered", "uses_ci_cd": "no",
                    "developers": 1300},
        ),
        Plan(
            "priyanka", Status.COMPLETED, "2026-11-18",
            screener=_lines(
                "Runs sourcing for developer tools.",
                "Engineering asked her to price Ultimate for 6,800 seats; wants to talk about "
                "how the quote was built.",
            ),
            values={"relationship_to_ultimate": "considered", "uses_ci_cd": "yes",
                    "developers": 6800},
        ),
        Plan(
            "mateo", Status.SCHEDULED, "2026-11-17", upcoming="2026-12-03T16:00",
            screener=_lines(
                "Sponsored the Ultimate up-tier in Q1.",
                "Now has to show its value at the March budget review.",
            ),
            values={"relationship_to_ultimate": "bought", "uses_ci_cd": "yes",
                    "developers": 2900},
        ),
        Plan(
            "aoife", Status.SCREENED, "2026-11-13",
            screener="Leads the pipeline team; trialled the Ultimate security dashboards on a "
            "staging copy of the instance in September.",
            values={"relationship_to_ultimate": "considered", "uses_ci_cd": "yes",
                    "developers": 1800},
        ),
        Plan(
            "dmitri", Status.SCREENED, "2026-11-16",
            screener="Release management for 5,200 engineers. Went back to Premium in 2025 "
            "after a rollout of approval policies failed.",
            values={"relationship_to_ultimate": "down-tiered", "uses_ci_cd": "yes",
                    "developers": 5200},
        ),
        Plan(
            "grace", Status.CONTACTED, "2026-11-10",
            values={"relationship_to_ultimate": "considered", "uses_ci_cd": "yes",
                    "developers": 3900},
        ),
        Plan(
            "wei", Status.CONTACTED, "2026-11-17",
            values={"relationship_to_ultimate": "considered", "uses_ci_cd": "no",
                    "developers": 7500},
        ),
        Plan(
            "sophie", Status.IDENTIFIED, "2026-11-09",
            values={"relationship_to_ultimate": "bought", "uses_ci_cd": "yes"},
        ),
        Plan(
            "rahul", Status.DECLINED, "2026-10-02",
            values={"relationship_to_ultimate": "considered", "uses_ci_cd": "yes"},
        ),
        Plan(
            "nomvula", Status.NO_SHOW, "2026-10-29",
            screener="DevOps lead at a mining group; on Ultimate since 2024 for compliance "
            "pipelines. The slot fell on the last day of a change freeze.",
            values={"relationship_to_ultimate": "bought", "uses_ci_cd": "yes",
                    "developers": 1500},
        ),
        Plan(
            "jose", Status.WITHDRAWN, "2026-10-12", via=Status.SCREENED,
            screener="Runs infrastructure for 1,100 developers; was evaluating Ultimate with a "
            "new CISO. Left the company before the interview.",
            values={"relationship_to_ultimate": "considered", "uses_ci_cd": "no",
                    "developers": 1100},
        ),
    ),
    FIRST_ORDER: (
        Plan(
            "chloe", Status.COMPLETED, "2026-09-17",
            screener="Pushed for the AI add-on after a 30-day trial with two squads; first "
            "order signed in June 2026 for 120 seats.",
            values={"ai_addon_trial": "Bought after trial", "seats_purchased": 120,
                    "role_in_deal": "Champion"},
        ),
        Plan(
            "marcus", Status.COMPLETED, "2026-09-24",
            screener="Signed the first order himself; bought the AI add-on for all 85 "
            "developers on the strength of the sales demo.",
            values={"ai_addon_trial": "Bought without trial", "seats_purchased": 85,
                    "role_in_deal": "Economic buyer"},
        ),
        Plan(
            "camila", Status.COMPLETED, "2026-10-01",
            screener="Ran the security review of the AI add-on; the company bought Premium and "
            "left the add-on out. Started on the free tier in 2025.",
            values={"ai_addon_trial": "Trialled, did not buy", "seats_purchased": 240,
                    "role_in_deal": "Technical evaluator"},
        ),
        Plan(
            "ethan", Status.COMPLETED, "2026-10-15",
            screener="Games studio, 60 engineers. Trialled the AI add-on during a crunch and "
            "wants to talk about what happened after.",
            values={"ai_addon_trial": "Bought after trial", "seats_purchased": 60,
                    "role_in_deal": "Champion"},
        ),
        Plan(
            # Missed the first slot (a board meeting ran over), rebooked the next day.
            "fatima", Status.COMPLETED, "2026-10-29",
            path=(
                (Status.CONTACTED, "2026-10-05"),
                (Status.SCREENED, "2026-10-08"),
                (Status.SCHEDULED, "2026-10-12"),
                (Status.NO_SHOW, "2026-10-20"),
                (Status.SCHEDULED, "2026-10-21"),
                (Status.COMPLETED, "2026-10-29"),
            ),
            screener="Negotiated the first order, including AI add-on seats for 300 "
            "developers; her first time buying developer tooling.",
            values={"ai_addon_trial": "Bought without trial", "seats_purchased": 300,
                    "role_in_deal": "Economic buyer"},
        ),
        Plan(
            "noah", Status.COMPLETED, "2026-11-12",
            screener="Self-managed Premium for 45 developers. The AI add-on trial stalled on "
            "network access from their data centre.",
            values={"ai_addon_trial": "Trialled, did not buy", "seats_purchased": 45,
                    "role_in_deal": "Technical evaluator"},
        ),
        Plan(
            "sarah", Status.COMPLETED, "2026-10-08", incentive="",
            screener="Closed 14 Mid-Market first orders in FY27 H1, nine of them with the AI "
            "add-on.",
            values={"role_in_deal": "Account executive"},
        ),
        Plan(
            "andre", Status.COMPLETED, "2026-10-22",
            screener="Runs the technical evaluation for Mid-Market AMER deals, including AI "
            "add-on trials.",
            values={"role_in_deal": "Solutions architect"},
        ),
        Plan(
            "keisha", Status.COMPLETED, "2026-11-05", inquiry=True,
            screener="Onboards new Mid-Market accounts; agreed to be observed running an "
            "onboarding call with a customer's permission.",
            values={"role_in_deal": "Customer success"},
        ),
        Plan(
            "hannah", Status.SCHEDULED, "2026-11-17", upcoming="2026-12-02T17:00",
            screener="Champion for the AI add-on; her team has used it for three months.",
            values={"ai_addon_trial": "Bought after trial", "seats_purchased": 150,
                    "role_in_deal": "Champion"},
        ),
        Plan(
            "seun", Status.SCHEDULED, "2026-11-19", upcoming="2026-12-09T16:00",
            screener="Approved the first order in August and asked for a usage review after "
            "60 days.",
            values={"ai_addon_trial": "Bought after trial", "seats_purchased": 90,
                    "role_in_deal": "Economic buyer"},
        ),
        Plan(
            "omar", Status.SCHEDULED, "2026-11-18", upcoming="2026-12-04T18:00",
            screener="Product manager for the AI add-on's packaging and trial flow.",
            values={"role_in_deal": "Product"},
        ),
        Plan(
            "tyrone", Status.SCREENED, "2026-10-29",
            screener="Moved a research-computing group from the free tier to Premium in "
            "September; was never offered the AI add-on.",
            values={"ai_addon_trial": "Not offered", "seats_purchased": 70,
                    "role_in_deal": "Champion"},
        ),
        Plan(
            "lucia", Status.SCREENED, "2026-11-11",
            screener="Compared the AI add-on with an assistant the team already used and kept "
            "the existing one.",
            values={"ai_addon_trial": "Trialled, did not buy", "seats_purchased": 110,
                    "role_in_deal": "Technical evaluator"},
        ),
        Plan(
            "jamal", Status.CONTACTED, "2026-11-16",
            values={"ai_addon_trial": "Bought after trial", "seats_purchased": 40,
                    "role_in_deal": "Technical evaluator"},
        ),
        Plan(
            "daniel", Status.CONTACTED, "2026-11-18",
            values={"role_in_deal": "Support"},
        ),
        Plan(
            "maya", Status.IDENTIFIED, "2026-11-12",
            values={"ai_addon_trial": "Bought without trial", "seats_purchased": 200,
                    "role_in_deal": "Economic buyer"},
        ),
        Plan(
            "ryan", Status.IDENTIFIED, "2026-11-16",
            values={"ai_addon_trial": "Bought without trial", "seats_purchased": 500,
                    "role_in_deal": "Economic buyer"},
        ),
        Plan(
            "ingrid", Status.DECLINED, "2026-09-25",
            values={"ai_addon_trial": "Trialled, did not buy", "seats_purchased": 35,
                    "role_in_deal": "Technical evaluator"},
        ),
        Plan(
            "kwame", Status.DECLINED, "2026-10-19", via=Status.SCREENED,
            screener="Runs a platform team of six at an online-learning company; busy until "
            "January.",
            values={"ai_addon_trial": "Not offered", "seats_purchased": 80,
                    "role_in_deal": "Champion"},
        ),
        Plan(
            # Two missed interviews: rescheduling them again needs a recorded reason.
            "yara", Status.NO_SHOW, "2026-10-22",
            path=(
                (Status.CONTACTED, "2026-09-29"),
                (Status.SCREENED, "2026-10-02"),
                (Status.SCHEDULED, "2026-10-06"),
                (Status.NO_SHOW, "2026-10-08"),
                (Status.SCHEDULED, "2026-10-13"),
                (Status.NO_SHOW, "2026-10-22"),
            ),
            screener="DevOps engineer at an apparel retailer; set up the AI add-on trial for "
            "two teams.",
            values={"ai_addon_trial": "Bought after trial", "seats_purchased": 55,
                    "role_in_deal": "Technical evaluator"},
        ),
        Plan(
            # Consent withdrawn on the same day (see people.py).
            "jordan", Status.WITHDRAWN, "2026-10-09", via=Status.SCREENED,
            screener="Platform engineer; championed the add-on with the agronomy software "
            "team.",
            values={"ai_addon_trial": "Bought after trial", "seats_purchased": 65,
                    "role_in_deal": "Champion"},
        ),
    ),
    PLG: (
        Plan(
            "zoe", Status.COMPLETED, "2026-10-28", inquiry=True,
            screener="Four-person games studio; on the free tier for seven months, then paid "
            "for Premium when they ran out of CI minutes.",
            values={"signed_up_via": "Free tier", "converted": "Yes", "days_to_convert": 210},
        ),
        Plan(
            "ravi", Status.COMPLETED, "2026-11-06",
            screener="Data consultancy, 12 engineers. Bought Premium on the last day of the "
            "trial.",
            values={"signed_up_via": "Free trial of Premium", "converted": "Yes",
                    "days_to_convert": 30},
        ),
        Plan(
            "meilin", Status.COMPLETED, "2026-11-13",
            screener="Joined through the startup programme; started paying when the programme "
            "credits ran out.",
            values={"signed_up_via": "Startup programme", "converted": "Yes",
                    "days_to_convert": 95},
        ),
        Plan(
            "joao", Status.COMPLETED, "2026-11-19",
            screener="Three-person cloud consultancy still on the free tier; looked at Premium "
            "twice and stopped at the price per seat.",
            values={"signed_up_via": "Free tier", "converted": "Not yet"},
        ),
        Plan(
            "amelie", Status.SCHEDULED, "2026-11-17", upcoming="2026-12-01T10:00",
            screener="Trialled Premium with a 25-person team in September, then went back to "
            "the free tier.",
            values={"signed_up_via": "Free trial of Premium", "converted": "Went back to free"},
        ),
        Plan(
            "tariq", Status.SCHEDULED, "2026-11-19", upcoming="2026-12-10T11:00",
            screener="Maintains an open-source scanner; the company behind it bought Premium "
            "this year.",
            values={"signed_up_via": "Open-source programme", "converted": "Yes",
                    "days_to_convert": 400},
        ),
        Plan(
            # Contacted five weeks after the Mid-Market study; the lead overrode the cooldown.
            "camila", Status.SCREENED, "2026-10-23",
            override="Converted from the free tier in 2025 and offered, in her Mid-Market "
            "interview on 1 October, to talk about that too.",
            screener="Sunbeam Payments ran on the free tier for ten months before the first "
            "Premium order; she remembers what triggered the upgrade.",
            values={"signed_up_via": "Free tier", "converted": "Yes", "days_to_convert": 300},
        ),
        Plan(
            "sione", Status.SCREENED, "2026-11-15",
            screener="Platform engineer at a six-person lab; uses the free tier daily and is "
            "writing a case for paying.",
            values={"signed_up_via": "Free tier", "converted": "Not yet"},
        ),
        Plan(
            "valentina", Status.CONTACTED, "2026-11-12",
            values={"signed_up_via": "Free tier", "converted": "Not yet"},
        ),
        Plan(
            "kofi", Status.CONTACTED, "2026-11-18",
            values={"signed_up_via": "Startup programme", "converted": "Yes",
                    "days_to_convert": 60},
        ),
        Plan(
            # Contacted for the Mid-Market study on 26 October: contacting again warns.
            "tyrone", Status.IDENTIFIED, "2026-11-18",
            values={"signed_up_via": "Free tier", "converted": "Yes", "days_to_convert": 150},
        ),
        Plan(
            # Do-not-contact: can stay identified but never be moved forward.
            "bjorn", Status.IDENTIFIED, "2026-11-02",
            values={"signed_up_via": "Free tier", "converted": "Not yet"},
        ),
        Plan(
            "lan", Status.DECLINED, "2026-10-23",
            values={"signed_up_via": "Free trial of Premium", "converted": "Yes",
                    "days_to_convert": 14},
        ),
        Plan(
            "pablo", Status.NO_SHOW, "2026-11-10",
            screener="Robotics start-up; bought Premium after a 21-day trial when the team "
            "grew past five.",
            values={"signed_up_via": "Free trial of Premium", "converted": "Yes",
                    "days_to_convert": 21},
        ),
        Plan(
            "ines", Status.WITHDRAWN, "2026-10-27", via=Status.SCHEDULED,
            screener="Co-founder of a small app studio; upgraded in the spring. The studio was "
            "acquired in October and the new owner paused all vendor research.",
            values={"signed_up_via": "Free tier", "converted": "Yes", "days_to_convert": 120},
        ),
    ),
    MIGRATION: (
        Plan(
            "friederike", Status.SCHEDULED, "2026-11-19", upcoming="2026-12-08T09:00",
            screener="Closed two three-year DACH deals with migrations in FY27; one is behind "
            "its migration deadline.",
            values={"migration_deadline": "2027-03-31", "migrating_from": "Jenkins",
                    "contract_years": 3},
        ),
        Plan(
            "yusuf", Status.SCREENED, "2026-11-18",
            screener="Scoped the migration plans for three multi-year deals in FY27.",
            values={"migration_deadline": "2027-06-30", "migrating_from": "Azure DevOps Server",
                    "contract_years": 3},
        ),
        Plan(
            "siobhan", Status.CONTACTED, "2026-11-16",
            values={"migration_deadline": "2027-01-31",
                    "migrating_from": "Bitbucket Data Center", "contract_years": 5},
        ),
        Plan(
            "pieter", Status.CONTACTED, "2026-11-19",
            values={"migration_deadline": "2027-09-30", "migrating_from": "In-house toolchain",
                    "contract_years": 3},
        ),
        Plan(
            "leila", Status.IDENTIFIED, "2026-11-17",
            values={"migration_deadline": "2027-04-30", "migrating_from": "Jenkins",
                    "contract_years": 3},
        ),
        Plan(
            "marek", Status.IDENTIFIED, "2026-11-17",
            values={"migration_deadline": "2027-02-28", "migrating_from": "In-house toolchain",
                    "contract_years": 2},
        ),
        Plan(
            "elif", Status.DECLINED, "2026-11-11",
            values={"migration_deadline": "2027-05-31", "migrating_from": "Azure DevOps Server",
                    "contract_years": 3},
        ),
    ),
}
# fmt: on

# Days between a move and the one before it, when a Plan does not spell out its path.
GAP_DAYS: dict[str, int] = {
    Status.CONTACTED: 0,
    Status.SCREENED: 3,
    Status.SCHEDULED: 4,
    Status.COMPLETED: 8,
    Status.NO_SHOW: 8,
    Status.DECLINED: 4,
    Status.WITHDRAWN: 5,
}
# The state an exit leaves from when a Plan does not say.
DEFAULT_VIA: dict[str, str] = {
    Status.DECLINED: Status.CONTACTED,
    Status.WITHDRAWN: Status.SCREENED,
    Status.NO_SHOW: Status.SCHEDULED,
}
DAYS_BEFORE_FIRST_CONTACT = 6  # from being added to a study to being contacted
DEFAULT_INCENTIVE = "USD 100 gift card"
INCENTIVES_PAID_BEFORE = DEMO_TODAY - dt.timedelta(days=7)  # paid within a week or so
SESSION_MINUTES = (60, 45, 55, 60, 50, 45)
# Interviews are booked in the participant's working day.
SESSION_HOUR_UTC = {"amer": 16, "latam": 14, "emea": 10, "apac": 2, "": 12}
RECORDINGS_URL = "https://recordings.brightforge.example"

_REGIONS = {person.key: person.region for person in PEOPLE}
_KINDS = {person.key: person.kind for person in PEOPLE}


def moves(plan: Plan) -> list[tuple[str, dt.date]]:
    """The (status, day) moves that take a new enrollment from identified to plan.status."""
    if plan.path:
        return [(status, day(on)) for status, on in plan.path]
    route: list[str]
    if plan.status in FUNNEL:
        route = list(FUNNEL[1 : FUNNEL.index(plan.status) + 1])
    else:
        via = plan.via or DEFAULT_VIA[plan.status]
        route = [*FUNNEL[1 : FUNNEL.index(via) + 1], plan.status]
    dated: list[tuple[str, dt.date]] = []
    current = day(plan.on)
    for status in reversed(route):
        dated.append((status, current))
        current -= dt.timedelta(days=GAP_DAYS[status])
    return dated[::-1]


def added_on(plan: Plan) -> dt.date:
    steps = moves(plan)
    if not steps:
        return day(plan.on)
    return steps[0][1] - dt.timedelta(days=DAYS_BEFORE_FIRST_CONTACT)


def session_start(plan: Plan) -> dt.datetime | None:
    """When the plan's session takes place: the completion day, or the booked upcoming slot."""
    if plan.upcoming:
        return dt.datetime.fromisoformat(plan.upcoming).replace(tzinfo=dt.UTC)
    if plan.status != Status.COMPLETED:
        return None
    return moment(day(plan.on), SESSION_HOUR_UTC[_REGIONS[plan.person]])


def load_studies(ctx: DemoContext) -> None:
    """The four studies, their members and their study-specific attributes."""
    # Reached through the foreign key: interviews never imports insights.
    frameworks = ResearchProject._meta.get_field("framework").related_model._default_manager
    framework = frameworks.get(slug=CX_JOURNEY)
    lead = ctx.users[LEAD_USERNAME]
    researcher = ctx.users[RESEARCHER_USERNAME]
    viewer = ctx.users[VIEWER_USERNAME]
    for study in STUDIES:
        project = ResearchProject(
            title=study.title,
            slug=study.slug,
            objective=study.objective,
            research_questions="\n".join(study.questions),
            segment=study.segment,
            region=study.region,
            quarter=study.quarter,
            status=study.status,
            lens=study.lens,
            target_interviews=study.target,
            framework_id=framework.pk,
        )
        project.full_clean()
        project.save()
        ctx.projects[study.slug] = project
        members = [(lead, Membership.Role.LEAD), (researcher, Membership.Role.RESEARCHER)]
        if study.viewer_is_member:
            members.append((viewer, Membership.Role.VIEWER))
        Membership.objects.bulk_create(
            Membership(project=project, user=user, role=role) for user, role in members
        )
        for position, spec in enumerate(study.attributes):
            attribute = ProjectAttribute(
                project=project,
                key=spec.key,
                label=spec.label,
                kind=spec.kind,
                choices=list(spec.choices),
                position=position,
            )
            attribute.full_clean()
            attribute.save()
            ctx.attributes[study.slug, spec.key] = attribute
    ctx.say(f"  studies: {len(ctx.projects)}")


def load_enrollments(ctx: DemoContext) -> None:
    """Enroll everyone as identified, then replay every study's moves in date order.

    1. Create each enrollment with its screener answers, incentive and attribute values.
    2. Replay the moves of all studies together, oldest first, through enrollment_move, so
       last-contacted dates and no-show counts build up as they would have, and the contact
       cooldown is checked across studies (a Plan's `override` answers it).
    3. Backdate the events and enrollments to the days they happened; enrollment_move
       stamps them with the current time.
    """
    for slug, plans in PLANS.items():
        project = ctx.projects[slug]
        for plan in plans:
            enrollment = _enroll(project, ctx.participants[plan.person], plan)
            ctx.enrollments[slug, plan.person] = enrollment
            services.attribute_values_set(
                enrollment=enrollment,
                values={ctx.attributes[slug, key]: raw for key, raw in plan.values.items()},
            )

    timeline = sorted(
        (on, study_index, plan_index, step_index, slug, plan, status)
        for study_index, (slug, plans) in enumerate(PLANS.items())
        for plan_index, plan in enumerate(plans)
        for step_index, (status, on) in enumerate(moves(plan))
    )
    event_times: list[EnrollmentEvent] = []
    for on, _study, plan_index, step_index, slug, plan, status in timeline:
        # A Plan's override reason is only recorded on a move that raised a warning.
        event = services.enrollment_move(
            enrollment=ctx.enrollments[slug, plan.person],
            to_status=status,
            by=_recorded_by(ctx, plan, plan_index, status),
            override_reason=plan.override,
            today=on,
        )
        event.at = _move_time(plan, plan_index, step_index)
        event_times.append(event)
    EnrollmentEvent.objects.bulk_update(event_times, ["at"])

    enrollments: list[Enrollment] = []
    for slug, plans in PLANS.items():
        for plan_index, plan in enumerate(plans):
            enrollment = ctx.enrollments[slug, plan.person]
            enrollment.status = plan.status  # where the replay above left it
            enrollment.created_at = moment(added_on(plan), 8, plan_index % 60)
            steps = moves(plan)
            enrollment.status_changed_at = (
                _move_time(plan, plan_index, len(steps) - 1) if steps else enrollment.created_at
            )
            enrollments.append(enrollment)
    Enrollment.objects.bulk_update(enrollments, ["created_at", "status_changed_at"])
    ctx.say(f"  enrollments: {len(enrollments)}, pipeline moves: {len(event_times)}")


def load_sessions(ctx: DemoContext) -> None:
    """One session per completed enrollment, and the booked one per scheduled enrollment."""
    for slug, plans in PLANS.items():
        project = ctx.projects[slug]
        for plan_index, plan in enumerate(plans):
            start = session_start(plan)
            if start is None:
                continue
            participant = ctx.participants[plan.person]
            kind = Session.Kind.CONTEXTUAL_INQUIRY if plan.inquiry else Session.Kind.INTERVIEW
            mode = Session.Mode.ON_SITE if plan.on_site else Session.Mode.VIDEO
            completed = plan.status == Status.COMPLETED
            session = Session.objects.create(
                project=project,
                title=f"{Session.Kind(kind).label} with {participant.pseudonym}",
                kind=kind,
                mode=mode,
                scheduled_at=start,
                duration_minutes=_session_minutes(plan_index),
                recording_url=(
                    f"{RECORDINGS_URL}/{slug}/{participant.pseudonym.lower()}"
                    if completed and mode == Session.Mode.VIDEO
                    else ""
                ),
            )
            session.participants.add(participant)
            session.interviewers.add(*_interviewers(ctx, plan_index))
            ctx.sessions[slug, plan.person] = session
    upcoming = sum(1 for plans in PLANS.values() for plan in plans if plan.upcoming)
    ctx.say(f"  sessions: {len(ctx.sessions)} ({upcoming} upcoming)")


def _enroll(project: ResearchProject, participant: Participant, plan: Plan) -> Enrollment:
    screened = any(status == Status.SCREENED for status, _on in moves(plan))
    if plan.incentive is not None:
        incentive = plan.incentive
    elif screened and _KINDS[plan.person] == Participant.Kind.CUSTOMER:
        incentive = DEFAULT_INCENTIVE
    else:
        incentive = ""  # offered at screening; Brightforge staff take part without one
    enrollment, _created = services.enrollment_create(
        project=project,
        participant=participant,
        screener_answers=plan.screener,
        incentive=incentive,
        incentive_paid=bool(incentive)
        and plan.status == Status.COMPLETED
        and day(plan.on) < INCENTIVES_PAID_BEFORE,
    )
    return enrollment


def _session_minutes(plan_index: int) -> int:
    return SESSION_MINUTES[plan_index % len(SESSION_MINUTES)]


def _interviewers(ctx: DemoContext, plan_index: int) -> list[User]:
    """Lead and researcher together, or one of them alone, in a fixed rotation per study."""
    lead, researcher = ctx.users[LEAD_USERNAME], ctx.users[RESEARCHER_USERNAME]
    return [[lead, researcher], [researcher], [lead]][plan_index % 3]


def _recorded_by(ctx: DemoContext, plan: Plan, plan_index: int, status: str) -> User:
    """Who made the move: the lead when a rule was overridden, the (first) interviewer for a
    completion, the researcher who runs recruitment otherwise."""
    if plan.override:
        return ctx.users[LEAD_USERNAME]
    if status == Status.COMPLETED:
        return _interviewers(ctx, plan_index)[0]
    return ctx.users[RESEARCHER_USERNAME]


def _move_time(plan: Plan, plan_index: int, step_index: int) -> dt.datetime:
    """When a move was recorded: just after the session for a completion, otherwise in office
    hours, spread so that one day's moves do not all share a timestamp."""
    status, on = moves(plan)[step_index]
    start = session_start(plan)
    if status == Status.COMPLETED and start is not None and start.date() == on:
        return start + dt.timedelta(minutes=_session_minutes(plan_index) + 10)
    spread = plan_index + step_index
    return moment(on, 9 + spread % 8, (spread * 13) % 60)
