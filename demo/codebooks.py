"""The demo studies' codebooks: each code's kind, definition, notes, parent, colour, and what
the demo's coders look for in a sentence to apply it (demo.coding), with the journey stage the
code implies."""

from __future__ import annotations

from dataclasses import dataclass

from demo.studies import FIRST_ORDER, PLG, UPTIER
from insights.models import Code

Kind = Code.Kind

AWARENESS, EVALUATION, PURCHASE = "awareness", "evaluation", "purchase"
ONBOARDING, ADOPTION, EXPANSION = "onboarding", "adoption", "expansion"

# Mid-tone colours, one per code of a codebook: each has a contrast of at least 3:1 against
# white (the mark's underline) and 5:1 against black text (the mark's tinted background).
# Consecutive entries are a golden angle apart in hue, so neighbouring codes differ most.
PALETTE = (
    "#e04141", "#349c52", "#ac5ce4", "#887c2d", "#1c95ae", "#c95c96", "#358e17", "#8380d5",
    "#d45e22", "#2e8b68", "#d64ce2", "#768a2e", "#237dd8", "#ce6b7f", "#189523", "#8e68cd",
    "#b2801d", "#2f8e8b", "#dc2aaf", "#619732", "#6378e6", "#c45d4d", "#1a9e51", "#ad62cb",
    "#7f8015", "#3d92b6", "#e14686", "#3a8d2f", "#8c79e9", "#b2733b",
)  # fmt: skip


@dataclass(frozen=True)
class CodeSpec:
    name: str
    kind: str
    definition: str
    include: str = ""
    exclude: str = ""
    parent: str = ""
    # What the demo's coders look for in a sentence (case-insensitive regular expressions).
    patterns: tuple[str, ...] = ()
    stage: str = ""  # the stage this code implies wherever it is mentioned
    home: str = ADOPTION  # the stage when neither the code nor the question says


def code(
    name: str,
    kind: str,
    definition: str,
    *patterns: str,
    include: str = "",
    exclude: str = "",
    parent: str = "",
    stage: str = "",
    home: str = "",
) -> CodeSpec:
    return CodeSpec(
        name, kind, definition, include, exclude, parent, patterns, stage, home or stage or ADOPTION
    )


QUOTE_WORTHY = "Quote-worthy"


def _quote_worthy() -> CodeSpec:
    return code(
        QUOTE_WORTHY,
        Kind.QUOTE_WORTHY,
        "A vivid, self-contained sentence that says a finding better than a summary could.",
        include="Short enough to read aloud; makes sense without the question; pseudonymised.",
        exclude="Anything that identifies the participant or their company, even indirectly.",
    )


# --- Codebooks ------------------------------------------------------------------------------------

