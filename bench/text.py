"""Plausible customer-interview talk, generated deterministically from a seed.

Sentences are built from templates about what CX interviews at a DevOps vendor are about
(pricing, licences, SSO, migration, onboarding…), so search finds real words and phrases
with a realistic spread: common words everywhere, specific ones rarely.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

TOPICS = (
    "pricing",
    "the licence true-up",
    "licence activation",
    "seat counts",
    "SSO",
    "the SAML configuration",
    "SCIM provisioning",
    "LDAP sync",
    "the migration from Jenkins",
    "the migration to SaaS",
    "onboarding",
    "the onboarding checklist",
    "the renewal",
    "procurement",
    "the security review",
    "audit logs",
    "compliance reports",
    "CI pipelines",
    "shared runners",
    "dedicated runners",
    "the API",
    "webhooks",
    "the Jira integration",
    "Slack notifications",
    "billing",
    "invoices",
    "the free trial",
    "the proof of concept",
    "documentation",
    "support tickets",
    "the upgrade to Ultimate",
    "self-managed instances",
    "dedicated hosting",
    "dashboards",
    "permissions",
    "the admin console",
    "training sessions",
    "the rollout",
    "storage quotas",
    "merge request approvals",
    "vulnerability scanning",
    "value stream analytics",
    "the public roadmap",
    "our customer success manager",
    "premium features",
    "backups",
    "disaster recovery",
    "user adoption",
    "deployment frequency",
    "the executive sponsor",
)
PREDICATES = (
    "was confusing",
    "took far too long",
    "worked out of the box",
    "needed a workaround",
    "was the main blocker",
    "saved us hours every week",
    "surprised everyone",
    "was harder than expected",
    "came up in every meeting",
    "was never clearly explained",
    "was the reason we upgraded",
    "felt expensive for what we got",
    "broke twice during the quarter",
    "made the business case easy",
    "was what sold leadership",
    "is still a pain point",
    "got much better after the last release",
    "was handled really well by support",
    "forced us to open a ticket",
    "slowed down the whole team",
)
SUBJECTS = (
    "We",
    "Our team",
    "The platform team",
    "Our admins",
    "Procurement",
    "Security",
    "Finance",
    "Leadership",
    "The developers",
    "Our champion",
    "I",
    "My manager",
)
COMPETITORS = ("Jenkins", "GitHub", "Bitbucket", "Azure DevOps", "CircleCI")
ROLES = ("CTO", "VP of engineering", "security lead", "platform owner", "finance partner")
FILLERS = ("Honestly,", "To be fair,", "I mean,", "Basically,", "So", "Yeah,", "Right, so")
ANSWERS = (
    "{subj} said {topic} {pred}.",
    "{filler} {topic} {pred}.",
    "When we looked at {topic}, {topic2} {pred}.",
    "{subj} spent {n} weeks on {topic} before {topic2} {pred}.",
    "The biggest issue with {topic} is that it {pred}.",
    "I think {topic} {pred}, but {topic2} {pred2}.",
    "We compared {topic} with what {competitor} offers and {topic2} {pred}.",
    "If {topic} improves, we would expand to {n} more teams.",
    "Our {role} asked why {topic} {pred}.",
    "{filler} nobody on the team expected that {topic} {pred}.",
    "Before {topic} we were on {competitor}, and {topic2} {pred}.",
    "It took {n} days to get {topic} approved by {subj_lower}.",
)
QUESTIONS = (
    "Can you tell me more about {topic}?",
    "How did {topic} affect your rollout?",
    "What happened when {topic} {pred}?",
    "Who was involved in {topic}?",
    "What would make {topic} easier for your team?",
    "How long did {topic} take, roughly?",
    "How does that compare with {competitor}?",
    "And how did your {role} react to that?",
)
FIRST_NAMES = (
    "Alex",
    "Sam",
    "Priya",
    "José",
    "Zoë",
    "Mei",
    "Fatima",
    "Łukasz",
    "Søren",
    "Aarav",
    "Olivia",
    "Noah",
    "Chen",
    "Amara",
    "Diego",
    "Hannah",
    "Kenji",
    "Leila",
    "Mateo",
    "Nadia",
    "Omar",
    "Rosa",
    "Tariq",
    "Yuki",
    "Ingrid",
    "Kwame",
    "Lucía",
    "Marek",
    "Sofia",
    "Thabo",
)
LAST_NAMES = (
    "Morgan",
    "Okafor",
    "Nguyen",
    "García",
    "Schmidt",
    "Kowalski",
    "Johansson",
    "Patel",
    "Kim",
    "Rossi",
    "Haddad",
    "Fischer",
    "Silva",
    "Tanaka",
    "Dubois",
    "Mensah",
    "O'Neil",
    "van Dijk",
    "Larsen",
    "Novak",
    "Ahmed",
    "Costa",
    "Weber",
    "Ivanova",
    "Brennan",
)
# Interviewers: names no participant has, so a transcript's two speaker labels always differ.
RESEARCHER_NAMES = (
    ("Robin", "Achterberg"),
    ("Kai", "Lindqvist"),
    ("Maya", "Okonkwo-Reyes"),
    ("Jonas", "Whitfield"),
    ("Elif", "Demirci"),
    ("Theo", "Marchetti"),
    ("Ana", "Przybylski"),
    ("Felix", "Abernathy"),
    ("Ines", "Valdivia"),
    ("Ravi", "Chandrasekar"),
    ("Clara", "Osei-Bonsu"),
    ("Luca", "Feldmann"),
)
COMPANIES = (
    "Acme Logistics",
    "Northwind Health",
    "Globex Finance",
    "Initech",
    "Umbrella Retail",
    "Stark Devices",
    "Wayne Freight",
    "Tyrell Labs",
    "Cyberdyne Systems",
    "Hooli Cloud",
)
PERSONAS = (
    "DevOps lead",
    "Platform engineer",
    "Engineering manager",
    "Security architect",
    "Procurement manager",
    "CTO",
    "Release manager",
    "Developer",
)
# The codebook: parents with their children, 12 + 48 = 60 codes.
CODEBOOK = {
    "Pricing": ("Seat cost", "True-up surprise", "Discounting", "Value for money"),
    "Licensing": ("Licence activation", "Seat counting", "Tier confusion", "Renewal timing"),
    "Identity": ("SSO set-up", "SAML errors", "SCIM provisioning", "LDAP sync"),
    "Migration": ("From Jenkins", "To SaaS", "Data import", "Downtime fears"),
    "Onboarding": ("First value", "Checklist", "Training", "Champion"),
    "Security": ("Security review", "Audit logs", "Vulnerability scanning", "Compliance"),
    "CI/CD": ("Pipelines", "Runners", "Deployment frequency", "Flaky jobs"),
    "Integrations": ("Jira", "Slack", "API", "Webhooks"),
    "Support": ("Ticket response", "Documentation gaps", "Customer success", "Escalations"),
    "Adoption": ("Team spread", "Feature discovery", "Dashboards", "Habit forming"),
    "Procurement": ("Legal review", "Budget cycle", "Vendor comparison", "Executive sponsor"),
    "Reliability": ("Outages", "Backups", "Disaster recovery", "Performance"),
}


@dataclass(frozen=True)
class Turn:
    speaker: str
    text: str
    words: int


class Talk:
    """Turns of an interview: short questions from the interviewer, longer answers."""

    def __init__(self, rng: random.Random, *, pool_size: int = 4000) -> None:
        self.rng = rng
        self.answers = [self._sentence(ANSWERS) for _ in range(pool_size)]
        self.questions = [self._sentence(QUESTIONS) for _ in range(pool_size // 8)]
        self.answer_words = [s.count(" ") + 1 for s in self.answers]
        self.question_words = [s.count(" ") + 1 for s in self.questions]

    def _sentence(self, templates: tuple[str, ...]) -> str:
        choice = self.rng.choice
        subject = choice(SUBJECTS)
        sentence = choice(templates).format(
            subj=subject,
            subj_lower=subject if subject == "I" else subject.lower(),
            topic=choice(TOPICS),
            topic2=choice(TOPICS),
            pred=choice(PREDICATES),
            pred2=choice(PREDICATES),
            competitor=choice(COMPETITORS),
            role=choice(ROLES),
            filler=choice(FILLERS),
            n=self.rng.randint(2, 12),
        )
        return sentence[0].upper() + sentence[1:]

    def _text(self, sentences: list[str], counts: list[int], target: int) -> tuple[str, int]:
        parts, words = [], 0
        randrange = self.rng.randrange
        while words < target:
            index = randrange(len(sentences))
            parts.append(sentences[index])
            words += counts[index]
        return " ".join(parts), words

    def interview(self, words: int, *, interviewer: str, participant: str) -> list[Turn]:
        """Alternating turns until about `words` words have been said."""
        turns, said = [], 0
        while said < words:
            question, n = self._text(self.questions, self.question_words, self.rng.randint(8, 24))
            turns.append(Turn(interviewer, question, n))
            said += n
            answer, n = self._text(self.answers, self.answer_words, self.rng.randint(30, 140))
            turns.append(Turn(participant, answer, n))
            said += n
        return turns

    def note(self) -> str:
        return self._text(self.answers, self.answer_words, self.rng.randint(20, 60))[0]