UPTIER_CODES: tuple[CodeSpec, ...] = (
    code(
        "Pricing and licensing", Kind.TOPIC,
        "How Premium and Ultimate are priced, quoted and counted.",
        r"\bquotes?\b", r"line items?", r"\bSKUs?\b", r"\bpric(e|es|ing)\b", r"discount",
        include="Quotes, price levels, discounts, licence counts: when no narrower code fits.",
        exclude="A specific price complaint has its own code: Ultimate price gap or True-up "
        "surprises.",
        home=PURCHASE,
    ),
    code(
        "True-up surprises", Kind.PAIN_POINT,
        "A true-up invoice or seat count that differed from what the customer expected.",
        r"true-?ups?", r"invoice .{0,40}(higher|planned|explain|didn't)",
        include="Surprise, confusion, risk or extra work caused by the annual true-up.",
        exclude="Routine seat reviews that caused no surprise: use Licence visibility.",
        parent="Pricing and licensing", stage=EXPANSION,
    ),
    code(
        "Licence visibility", Kind.NEED,
        "Knowing who actually uses the seats the customer pays for.",
        r"billable users?", r"usage (data|dashboards?|report)", r"active users",
        r"licences? (are )?(actually )?in use", r"who (actually )?(used|uses|is using)",
        r"dormant", r"logged in (once|for)", r"haven't logged in", r"login",
        include="Asking for, lacking or building usage data per user, group or department.",
        exclude="The true-up invoice itself: use True-up surprises.",
        parent="Pricing and licensing", home=ADOPTION,
    ),
    code(
        "Ultimate price gap", Kind.PAIN_POINT,
        "The jump in price per seat from Premium to Ultimate, applied to every seat.",
        r"price per seat", r"triples", r"price difference", r"doubled the quote",
        r"mix(ed)? tiers", r"whole instance", r"every seat on the instance",
        r"(fifty|hundred) (people|seats)",
        include="Complaints that the tier applies to all users, or requests for mixed tiers.",
        exclude="General remarks about price with no comparison of tiers: use Pricing and "
        "licensing.",
        parent="Pricing and licensing", home=EVALUATION,
    ),
    code(
        "Business case", Kind.TOPIC,
        "How the customer justified, or failed to justify, Ultimate internally.",
        r"business case", r"justif", r"budget", r"hours saved", r"cost model", r"worst case",
        r"scenarios", r"benchmark", r"reference (call|customer)", r"\b(CTO|CFO|CISO)\b",
        r"sponsor", r"finance director",
        include="The document, the spreadsheet or the meeting that argued for or against buying.",
        exclude="The signature process itself: use Procurement and security review.",
        home=PURCHASE,
    ),
    code(
        "Compliance driver", Kind.NEED,
        "Audits and regulation as the reason to consider or buy Ultimate.",
        r"complian", r"\baudit", r"regulat", r"traceab",
        include="Audit findings, evidence requests, compliance frameworks, regulators.",
        exclude="Security scanning for its own sake, with no audit or regulation: use Security "
        "scanning.",
        parent="Business case", home=EVALUATION,
    ),
    code(
        "Security scanning", Kind.TOPIC,
        "Dependency, container and other scanning, and where its findings appear.",
        r"scann", r"vulnerabilit", r"findings?",
        include="Value of, or trouble with, the scanners and their results.",
        exclude="Scanning wanted only to satisfy an audit: use Compliance driver.",
        parent="Business case", home=EVALUATION,
    ),
    code(
        "Portfolio planning", Kind.TOPIC,
        "Epics, roadmaps and planning across groups as a reason for Ultimate.",
        r"planning (features|views|side)", r"\bepics?\b", r"roadmap view",
        include="Epics across groups, roadmaps, planning views.",
        exclude="Planning tools the customer already uses elsewhere, unless compared with "
        "Ultimate.",
        parent="Business case", home=EVALUATION,
    ),
    code(
        "Procurement and security review", Kind.TOPIC,
        "What happens between a verbal yes and a signed order.",
        r"sourcing", r"framework agreement", r"signed? (off|it)",
        include="Steps between the decision and the signature, when no narrower code fits.",
        home=PURCHASE,
    ),
    code(
        "Security questionnaire", Kind.PAIN_POINT,
        "Vendor security reviews: questionnaires, reports, pen tests, data protection.",
        r"questionnaire", r"security review", r"vendor risk", r"pen test", r"SOC 2",
        r"data protection officer", r"architecture board", r"telemetry",
        include="Time, effort or friction of the customer's security review.",
        exclude="Legal negotiation of the contract: use Legal and contract terms.",
        parent="Procurement and security review", stage=PURCHASE,
    ),
    code(
        "Legal and contract terms", Kind.PAIN_POINT,
        "Contract negotiation: liability, redlines, clauses, purchase orders.",
        r"\blegal\b", r"liability", r"redlines?", r"contract", r"clause", r"purchase order",
        include="Liability, redlines, clauses, purchase orders, co-terming.",
        exclude="The security review's questions: use Security questionnaire.",
        parent="Procurement and security review", stage=PURCHASE,
    ),
    code(
        "Identity and access", Kind.TOPIC,
        "How people sign in and how their accounts are created and removed.",
        r"identity team", r"sign in",
        include="Sign-in and accounts in general, when no narrower code fits.",
        home=ONBOARDING,
    ),
    code(
        "SSO setup", Kind.PAIN_POINT,
        "Single sign-on (SAML, identity providers) and the work of setting it up.",
        r"\bSSO\b", r"SAML", r"single sign-on", r"identity provider", r"two-factor",
        include="Setting up or living with SSO; group mapping belongs to LDAP and group sync.",
        exclude="Leavers and automatic removal: use SCIM provisioning.",
        parent="Identity and access", stage=ONBOARDING,
    ),
    code(
        "SCIM provisioning", Kind.NEED,
        "Creating and removing accounts automatically, leavers in particular.",
        r"SCIM", r"provisioning", r"\bleavers?\b", r"source of truth", r"removes? them",
        r"removed by",
        include="Leavers who keep access or count as seats; wishes for automatic provisioning.",
        exclude="Sign-in itself: use SSO setup.",
        parent="Identity and access", stage=ONBOARDING,
    ),
    code(
        "LDAP and group sync", Kind.WORKAROUND,
        "LDAP, Active Directory and mapping groups to the instance's groups and roles.",
        r"LDAP", r"Active Directory", r"group sync", r"mapping groups", r"group membership",
        include="LDAP, Active Directory, mapping identity-provider groups to groups or roles.",
        parent="Identity and access", stage=ONBOARDING,
    ),
    code(
        "Self-managed trial friction", Kind.PAIN_POINT,
        "Trying Ultimate features on an instance the customer runs themselves.",
        r"trial licen[cs]e", r"licen[cs]e key", r"maintenance window", r"staging copy",
        r"change (advisory board|process|request)", r"sandbox", r"test instance",
        include="Licence keys, maintenance windows, staging copies, trial length.",
        exclude="Trials on SaaS, or of the AI add-on: use the trial codes of that study.",
        stage=EVALUATION,
    ),
    code(
        "Migration", Kind.TOPIC,
        "Moving from the customer's own instance to SaaS or the dedicated offering.",
        r"migrat", r"SaaS offering", r"dedicated offering",
        include="Moving to SaaS or dedicated, when no narrower code fits.",
        home=ONBOARDING,
    ),
    code(
        "Data import", Kind.NEED,
        "Moving projects, history and integrations to the new platform.",
        r"\bimport", r"integrations", r"years of history", r"large repositories",
        include="Projects, history, large repositories and integrations to move.",
        exclude="Fear of the cut-over itself: use Downtime fears.",
        parent="Migration", stage=ONBOARDING,
    ),
    code(
        "Downtime fears", Kind.PAIN_POINT,
        "Fear of a long or unpredictable cut-over.",
        r"downtime", r"cut-?over", r"a weekend", r"eleven hours", r"nervous",
        include="Fear of how long the cut-over takes, or that it overruns.",
        parent="Migration", stage=ONBOARDING,
    ),
    code(
        "Data residency", Kind.NEED,
        "Where code and data must live, by law or policy.",
        r"residency", r"in the country", r"regulator", r"outsourcing", r"regions? available",
        r"own hardware", r"control over the data",
        include="Law, regulators or policy deciding where code may live.",
        exclude="Preferences with no rule behind them: use Migration.",
        parent="Migration", home=ONBOARDING,
    ),
    code(
        "Adoption of Ultimate", Kind.TOPIC,
        "Whether and how teams use what the customer bought.",
        r"adoption", r"roll(ed)? ?out", r"switched (it |them )?on",
        include="Use of what was bought, when no narrower code fits.",
        home=ADOPTION,
    ),
    code(
        "Shelfware", Kind.PAIN_POINT,
        "Features paid for and never switched on or used.",
        r"never switched", r"nobody used", r"nobody owned", r"features nobody",
        r"never had the time", r"\bgym\b", r"paid a year",
        include="Paid-for features never switched on, or switched on and unused.",
        exclude="Features used by a few teams only: use Adoption of Ultimate.",
        parent="Adoption of Ultimate", stage=ADOPTION,
    ),
    code(
        "CI/CD adoption", Kind.TOPIC,
        "Pipelines and runners on the platform, or on another tool.",
        r"pipelines?", r"\bCI\b", r"Jenkins", r"runners?", r"plug-ins?",
        include="How much CI runs on the platform and what keeps the rest elsewhere.",
        parent="Adoption of Ultimate", home=ADOPTION,
    ),
    code(
        "Enablement", Kind.NEED,
        "How people learn new features: workshops, champions, documentation.",
        r"workshops?", r"training", r"taught", r"champions?", r"office hours", r"documentation",
        exclude="Support tickets: use Support experience.",
        parent="Adoption of Ultimate", stage=ADOPTION,
    ),
    code(
        "Account team and support", Kind.TOPIC,
        "The vendor's people after the sale: account team, architects, support.",
        r"vendor side", r"vendor's security team",
        include="The vendor's people after the sale, when no narrower code fits.",
        home=ADOPTION,
    ),
    code(
        "Support experience", Kind.TOPIC,
        "Tickets, escalations and the people who answer them.",
        r"\bsupport\b", r"tickets?", r"escalat", r"severity",
        include="Tickets, escalations, answers; good and bad.",
        exclude="Account managers and architects: use Account team continuity.",
        parent="Account team and support", stage=ADOPTION,
    ),
    code(
        "Account team continuity", Kind.PAIN_POINT,
        "Changes of account manager and what they forget or remember.",
        r"account (manager|team|executive)s?", r"hand-?off", r"discovery call",
        r"solutions architect", r"technical account manager",
        include="Good and bad: a technical account manager who knows the history counts too.",
        exclude="Support engineers: use Support experience.",
        parent="Account team and support", home=ADOPTION,
    ),
    code(
        "Delight", Kind.DELIGHT,
        "Moments where the product or the vendor's people clearly helped.",
        r"painless", r"just works", r"works well", r"above and beyond", r"earns a lot of trust",
        r"makes all the difference", r"celebrated", r"like seeing the results",
        r"more convincing than any slide", r"turning point", r"best investment",
        r"genuinely good", r"knew exactly what it was", r"wish every vendor",
        include="A concrete moment that went well, in the participant's words.",
        exclude="Relief that a problem went away: code the problem.",
    ),
    code(
        "Spreadsheet tracking", Kind.WORKAROUND,
        "Keeping by hand what the product does not show: seats, filters, evidence.",
        r"spreadsheet", r"by hand", r"\bscript\b", r"sticky note", r"copy and paste",
        r"the ledger", r"export(ed)? them",
        include="Spreadsheets, scripts, sticky notes: any record kept by hand because the "
        "product lacks it.",
        exclude="Exports the product offers and the customer is happy with.",
    ),
    _quote_worthy(),
)  # fmt: skip

FIRST_ORDER_CODES: tuple[CodeSpec, ...] = (
    code(
        "Buying trigger", Kind.TOPIC,
        "What made the customer look at a paid plan and the AI add-on.",
        r"\bAI\b.{0,40}(board|chatbot)", r"board asked", r"urgent", r"purchase request",
        include="What started the purchase, when no narrower code fits.",
        exclude="What decided it later (the trial, the price).",
        home=AWARENESS,
    ),
    code(
        "Tool consolidation", Kind.NEED,
        "Too many tools, and scripts between them, as the reason to buy.",
        r"too many tools", r"consolidat", r"one platform", r"held together", r"outgrown",
        r"integration between",
        include="Too many tools, glue scripts, a person holding it together.",
        parent="Buying trigger", home=AWARENESS,
    ),
    code(
        "Security or audit trigger", Kind.TOPIC,
        "A security finding or an audit that started the purchase.",
        r"security finding", r"secrets", r"\baudit", r"approval rules", r"approves changes",
        include="A finding, a leak, an audit question that started the purchase.",
        exclude="Security review of the purchase itself: use Security and legal review.",
        parent="Buying trigger", home=AWARENESS,
    ),
    code(
        "AI add-on evaluation", Kind.TOPIC,
        "How customers judged the AI add-on before and after buying.",
        r"\bdemo\b",
        include="Judging the add-on, when no narrower code fits.",
        home=EVALUATION,
    ),
    code(
        "Trial experience", Kind.TOPIC,
        "Running a trial of the AI add-on: who, how long, what happened.",
        r"\btrial(led|s)?\b",
        include="Who trialled, how long, what helped or blocked the trial.",
        exclude="Network problems during the trial: also code Network access for self-managed.",
        parent="AI add-on evaluation", stage=EVALUATION,
    ),
    code(
        "Proving value", Kind.NEED,
        "Evidence that the add-on is worth it: metrics, surveys, anecdotes.",
        r"cycle time", r"survey", r"evidence", r"measure", r"metrics?", r"anecdotes?",
        r"gut (feeling|call)", r"worth it",
        include="Metrics, surveys, anecdotes, gut calls used to judge the add-on.",
        parent="AI add-on evaluation", home=EVALUATION,
    ),
    code(
        "Seat sizing", Kind.PAIN_POINT,
        "How many add-on seats to buy, and who gets them.",
        r"\bseats?\b", r"for everyone", r"whole team", r"how many would use",
        include="Deciding or regretting the number of seats; idle seats at renewal too.",
        exclude="Usage after purchase without a word on the number bought: use Low usage after "
        "purchase.",
        parent="AI add-on evaluation", home=PURCHASE,
    ),
    code(
        "Low usage after purchase", Kind.PAIN_POINT,
        "Seats bought and not used, weeks or months after the order.",
        r"novelty", r"\bidle\b", r"long tail", r"fewer than I'd like", r"old habits",
        r"barely touch", r"mostly ignored", r"a third of (people|those seats)",
        r"(twelve|fourteen|twenty) (active|were active)", r"can't reach",
        include="Idle seats, usage that dropped, people who cannot reach it.",
        exclude="Usage reports themselves: use Usage visibility.",
        parent="AI add-on evaluation", stage=ADOPTION,
    ),
    code(
        "Code assistance delight", Kind.DELIGHT,
        "Moments where the AI features clearly helped.",
        r"test generation", r"code (suggestions|explanations)", r"boring tests",
        r"love it", r"saved him a day", r"shines", r"suggestions are the big one",
        include="A concrete moment the AI features helped.",
        exclude="General enthusiasm with no example.",
        parent="AI add-on evaluation", home=ADOPTION,
    ),
    code(
        "Security and legal review", Kind.TOPIC,
        "Reviews the AI add-on has to pass before signature.",
        r"security (lead|team)", r"reviewer",
        include="Reviews before signature, when no narrower code fits.",
        home=PURCHASE,
    ),
    code(
        "AI data handling", Kind.NEED,
        "Where prompts and code go, retention, model training, per-project controls.",
        r"train(s|ing)? (any |a )?models?", r"model training", r"retain", r"retention",
        r"prompts (are|is|and code)", r"where prompts", r"sub-processors?", r"data flows",
        r"data handling", r"per[- ]project",
        r"switch (it|the features) off", r"non-production",
        include="Training, retention, prompts, sub-processors, per-project switches.",
        exclude="The form the questions came in: use Security questionnaire.",
        parent="Security and legal review", home=PURCHASE,
    ),
    code(
        "Security questionnaire", Kind.PAIN_POINT,
        "Questionnaires and review documents, and the time they take.",
        r"questionnaire", r"security review", r"trust centre", r"one document",
        r"security (and|or) legal pack", r"security doc\b", r"Google doc",
        include="Questionnaires, trust pages, review documents and their time.",
        parent="Security and legal review", stage=PURCHASE,
    ),
    code(
        "Legal terms", Kind.PAIN_POINT,
        "Contract clauses, data processing agreements and redlines.",
        r"\blegal\b", r"clause", r"contractual", r"data processing agreement",
        include="Clauses, DPAs, redlines.",
        exclude="Order forms and invoices: use Paperwork and vendor setup.",
        parent="Security and legal review", stage=PURCHASE,
    ),
    code(
        "Procurement", Kind.TOPIC,
        "Quotes, order forms, invoices and prices.",
        r"\bquotes?\b", r"discount", r"\bprice", r"quota sheet", r"deal desk", r"per seat",
        include="Quotes, prices, discounts, when no narrower code fits.",
        home=PURCHASE,
    ),
    code(
        "First-time buyer", Kind.PAIN_POINT,
        "Buyers new to developer tooling and its vocabulary.",
        r"never bought", r"first time (buying|I'd|we)", r"everything was new",
        r"didn't know which", r"half the words", r"glossary", r"vocabulary",
        r"different names",
        include="Buyers who do not know the vocabulary or what is negotiable.",
        parent="Procurement", stage=PURCHASE,
    ),
    code(
        "Paperwork and vendor setup", Kind.PAIN_POINT,
        "Order forms, vendor onboarding, invoices and finance systems.",
        r"paperwork", r"vendor (onboarding|setup)", r"order form", r"\binvoice\b",
        r"net thirty", r"tax form", r"finance system", r"approval memo", r"co-termed",
        r"paid by card",
        include="Order forms, vendor onboarding, invoices, finance systems.",
        exclude="Security and legal documents: use their own codes.",
        parent="Procurement", stage=PURCHASE,
    ),
    code(
        "Onboarding", Kind.TOPIC,
        "The weeks after signature, up to first value.",
        r"onboarding",
        include="The weeks after signature, when no narrower code fits.",
        home=ONBOARDING,
    ),
    code(
        "SSO setup", Kind.PAIN_POINT,
        "Single sign-on with the customer's identity provider.",
        r"\bSSO\b", r"SAML", r"Okta", r"Azure AD", r"identity (provider|team)", r"two-factor",
        include="SAML, identity providers, two-factor, and the time they took.",
        exclude="Provisioning and group-to-role mapping: use SCIM provisioning.",
        parent="Onboarding", stage=ONBOARDING,
    ),
    code(
        "SCIM provisioning", Kind.NEED,
        "Automatic account creation and removal, and mapping groups to roles.",
        r"SCIM", r"provisioning", r"duplicate accounts", r"attribute mapping", r"\bleavers\b",
        r"group mapping", r"roles by hand", r"mapping of groups",
        include="Automatic accounts, duplicates, leavers, group-to-role mapping.",
        parent="Onboarding", stage=ONBOARDING,
    ),
    code(
        "Time to first value", Kind.NEED,
        "How long from signature to people getting real value.",
        r"kickoff", r"first (real )?value", r"first (two )?weeks", r"first thirty days",
        r"first ninety days", r"up and running", r"within a month", r"six weeks in",
        r"licence key",
        include="Kickoff dates, first weeks, when people got real value.",
        parent="Onboarding", stage=ONBOARDING,
    ),
    code(
        "Network access for self-managed", Kind.PAIN_POINT,
        "Firewalls, proxies and endpoints between a self-managed instance and the AI service.",
        r"network", r"firewall", r"proxy", r"endpoints?", r"data centre",
        include="Firewalls, proxies, endpoints between the instance and the AI service.",
        parent="Onboarding", home=EVALUATION,
    ),
    code(
        "Hand-offs", Kind.TOPIC,
        "Account executive → solutions architect → customer success, and what moves with it.",
        r"hand-?offs?", r"handed (things )?over", r"hand-over", r"handover",
        r"customer success manager", r"account executive", r"solutions architect", r"\bCRM\b",
        include="Who hands the customer to whom, when no narrower code fits.",
        home=ONBOARDING,
    ),
    code(
        "Lost context", Kind.PAIN_POINT,
        "Things the customer said or was promised that did not reach the next person.",
        r"repeat", r"three times", r"same (discovery )?questions", r"no shared notes",
        r"no record", r"nobody told", r"archaeology", r"promised?", r"explains? their",
        include="Repeating oneself, promises nobody knew about, missing notes.",
        exclude="A smooth hand-off: code Hand-offs only.",
        parent="Hand-offs", stage=ONBOARDING,
    ),
    code(
        "Adoption", Kind.TOPIC,
        "Use of the add-on after purchase, and help along the way.",
        r"\bsupport\b", r"tickets?",
        include="Use and support after purchase, when no narrower code fits.",
        home=ADOPTION,
    ),
    code(
        "Usage visibility", Kind.NEED,
        "Seeing who uses the add-on: reports, per-person usage.",
        r"usage (numbers|report|reporting|data|reports)", r"usage by person",
        r"per-person usage", r"who is using", r"who isn't using", r"active users",
        r"accepted suggestions",
        include="Usage reports, usage by person, what the customer can or cannot see.",
        exclude="Low usage itself: use Low usage after purchase.",
        parent="Adoption", stage=ADOPTION,
    ),
    code(
        "Champion enablement", Kind.NEED,
        "Workshops, champions and internal tips that spread good use.",
        r"workshop", r"champions?", r"teachers", r"Slack channel", r"internal page",
        r"recorded session", r"tips",
        include="Workshops, champions, internal pages and channels that spread good use.",
        parent="Adoption", stage=ADOPTION,
    ),
    code(
        "Renewal and expansion", Kind.TOPIC,
        "What customers expect to keep, add or cut at renewal.",
        r"renewal", r"\brenew", r"add seats", r"next year", r"cut (it|back|to)",
        r"expand", r"Ultimate",
        include="Plans to add, keep or cut seats; Ultimate later.",
        stage=EXPANSION,
    ),
    code(
        "Manual tracking", Kind.WORKAROUND,
        "Spreadsheets, documents and reminders kept by hand.",
        r"spreadsheet", r"by hand", r"manually", r"sticky note", r"reminder",
        r"wrote it down", r"changelog",
        include="Spreadsheets, documents and reminders kept by hand.",
        exclude="The CRM used as intended.",
    ),
    _quote_worthy(),
)  # fmt: skip

PLG_CODES: tuple[CodeSpec, ...] = (
    code(
        "Discovery", Kind.TOPIC,
        "How a team first found the product.",
        r"signed up", r"sign-up",
        include="How the team first found the product, when no narrower code fits.",
        home=AWARENESS,
    ),
    code(
        "Word of mouth", Kind.TOPIC,
        "A friend or former colleague recommended it.",
        r"\bfriend\b", r"former colleague", r"(last|previous) job", r"told me which",
        include="A friend or former colleague pointed them to it.",
        exclude="Colleagues at the same company today.",
        parent="Discovery", stage=AWARENESS,
    ),
    code(
        "Search and content", Kind.TOPIC,
        "Search, tutorials and comparison posts.",
        r"googl", r"tutorial", r"blog posts?", r"comparison posts?", r"searched",
        include="Search engines, tutorials, blog and comparison posts.",
        parent="Discovery", stage=AWARENESS,
    ),
    code(
        "Startup programme", Kind.TOPIC,
        "The startup programme and its credits.",
        r"startup programme", r"\bprogramme\b", r"accelerator", r"credits",
        include="The programme, its credits and what happened when they ended.",
        parent="Discovery", home=AWARENESS,
    ),
    code(
        "First value", Kind.TOPIC,
        "The first real work on the product and how long it took.",
        r"first real work",
        include="The first real work, when no narrower code fits.",
        home=ONBOARDING,
    ),
    code(
        "Time to first value", Kind.NEED,
        "How quickly the first pipeline, plan or build ran.",
        r"first (pipeline|plan|day|afternoon|build|demo)", r"day one", r"an hour from",
        r"took (a weekend|an evening|two evenings)", r"ran in about", r"up and running",
        include="How long until the first pipeline, plan or build ran.",
        parent="First value", stage=ONBOARDING,
    ),
    code(
        "Repository import", Kind.DELIGHT,
        "Moving repositories in from another platform.",
        r"\bimport", r"moved (our|the|the other two)? ?repos", r"moving the repos",
        r"came across",
        include="Moving repositories in, and how it went.",
        exclude="Moving away to another platform: use Alternatives considered.",
        parent="First value", stage=ONBOARDING,
    ),
    code(
        "Runner setup", Kind.PAIN_POINT,
        "Setting up and keeping alive the machines that run CI jobs.",
        r"\brunners?\b", r"self-hosted", r"\blaptop\b", r"cloud machine",
        include="Machines that run CI: shared, self-hosted, laptops.",
        exclude="Runners used to save minutes: also code Free-tier workaround.",
        parent="First value", home=ONBOARDING,
    ),
    code(
        "Free-tier limits", Kind.TOPIC,
        "The limits of the free tier and hitting them.",
        r"\blimits?\b", r"free tier",
        include="Limits in general, when no narrower code fits.",
        home=ADOPTION,
    ),
    code(
        "CI minutes limit", Kind.PAIN_POINT,
        "Running out of CI (compute) minutes.",
        r"CI minutes", r"compute minutes", r"ran out", r"\bquota\b", r"minutes per month",
        r"2000 minutes",
        include="Running out of, or watching, CI minutes.",
        parent="Free-tier limits", home=ADOPTION,
    ),
    code(
        "Storage limit", Kind.PAIN_POINT,
        "Storage, LFS and artifacts against the limit.",
        r"storage", r"\bLFS\b", r"artifacts", r"container images", r"test fixtures",
        include="Storage, LFS, artifacts and images against the limit.",
        parent="Free-tier limits", home=ADOPTION,
    ),
    code(
        "User limit", Kind.PAIN_POINT,
        "The free tier's user limit, contractors and invitations.",
        r"user limit", r"contractor", r"\binvite", r"free groups", r"shared account",
        include="The user limit, contractors, invitations.",
        parent="Free-tier limits", home=ADOPTION,
    ),
    code(
        "Paying", Kind.TOPIC,
        "Deciding to pay, the price and the checkout.",
        r"\bpaid\b", r"\bpaying\b", r"\bpay\b",
        include="Paying in general, when no narrower code fits.",
        home=PURCHASE,
    ),
    code(
        "Per-seat pricing", Kind.PAIN_POINT,
        "Paying per seat when the team is small or uneven.",
        r"per[- ]seat", r"price per", r"pricing page", r"flat price", r"small-team plan",
        r"fixed price", r"seats? for",
        include="Complaints or wishes about paying per seat.",
        exclude="The checkout itself: use Checkout friction.",
        parent="Paying", home=PURCHASE,
    ),
    code(
        "Approval to pay", Kind.TOPIC,
        "Who approves the first payment, and what they need.",
        r"approv", r"company card", r"own card", r"expensed", r"finance person", r"co-founder",
        r"\bCEO\b", r"justify",
        include="Who decides and what they ask for.",
        parent="Paying", stage=PURCHASE,
    ),
    code(
        "Checkout friction", Kind.PAIN_POINT,
        "VAT numbers, declined cards, invoices and receipts.",
        r"checkout", r"\bVAT\b", r"declined", r"payment failed", r"\binvoice", r"receipts",
        r"timed out",
        include="VAT numbers, declined cards, invoices, receipts.",
        parent="Paying", stage=PURCHASE,
    ),
    code(
        "Trial timing", Kind.TOPIC,
        "When and whether a team trials a paid tier, and what ends it.",
        r"\btrial(led)?\b", r"last day",
        include="When a trial happened, what ended it, what was learned.",
        parent="Paying", stage=EVALUATION,
    ),
    code(
        "Help", Kind.TOPIC,
        "Where self-serve users look for help.",
        r"\bhelp\b", r"stuck",
        include="Looking for help, when no narrower code fits.",
        home=ADOPTION,
    ),
    code(
        "Self-serve help", Kind.TOPIC,
        "Docs, the forum and community channels.",
        r"\bdocs\b", r"documentation", r"forum", r"community", r"Discord",
        include="Docs, forum, community channels.",
        exclude="Questions to sales or support: use No one to ask.",
        parent="Help", stage=ADOPTION,
    ),
    code(
        "No one to ask", Kind.PAIN_POINT,
        "Questions to sales or support that nobody answered.",
        r"contact sales", r"never heard back", r"never got an answer", r"no one to ask",
        r"nobody in sales", r"support contract", r"sales wasn't interested", r"talk to sales",
        include="Questions that got no answer from a person.",
        parent="Help", home=ADOPTION,
    ),
    code(
        "SSO tax", Kind.PAIN_POINT,
        "Security features a bigger customer requires, behind the paywall.",
        r"\bSSO\b", r"single sign-on", r"audit logs", r"two-factor", r"Google accounts",
        r"security requirements",
        include="Security features a client requires that sit behind the paywall.",
        exclude="Sign-in preferences with no client behind them.",
        stage=PURCHASE,
    ),
    code(
        "Free-tier workaround", Kind.WORKAROUND,
        "Ways to make the free tier go further.",
        r"own runner", r"old laptop", r"clean ?up", r"deletes old", r"\bscript\b",
        r"split projects", r"two free groups", r"sticky note", r"cache",
        include="Tricks that keep the team on the free tier or under a limit.",
        home=ADOPTION,
    ),
    code(
        "Product delight", Kind.DELIGHT,
        "Moments where the product simply worked.",
        r"\bmagic\b", r"just worked", r"too easy", r"this is good", r"our home",
        r"nothing broke", r"was nice", r"better than most",
        include="Moments where the product simply worked.",
        exclude="Relief that a problem went away: code the problem.",
        home=ONBOARDING,
    ),
    code(
        "Alternatives considered", Kind.TOPIC,
        "Other platforms compared, and why the team stayed or might leave.",
        r"alternatives", r"\bcompared\b", r"the others", r"switching", r"migration effort",
        r"moving everything",
        include="Other platforms compared, and why the team stayed or might leave.",
        stage=EVALUATION,
    ),
    code(
        "Growth plans", Kind.TOPIC,
        "How the team expects to grow, and what that does to the plan.",
        r"hiring", r"\bgrow", r"next year", r"in the spring", r"clients? (ask|stay)",
        r"engineers by summer",
        include="Hiring, clients, and what growth does to the plan.",
        stage=EXPANSION,
    ),
    _quote_worthy(),
)  # fmt: skip

CODEBOOKS: dict[str, tuple[CodeSpec, ...]] = {
    UPTIER: UPTIER_CODES,
    FIRST_ORDER: FIRST_ORDER_CODES,
    PLG: PLG_CODES,
}
