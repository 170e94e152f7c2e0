"""Who said what: one Voice per completed session, keyed like ctx.sessions.

A Voice is the participant's side of one interview: how they describe their role, which
topics of guides.py the interviewer covered and the participant's stance on each, lines only
they would say, and the file the transcript arrived in. Contextual inquiries add a `scene`:
what was said while the researcher watched the participant work.

Nothing here names the participant or their company in what is *said*: viewers read
transcripts. File names may carry a name, as real ones do; the importer swaps it for the
pseudonym in the transcript's title.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from demo.studies import FIRST_ORDER, PLG, UPTIER

# File formats, as the tools that produce them write them (see formats.py).
ZOOM_VTT = "zoom_vtt"  # "Name: text" cues
TEAMS_VTT = "teams_vtt"  # "<v Name>text</v>" cues
OTTER_TXT = "otter_txt"  # "Name  0:12" above each paragraph
TIMED_TXT = "timed_txt"  # "[00:01:02] Name: text"
REV_TXT = "rev_txt"  # "Name (01:02):" above each paragraph
CHAT_TXT = "chat_txt"  # "Name: message", one per line, no times
MARKDOWN = "md"  # "**Name:** text"
SRT = "srt"  # numbered SubRip cues, "Name: text"

PARTICIPANT = "p"
INTERVIEWER = "i"  # in a scene: the interviewer who leads the session


@dataclass(frozen=True)
class Voice:
    format: str
    filename: str  # may contain "{pseudonym}"
    role: str
    guide: tuple[tuple[str, str], ...]  # (topic, stance) in the order asked
    own: Mapping[str, str] = field(default_factory=dict)  # topic → added to the answer
    extra: Mapping[str, str] = field(default_factory=dict)  # topic → answer to a probe
    tics: tuple[str, ...] = ()  # interjections that open some answers
    label: str = ""  # the participant's speaker label in the file; their full name if empty
    interviewer_labels: str = "full"  # "full", "first", or "aside" (Zoom display names)
    history: str = ""  # how long they have used the product (or held the role)
    opening: str = ""  # replaces the usual reply to the consent question
    closing: str = ""  # answer to "anything we didn't ask?"
    # Said while the researcher watched: (PARTICIPANT | INTERVIEWER | a guest's label, text).
    scene: tuple[tuple[str, str], ...] = ()
    scene_intro: str = ""  # what the interviewer says after the scene, before the questions


# One entry per completed session; packed as a table.
VOICES: dict[tuple[str, str], Voice] = {
    # --- Premium → Ultimate up-tier ---------------------------------------------------------------
    (UPTIER, "lukasz"): Voice(
        format=ZOOM_VTT,
        filename="GMT20260909-100214_Recording.transcript.vtt",
        role=(
            "I'm head of platform engineering at a rail company. We run the self-managed "
            "instance for about three thousand two hundred developers, spread over fourteen "
            "depots and two development centres. My team is nine people: we own the instance, "
            "the runners, and everything that connects to it. I also own the platform budget, "
            "which is why I'm the one who priced Ultimate. Twice."
        ),
        history=(
            "Since 2014, on the free self-managed edition at first. We moved to Premium "
            "in 2019, when the instance passed a thousand users and we needed support we could "
            "call at night."
        ),
        guide=(
            ("u_trigger", "renewal_quote"),
            ("u_capabilities", "security_scanning"),
            ("u_quote", "gap"),
            ("u_business_case", "blocked"),
            ("u_trial", "key_hassle"),
            ("u_trueup", "spreadsheet"),
            ("u_visibility", "script"),
            ("u_identity", "ldap"),
            ("u_adoption_premium", "ci_heavy"),
            ("u_ai_addon", "not_interested"),
            ("u_saas", "downtime"),
            ("u_support", "slow"),
            ("u_renewal", "negotiating"),
            ("u_wish", "mixed_tiers"),
        ),
        own={
            "u_trigger": "That was the first time. The second time, a year later, I asked for it "
            "myself, after a security incident at another rail operator that everyone in the "
            "industry heard about.",
            "u_capabilities": "Rail is safety-critical, so every dependency in the signalling "
            "tools has to be traceable. Today we do that with a separate scanner and a lot of "
            "exports.",
            "u_business_case": "I even proposed moving those fifty people to a separate instance "
            "on Ultimate. Our security team vetoed it: two instances, two sets of policies, twice "
            "the audit work.",
            "u_trial": "And the trial key arrived on a Friday afternoon, so the maintenance "
            "window was the following Thursday. That's how it works with a change advisory board.",
            "u_visibility": "The script is about three hundred lines of Python. The engineer who "
            "wrote it has moved to another team since, so, um, I hope it doesn't break again.",
            "u_adoption_premium": "The pipelines for the depot systems run on our own runners in "
            "two data centres, and that part works well, I want to be clear. The product is good. "
            "The packaging is the issue.",
            "u_support": "The support engineer was good once we reached him. It's the queue "
            "before that which costs the time.",
            "u_renewal": "Our renewal is in March. If the true-up terms and the mixed tiers don't "
            "change, I expect we'll renew Premium and look again in a year.",
            "u_quote": "Both times we priced it, the conversation stopped at the same place: "
            "security scanning was the reason to buy, and it was also the line that doubled the "
            "quote.",
            "u_trueup": "The spreadsheet has one row per team, fourteen depots, three tabs. My "
            "colleagues call it 'the ledger'. [laughs]",
            "u_identity": "Every depot has its own Active Directory forest, for historical "
            "reasons, which makes it even more fun.",
            "u_saas": "And for a railway, the weekend is when we do our own maintenance on the "
            "tracks, so even a weekend is not free.",
        },
        extra={
            "u_trial": "The trial mostly told us the scanners work on our code. We knew that "
            "already. What we didn't learn was whether our developers would act on the findings.",
        },
        tics=("To be honest. ", "Hmm. ", "Okay. "),
        interviewer_labels="aside",
        closing="Maybe one thing: we're not against paying more. We're against paying more for "
        "people who will never see the difference.",
    ),
    (UPTIER, "amara"): Voice(
        format=OTTER_TXT,
        filename="Amara Okonkwo on-site visit 2026-09-23.txt",
        role=(
            "I'm director of DevOps for a hospital group. My team is twelve people, and we run "
            "the platform for about five and a half thousand developers and analysts. Most of my "
            "week is split between keeping the instance healthy and proving to auditors that "
            "it's healthy. [laughs] We moved from Premium to Ultimate in March, after an audit."
        ),
        scene=(
            (
                INTERVIEWER,
                "Could you show us what you'd normally do when the auditors send their evidence "
                "request?",
            ),
            (
                PARTICIPANT,
                "Sure. So this is the compliance dashboard. Every project that touches patient "
                "data is in this framework, and you can see which ones are missing an approval "
                "rule. Three, today. Before Ultimate, I'd have found out in the audit.",
            ),
            (INTERVIEWER, "What happens with those three?"),
            (
                PARTICIPANT,
                "I'll message the team leads. Usually it's a new project that someone created "
                "outside our template. Then the export: I filter the audit events by project, "
                "export them as CSV, and paste them into the auditor's template. That part is "
                "still manual, and it takes me an afternoon.",
            ),
            (INTERVIEWER, "You applied the same filters again just now. Is that usual?"),
            (
                PARTICIPANT,
                "Every time. The filters aren't saved, so I keep them on a sticky note. [laughs] "
                "You can write that down.",
            ),
        ),
        scene_intro="Thank you, that's really helpful to see. Let me ask a few questions about "
        "how you got here.",
        history=(
            "We've had the instance since about 2017. Premium from 2020, Ultimate since "
            "March this year. I joined in 2021, so I inherited most of it."
        ),
        guide=(
            ("u_trigger", "audit"),
            ("u_capabilities", "compliance"),
            ("u_business_case", "exec_sponsor"),
            ("u_security_review", "smooth"),
            ("u_identity", "saml"),
            ("u_adoption", "rolled_out"),
            ("u_enablement", "champions"),
            ("u_visibility", "dashboard_ok"),
            ("u_trueup", "managed"),
            ("u_cicd", "all_in"),
            ("u_support", "tam"),
            ("u_renewal", "multi_year"),
            ("u_wish", "usage_data"),
        ),
        own={
            "u_capabilities": "In healthcare, every change to a system that touches patient data "
            "needs a documented approval. The compliance framework tracks that for us now, per "
            "project.",
            "u_business_case": "Our CTO also put it in the same budget line as the audit "
            "remediation, which is the one budget line nobody questions in a hospital group.",
            "u_security_review": "We added one thing: a data processing review, because of "
            "patient data, even though the instance is ours. Two meetings, no surprises.",
            "u_identity": "We also needed a separate group for contractors from the clinical "
            "software vendors. That took a few iterations to get right.",
            "u_visibility": "I also watch the compliance features specifically. If a team stops "
            "running its compliance pipeline, I want to know before the auditors do.",
            "u_cicd": "Moving CI was what made the compliance case work. You can't enforce a "
            "pipeline you don't run.",
            "u_support": "Our technical account manager even joined our audit preparation call "
            "once, which was above and beyond.",
            "u_renewal": "The price lock was what our finance director cared about. Healthcare "
            "budgets are set eighteen months ahead.",
            "u_trigger": "The auditors spent four days with us the time before. This time it "
            "was one and a half.",
            "u_trueup": "Before the true-up I cross-check the billable users against an HR "
            "export. On the day before the last one, the two numbers differed by sixty-three.",
            "u_adoption": "One team refused for a month, because their pipelines took four "
            "minutes longer with scanning. We fixed it with caching, and now they're the ones "
            "who complain loudest when a scanner is down.",
        },
        extra={
            "u_business_case": "The sponsor matters more than the document, in my experience. Our "
            "CTO carried it through two budget meetings I wasn't even in.",
            "u_cicd": "The cake was lemon, since you ask. [laughs] The team put a picture of the "
            "last Jenkins job on it.",
            "u_renewal": "Three years felt long at the time. Now I'm glad, because next year's "
            "budget is already tight.",
            "u_visibility": "The dashboard answers 'how many'. It still doesn't answer 'who "
            "hasn't logged in for ninety days' without an export.",
            "u_capabilities": "The compliance framework labels were the thing our auditors liked "
            "most. They could see, per project, which controls apply. That replaced a spreadsheet "
            "they used to send us.",
        },
        tics=("Yeah. ", "So. "),
        closing="Just that compliance sells itself in healthcare. Nobody needs to convince me "
        "about audits. Convince me the export will stop being an afternoon of copy and paste.",
    ),
    (UPTIER, "kenji"): Voice(
        format=TEAMS_VTT,
        filename="Kenji Watanabe - Ultimate evaluation interview.vtt",
        role=(
            "I manage the developer tools team, eight engineers. We support about two thousand "
            "one hundred engineers across the group: the instance, the CI templates, the "
            "internal developer portal. I report to the VP of engineering, and she's the one who "
            "asked me to look at Ultimate for planning."
        ),
        history=(
            "About six years. The instance was set up by my predecessor, before two "
            "business units merged. We moved it to new hardware last year."
        ),
        guide=(
            ("u_trigger", "engineers"),
            ("u_capabilities", "portfolio"),
            ("u_trial", "no_trial"),
            ("u_business_case", "spreadsheet"),
            ("u_quote", "confusing"),
            ("u_trueup", "surprise"),
            ("u_identity", "scim_wish"),
            ("u_adoption_premium", "basic"),
            ("u_cicd", "migrating"),
            ("u_ai_addon", "trialled_staging"),
            ("u_saas", "residency"),
            ("u_support", "good"),
            ("u_wish", "trial_easy"),
        ),
        own={
            "u_trigger": "The first request came from a product manager who had used epics at her "
            "previous company. She filed a ticket with our team titled 'please buy Ultimate', "
            "which I still have.",
            "u_trial": "I asked whether we could have a sandbox on the vendor's side, with our "
            "data imported. The answer was that trials are for SaaS or for our own instance, "
            "nothing in between.",
            "u_business_case": "My spreadsheet compared the planning features with the tool our "
            "product managers already pay for. On price alone, we'd save a little. On migration "
            "effort, we'd lose a lot.",
            "u_quote": "The quote was also in US dollars, and our finance team needs yen at a "
            "fixed rate for the year. That took another two weeks.",
            "u_trueup": "We learned to create one service account per system, not per job. That's "
            "in our onboarding guide now, in bold.",
            "u_identity": "Our identity team already supports SCIM for other tools, so it's not a "
            "technical problem. It's a priority problem.",
            "u_adoption_premium": "Our internal portal links to the instance for everything, so "
            "for most engineers the platform is simply where code lives. They don't know what "
            "tier it is.",
            "u_support": "Support answered in English, and for complex issues that's fine. For "
            "our junior engineers, it's a barrier.",
            "u_capabilities": "And the planning views have to work well in Japanese. In the "
            "demo, some labels on the roadmap were cut off. A small thing, but people notice.",
            "u_saas": "For us it's Japan. Some repositories contain network code that must stay "
            "in the country, by law.",
            "u_cicd": "The migration template was written by one of my engineers over a "
            "holiday week. I should probably give her a prize.",
        },
        extra={
            "u_trigger": "Bottom-up requests are good, because people really want the feature. "
            "But they come without a budget, and my VP asks me what we'd stop paying for.",
            "u_trial": "A trial with real teams on real projects is what I wanted. Demos are "
            "always perfect.",
            "u_identity": "Last year an engineer who had left still had access for three weeks. "
            "Nothing happened, but it was a finding in our internal audit.",
            "u_wish": "Even a trial on a copy of our instance, hosted by the vendor, would be "
            "enough.",
            "u_quote": "I understood it in the end. But I had to explain it to our finance team, "
            "and I'm not sure I explained it correctly. [laughs]",
        },
        tics=("Hmm. ", "Yes. ", "Uh, let me think. "),
        closing="Please don't quote me with my company. [laughs] Our legal team would be very "
        "unhappy. But I think what I said is common.",
    ),
    (UPTIER, "isabela"): Voice(
        format=TIMED_TXT,
        filename="2026-10-21_onsite_interview_security_architecture.txt",
        role=(
            "I'm an information security architect. I work in the security architecture team, "
            "and I'm responsible for how security tools fit into the software delivery platform. "
            "We have around four thousand six hundred developers. The platform team runs the "
            "instance; I decide what it must enforce."
        ),
        history=(
            "The bank has used it since 2018, Premium first, and Ultimate since early "
            "2025. I've been in security architecture for six years, so I was there for both "
            "decisions."
        ),
        guide=(
            ("u_trigger", "account_team"),
            ("u_capabilities", "security_scanning"),
            ("u_security_review", "bank"),
            ("u_trial", "staging_copy"),
            ("u_identity", "saml"),
            ("u_adoption", "rolled_out"),
            ("u_enablement", "workshop"),
            ("u_visibility", "blind"),
            ("u_trueup", "managed"),
            ("u_ai_addon", "not_allowed"),
            ("u_saas", "residency"),
            ("u_support", "slow"),
            ("u_renewal", "negotiating"),
            ("u_wish", "usage_data"),
        ),
        own={
            "u_trigger": "Our account manager also invited us to a customer round table with two "
            "other banks. Hearing them describe the same problems was more convincing than any "
            "slide.",
            "u_security_review": "The data protection officer's only question was about "
            "telemetry: what the instance sends home. We switched that off and documented it.",
            "u_identity": "We also enforce two-factor authentication on top of SSO for anyone "
            "with maintainer rights. That was our own requirement, not the product's.",
            "u_adoption": "We publish a monthly report of open critical vulnerabilities per "
            "business unit. The first month it was embarrassing. Now the business units compete "
            "for the shortest list.",
            "u_visibility": "For licences we rely on the billable users number, and for a bank "
            "with many contractors, that number moves every week.",
            "u_trueup": "Contractors are the hard part. They come and go with projects, and their "
            "accounts stay active until someone notices.",
            "u_saas": "We did ask about the dedicated offering in our region. The answer was 'on "
            "the roadmap', which in my experience means not this year.",
            "u_support": "The first line is fast and polite, but for a bank's self-managed "
            "instance, the first line rarely has the answer.",
            "u_capabilities": "Container scanning mattered as much as dependency scanning: we "
            "had images in production that nobody had rebuilt in two years.",
            "u_trial": "We also needed the trial to pass our change process, like any change "
            "to a production-like system. Two approvals, one week.",
            "u_renewal": "And for us a renewal goes through the same vendor risk review again. "
            "Every two years, the three months start over.",
        },
        extra={
            "u_trueup": "We now run the clean-up every quarter, the week before the count. It's "
            "in the platform team's calendar like a release.",
            "u_enablement": "The workshops were run by our own champions, with material the "
            "solutions architect helped us prepare. In Portuguese, which mattered.",
            "u_ai_addon": "Our developers ask about it every month. The demand is there. The "
            "policy isn't.",
            "u_wish": "And I'd like that usage report in a format I can give to our audit "
            "committee without editing it.",
            "u_adoption": "We also agreed that security findings never block a hotfix, only a "
            "normal merge. That one rule ended most of the complaints.",
        },
        tics=("Okay. ", "Well. "),
        opening="Yes, of course. And sorry about the visitor badge process downstairs, it's "
        "the same for everyone.",
        closing="I would add one thing: in a bank, the security team is often the one who buys "
        "Ultimate, not engineering. Talk to security teams too.",
    ),
    (UPTIER, "henrik"): Voice(
        format=SRT,
        filename="henrik_lindqvist_2026-11-04.srt",
        role=(
            "I'm the CTO. We're an energy company, so software is not what we sell, but about "
            "thirteen hundred people write code for us: trading systems, grid monitoring, the "
            "apps. I have a platform team of six who run our own instance, and I sign off "
            "anything that costs more than a car. [laughs]"
        ),
        history=(
            "We set up the instance around 2016, Premium from the start, because we "
            "wanted support. Ultimate for one year, and now Premium again."
        ),
        guide=(
            ("u_trigger", "renewal_quote"),
            ("u_capabilities", "unclear"),
            ("u_security_review", "slow_legal"),
            ("u_identity", "scim_wish"),
            ("u_adoption", "shelfware"),
            ("u_enablement", "self_taught"),
            ("u_cicd", "separate"),
            ("u_visibility", "blind"),
            ("u_account_team", "new_rep"),
            ("u_trueup", "surprise"),
            ("u_renewal", "downtier"),
            ("u_support", "good"),
            ("u_wish", "usage_data"),
        ),
        own={
            "u_trigger": "The discount was generous, I'll say that. In hindsight, a generous "
            "discount on something you won't use is still money spent.",
            "u_capabilities": "We have a small security team, four people, and they were supposed "
            "to decide which scanners to switch on first. They never had the time.",
            "u_security_review": "It was the first time our legal team had seen a software "
            "contract with a true-up clause, and they wanted to understand it fully. That took a "
            "month by itself.",
            "u_identity": "Our platform team does a clean-up twice a year, which is also when "
            "we find accounts of people who left a year ago.",
            "u_cicd": "The CI tool we use was chosen by a team that no longer exists. Everyone "
            "agrees it should move. Nobody has the budget line.",
            "u_visibility": "When the account manager showed us the usage data at the renewal, it "
            "was the first time I'd seen it. I didn't know that view existed.",
            "u_account_team": "The account manager who sold us Ultimate left three months later. "
            "The next one only called when the renewal was close.",
            "u_support": "Support is genuinely good, for what it's worth. Our platform team likes "
            "them.",
            "u_adoption": "I'll take my share of the blame. I signed it. But nobody checked on "
            "us either.",
            "u_renewal": "For the record, we may come back. But next time it will be with a "
            "rollout plan and a named owner before I sign.",
            "u_trueup": "That was the year before we down-tiered. It didn't help the mood.",
        },
        extra={
            "u_identity": "It also feeds the true-up problem: every leaver we forget is a seat we "
            "pay for.",
            "u_cicd": "If you ask my platform team, moving CI is the real project, and Ultimate "
            "was a distraction from it. They might be right.",
            "u_support": "Our platform lead once said support is the best part of the product. I "
            "think that was only partly a joke.",
            "u_wish": "A named person, for the first ninety days after buying, whose job is to "
            "make sure we use what we bought. I'd even pay for that.",
            "u_adoption": "The security features were bought for a compliance programme that was "
            "cancelled in the spring. Nobody thought to tell the platform team to stop preparing "
            "the rollout, or to start it. It just stopped.",
        },
        tics=("Well. ", "Hmm. ", "Right. "),
        closing="Only that down-tiering felt like a failure on our side, and it shouldn't have. "
        "We learned something. I hope the vendor did too.",
    ),
    (UPTIER, "priyanka"): Voice(
        format=TEAMS_VTT,
        filename="Ultimate pricing - sourcing interview (Priyanka Deshmukh).vtt",
        role=(
            "I'm a senior manager in strategic sourcing. I look after software and services for "
            "engineering, among other categories, so anything from chip design tools to, well, "
            "this. I'm not technical. My job is to make sure we pay a fair price and that the "
            "contract doesn't surprise us in year two."
        ),
        history=(
            "This is my first time buying from this vendor. Engineering has used the "
            "product for years on Premium, but the renewals were handled by a colleague who has "
            "since left."
        ),
        guide=(
            ("u_trigger", "procurement_request"),
            ("u_business_case", "cost_model"),
            ("u_benchmark", "benchmark"),
            ("u_quote", "itemised"),
            ("u_security_review", "questionnaire"),
            ("u_trueup", "risk"),
            ("u_visibility", "blind"),
            ("u_ai_addon", "not_interested"),
            ("u_account_team", "proxy"),
            ("u_renewal", "negotiating"),
            ("u_wish", "predictable"),
        ),
        own={
            "u_ai_addon": "It appeared on the quote with a discount, which made it look free. "
            "Nothing on a quote is free.",
            "u_wish": "Predictability is worth more to us than a discount. I'd trade five per "
            "cent of discount for a cap.",
            "u_account_team": "I understand the structure. But in sourcing, you learn to ask "
            "early who can actually say yes.",
            "u_quote": "And the quote was a PDF. I had to retype it into our sourcing system line "
            "by line.",
            "u_benchmark": "Engineering's preference was clear, which weakens my negotiating "
            "position, honestly. Vendors can tell when the buyer has already decided.",
            "u_trueup": "I'd accept a true-up at the contract price, but quarterly, with a cap at "
            "fifteen per cent. That's standard in our cloud agreements.",
            "u_trigger": "Six thousand eight hundred seats, it turned out. That's everyone with "
            "a login, including people who haven't logged in for a year.",
            "u_business_case": "The CFO's first question was not 'is it worth it', it was 'what "
            "is the worst case'. I couldn't answer that for year two.",
            "u_security_review": "Procurement itself was quick. We have a framework agreement "
            "template, and the vendor accepted most of it. The security review was the long "
            "pole.",
            "u_visibility": "When I asked engineering how many of the six thousand eight hundred "
            "are active, I got three different numbers from three people.",
            "u_renewal": "We have eighteen months left on the current term, so the up-tier would "
            "mean co-terming, and the co-terming maths is another thing I had to build myself.",
        },
        extra={
            "u_trigger": "And 'everyone' turned out to be a political word. Every department head "
            "had a different definition.",
            "u_security_review": "For the next renewal I'll send the self-managed questionnaire "
            "answers to our security team on day one.",
            "u_ai_addon": "From a sourcing point of view, I just want it off the quote until "
            "someone asks for it.",
            "u_wish": "A band would be ideal: pay for between six and seven thousand seats, and "
            "only true up if we leave the band.",
            "u_quote": "In sourcing, when a vendor makes the price hard to compare, we assume "
            "it's on purpose. It may not be. But that's the reflex.",
            "u_trueup": "I compare it with our cloud contracts. There, growth is also billed, but "
            "monthly, so nobody gets a shock in month thirteen.",
            "u_benchmark": "The reference call was useful for one thing: they told us which "
            "clauses they'd negotiated. That's worth more than any brochure.",
        },
        tics=("Right. ", "Okay, so. "),
        closing="Only that engineering and procurement want the same thing here: a price we "
        "can explain. We just ask the question in different words.",
    ),
    # --- Mid-Market first order with the AI add-on: customers -----------------------------------
    (FIRST_ORDER, "chloe"): Voice(
        format=ZOOM_VTT,
        filename="GMT20260917-160431_Recording.transcript.vtt",
        label="Chloé Tremblay (she/her)",
        role=(
            "I'm an engineering manager at a health-tech company, about three hundred people, a "
            "hundred and twenty of them in engineering. I manage two squads directly, and I ended "
            "up as the internal champion for the platform move, mostly because I kept asking for "
            "it. [laughs]"
        ),
        history=(
            "We moved from another platform about eighteen months ago, first on the free "
            "tier for a pilot, and the paid order came in June."
        ),
        guide=(
            ("f_trigger", "consolidation"),
            ("f_trial", "two_squads"),
            ("f_value", "metrics"),
            ("f_seats", "everyone"),
            ("f_ai_security", "data_retention"),
            ("f_procurement", "paperwork"),
            ("f_onboarding", "slow"),
            ("f_identity", "okta_scim"),
            ("f_usage", "dropped"),
            ("f_handoff", "lost_promise"),
            ("f_enablement", "workshop"),
            ("f_pricing_addon", "per_seat_all"),
            ("f_renewal", "cut"),
            ("f_wish", "usage_by_person"),
        ),
        own={
            "f_wish": "Then the renewal conversation is about who uses it, not about a number "
            "nobody can explain.",
            "f_trigger": "We also had a compliance audit coming, as a health company, and one "
            "platform made that story simpler.",
            "f_value": "Our CFO is an engineer by training, so he wanted the before-and-after "
            "cycle time anyway. He was fair about the release caveat.",
            "f_seats": "A hundred and twenty seats. Sixty days later, about forty people use it "
            "weekly.",
            "f_ai_security": "We're in health, so anything that sends code outside needs a "
            "review, even code without patient data. Our security team was careful, not "
            "obstructive.",
            "f_procurement": "The data processing agreement was the longest part. Our legal team "
            "wanted changes to the notice period for new sub-processors.",
            "f_onboarding": "The trial squads kept using the add-on during those three weeks, "
            "because their trial seats were extended. Everyone else waited.",
            "f_identity": "We use Okta for everything, so SCIM was a must. When it works, it's "
            "great: leavers lose access the same day.",
            "f_handoff": "To be fair, the customer success manager was great once she knew. It's "
            "the gap before that.",
            "f_pricing_addon": "We'll probably reduce the add-on seats at renewal to the forty or "
            "so who use it.",
            "f_enablement": "I'm planning the same workshop for the other teams, to see if usage "
            "comes back.",
            "f_trial": "The enthusiastic squad used it for everything, including things it's bad "
            "at. The sceptical squad used it for tests and documentation, and that's where it "
            "shines.",
            "f_usage": "It's not that it got worse. The novelty wore off, and nobody made it part "
            "of how we work.",
        },
        extra={
            "f_value": "The survey question was literally 'how annoyed would you be if we took it "
            "away, from one to five'. The average was four point two.",
            "f_enablement": "The workshop worked because it used our code. Generic examples get "
            "polite nods.",
            "f_renewal": "If I can show forty active users and growing, finance will keep forty "
            "seats. That's the deal I have in my head.",
            "f_handoff": "I forwarded the e-mail with the promise in it to three people before "
            "someone owned it. It felt like chasing my own order.",
        },
        tics=("So. ", "Yeah. ", "Um. "),
        interviewer_labels="aside",
        closing="Only that the trial was the best part of the whole process. Everything after it "
        "was slower than it needed to be.",
    ),
    (FIRST_ORDER, "marcus"): Voice(
        format=MARKDOWN,
        filename="2026-09-24 Marcus Johnson interview.md",
        label="Marcus",
        interviewer_labels="first",
        role=(
            "CTO of a fintech, eighty-five developers. I came up as an engineer, so I still "
            "review code on Fridays, which my team either loves or hates. I signed the first "
            "order myself, including the AI add-on for everyone."
        ),
        history=(
            "We started on the free tier about two years ago, for a side project. The "
            "main code base moved over this summer, with the paid order."
        ),
        guide=(
            ("f_trigger", "ai_curiosity"),
            ("f_trial", "no_trial_demo"),
            ("f_value", "gut"),
            ("f_seats", "everyone"),
            ("f_ai_security", "smooth_ai"),
            ("f_procurement", "smooth"),
            ("f_onboarding", "fast"),
            ("f_identity", "azure"),
            ("f_usage", "high"),
            ("f_handoff", "smooth_handoff"),
            ("f_enablement", "champions"),
            ("f_pricing_addon", "cheap"),
            ("f_support", "good"),
            ("f_renewal", "grow"),
            ("f_wish", "one_contact"),
        ),
        own={
            "f_procurement": "Our finance team set up the vendor in an afternoon, which is normal "
            "for us.",
            "f_identity": "Roles by hand is fine at eighty-five people. At two hundred it won't "
            "be.",
            "f_wish": "Look, we had that for most of the process, and it made the difference.",
            "f_trigger": "Look, I'll admit it's not the most rigorous way to start a purchase. "
            "But it got me into the conversation.",
            "f_trial": "The demo was on a Python project. We're mostly Kotlin. It worked fine on "
            "Kotlin too, as it turned out, but that was luck.",
            "f_value": "The decision was mine, and at this price I'm comfortable making a gut "
            "call.",
            "f_ai_security": "Our security lead is pragmatic. He got his answers and signed off "
            "within a week.",
            "f_onboarding": "SSO took one call. I was impressed, actually: the customer success "
            "manager had a checklist and we went through it in order.",
            "f_handoff": "The solutions architect even shared a summary of our trial questions "
            "with the customer success manager. Nobody asked us to repeat anything.",
            "f_pricing_addon": "I spend more on coffee for the team than on these seats. [laughs] "
            "Don't quote me on that.",
            "f_support": "I opened one ticket about an SSO group mapping. Fixed the next day.",
            "f_renewal": "I'd like the Ultimate security dashboards eventually. That's a "
            "next-year conversation.",
            "f_enablement": "People share tips in a Slack channel we made for it. It's the most "
            "active channel we have after the one about lunch.",
            "f_usage": "Look, I'll be honest, I was ready to be disappointed, because I bought "
            "it on a demo. But the numbers are good.",
            "f_seats": "Look, eighty-five seats is not a big decision for us. If it had been "
            "eight hundred, I'd have wanted a trial.",
        },
        extra={
            "f_trial": "Look, I'd still make the same decision. But I'd tell another CTO to do "
            "the trial, because the demo doesn't show you your own mess.",
            "f_ai_security": "He also asked whether we can turn it off per project. We can, for "
            "what we need, so that was that.",
            "f_onboarding": "The checklist is worth copying, by the way. Whoever wrote it knew "
            "what goes wrong.",
            "f_renewal": "And if the usage holds, I'll tell the account executive before she has "
            "to ask. That's the kind of relationship I want.",
            "f_usage": "The chat is the surprise. I thought people would live in it. They don't: "
            "they use the suggestions in the editor and forget the chat exists.",
        },
        tics=("Look. ", "Yeah. "),
        closing="Look, we're happy. Put that somewhere in your report, it's usually the unhappy "
        "ones who talk.",
    ),
    (FIRST_ORDER, "camila"): Voice(
        format=ZOOM_VTT,
        filename="GMT20261001-160007_Recording.transcript.vtt",
        role=(
            "I lead security engineering at a payments company. Six people in my team. We own "
            "application security, the scanners, secrets management, and we review every new "
            "tool that touches code, which is how I ended up reviewing the AI add-on."
        ),
        history=(
            "The company started on the free tier about two years ago. I joined the "
            "security team eighteen months ago, and the platform decision came in my first year."
        ),
        guide=(
            ("f_trigger", "security_mandate"),
            ("f_trial", "security_blocked"),
            ("f_ai_security", "reviewer"),
            ("f_value", "none"),
            ("f_procurement", "paperwork"),
            ("f_identity", "okta_scim"),
            ("f_onboarding", "fast"),
            ("f_handoff", "repeated"),
            ("f_support", "slow_ai"),
            ("f_renewal", "decide_later"),
            ("f_wish", "one_doc"),
        ),
        own={
            "f_ai_security": "Four good answers out of five is better than most vendors, to be "
            "clear. The fifth was the one that mattered to us.",
            "f_onboarding": "Premium was live within days. The add-on is the only part we left "
            "for later.",
            "f_renewal": "If the controls land before the renewal, I'll run a new review myself, "
            "and fast.",
            "f_wish": "I'd also like to be told when the answers change. The trust centre page "
            "changed twice during our review.",
            "f_trial": "The five engineers liked it. One of them wrote a note saying test "
            "generation saved him a day. That note is in my review.",
            "f_value": "I don't measure value, honestly. I measure risk. Someone else decides "
            "whether the value is worth it.",
            "f_identity": "For a security team, SSO with SCIM was non-negotiable from day one.",
            "f_support": "I asked support whether prompts are logged, and the first answer only "
            "covered SaaS, not the options we were looking at.",
            "f_trigger": "We'd been on the free tier for about ten months before that, for a "
            "few internal projects, so people already knew the product.",
            "f_procurement": "And I was on the other side of half of it: I wrote our "
            "questionnaire. [laughs] So I can't complain too much.",
            "f_handoff": "The security questions especially. I answered the same twelve "
            "questions about the AI features for three different people.",
        },
        extra={
            "f_procurement": "Our questionnaire has a section on AI now, because of this review. "
            "So the next vendor gets it from day one.",
            "f_trial": "Five people, one internal tool, three weeks. It told us the product "
            "works. It couldn't tell us whether it works for our real code.",
            "f_identity": "We also set up alerts for any account created outside SCIM. Two in the "
            "first month, both from a test.",
            "f_onboarding": "The customer success manager also sent us a security hardening guide "
            "without being asked. That was a good sign.",
            "f_support": "The answers on the AI side improved over those three weeks, to be fair. "
            "By the end they were precise.",
            "f_wish": "With the per-project switch listed in it, clearly: what it covers and what "
            "it doesn't.",
            "f_handoff": "By the third time I sent them my own summary document before the call. "
            "It helped, but it shouldn't be my job.",
            "f_renewal": "I want to be clear, I'm not against it. Our engineers liked what they "
            "saw. I just can't sign off something I can't switch off for the card-data "
            "repositories.",
        },
        tics=("Okay. ", "Right, so. "),
        closing="That security teams are not the enemy of these tools. Give us the controls and "
        "we'll be the ones who roll it out.",
    ),
    (FIRST_ORDER, "ethan"): Voice(
        format=OTTER_TXT,
        filename="Ethan Brooks - AI add-on trial.txt",
        role=(
            "I'm director of engineering at a games studio. Sixty engineers, three game teams "
            "and a small platform group. We ship on consoles and PC, so our builds are huge and "
            "our release dates are not negotiable."
        ),
        history=(
            "Since March. Before that, our own self-hosted tools, held together by one "
            "very patient person."
        ),
        guide=(
            ("f_trigger", "build_pain"),
            ("f_trial", "crunch"),
            ("f_value", "metrics"),
            ("f_seats", "pilot_group"),
            ("f_ai_security", "smooth_ai"),
            ("f_procurement", "smooth"),
            ("f_onboarding", "fast"),
            ("f_identity", "manual"),
            ("f_usage", "high"),
            ("f_handoff", "repeated"),
            ("f_enablement", "champions"),
            ("f_pricing_addon", "pool"),
            ("f_support", "good"),
            ("f_renewal", "grow"),
            ("f_wish", "usage_by_person"),
        ),
        own={
            "f_procurement": "The studio heads remembered the outages, so there was no debate "
            "about the money.",
            "f_onboarding": "The tools team moved first, by choice. They'd been waiting for this "
            "for a year.",
            "f_support": "When the runners misbehaved in the first week, the support engineer had "
            "seen the same thing at another studio.",
            "f_renewal": "The tools team would riot if we removed it. [laughs] So at least thirty "
            "seats are safe.",
            "f_handoff": "I had slides by the third call. That tells you something.",
            "f_trigger": "The person holding it together was on paternity leave during the second "
            "outage, which is how we found out he was holding it together.",
            "f_value": "The survey got forty-three answers, and the top comment was about test "
            "generation.",
            "f_seats": "Thirty seats first, for the tools team and the leads of each game team. "
            "The account executive wanted sixty, and we met in the middle on a price for thirty.",
            "f_ai_security": "We're a games studio. Our biggest secret is the next game, and the "
            "code isn't really the secret. So the review was short.",
            "f_identity": "Local accounts with two-factor, still. SSO is on the list, after the "
            "next release. There's always a next release. [laughs]",
            "f_pricing_addon": "We move people between game teams all the time. A pool of seats "
            "would fit how we work.",
            "f_enablement": "The gameplay programmers have mostly ignored it, and nobody has "
            "shown them why they shouldn't.",
            "f_trial": "Um, I should say, we were shipping a patch for a live game at the same "
            "time. Nobody slept much that month.",
            "f_usage": "The game teams use it differently. Gameplay programmers barely touch it; "
            "the tools team uses it all day.",
        },
        extra={
            "f_trigger": "He's fine, by the way. [laughs] He runs the platform group now, with "
            "two more people.",
            "f_seats": "Thirty was the right number. We'll add the next thirty when the gameplay "
            "teams ask, not before.",
            "f_identity": "Our studio runs on whatever keeps the build green. SSO will come when "
            "a publisher asks for it.",
            "f_pricing_addon": "Right now, when someone moves from the tools team to a game team, "
            "I remove and reassign the seat by hand. It's five minutes, but I forget.",
            "f_usage": "The tools team wrote an internal page of 'prompts that work on our "
            "engine'. That page did more than any training.",
            "f_value": "Our CFO didn't ask for much. The studio heads trusted the leads. But I "
            "wanted a number for myself, to know whether I was fooling myself.",
        },
        tics=("Uh. ", "Yeah, so. ", "Ha. "),
        closing="Maybe that crunch is a terrible time to trial anything, and also the only time "
        "we'd have noticed the difference. Make of that what you will. [laughs]",
    ),
    (FIRST_ORDER, "fatima"): Voice(
        format=TEAMS_VTT,
        filename="Fatima Al-Sayed - procurement interview.vtt",
        role=(
            "I'm a procurement manager at an insurance company. I handle most of our software "
            "buying outside the big core systems: HR tools, collaboration, security, and now, "
            "apparently, developer tools. [laughs] I negotiated this first order, including the "
            "AI seats. Before this I spent six years buying for a bank, so I know contracts. I "
            "just didn't know this vocabulary."
        ),
        history=(
            "We signed in August, so about three months ago. Engineering had been on the "
            "free tier for a while, I'm told, but that was before I was involved."
        ),
        guide=(
            ("f_trigger", "procurement_request"),
            ("f_trial", "not_involved"),
            ("f_value", "procurement_view"),
            ("f_seats", "procurement"),
            ("f_ai_security", "model_training"),
            ("f_procurement", "first_time"),
            ("f_pricing_addon", "per_seat_all"),
            ("f_handoff", "lost_promise"),
            ("f_usage", "unknown"),
            ("f_renewal", "cut"),
            ("f_wish", "one_doc"),
        ),
        own={
            "f_value": "I've asked for a proper usage review at sixty days, with names, so that "
            "next time the slide has numbers on it.",
            "f_pricing_addon": "For three hundred seats, the difference between 'everyone' and "
            "'the people who use it' is a real number. It would have paid for a junior analyst.",
            "f_wish": "And a glossary. I keep coming back to the glossary. [laughs]",
            "f_trial": "I asked whether there had been a trial, and there had, with twenty "
            "people, but nobody had written down what they found.",
            "f_procurement": "The account executive was patient, I'll give her that. She "
            "explained the difference between a seat and a user three times.",
            "f_handoff": "The workshop was promised to engineering, not to me, so I only heard "
            "about it when their director complained.",
            "f_renewal": "I'll be at that renewal, and I'll ask for usage by person before we "
            "talk about price.",
            "f_trigger": "The note said 'urgent' and the quote expired in nine days. Every "
            "vendor quote expires in nine days, I've learned. [laughs]",
            "f_seats": "Three hundred seats of something I couldn't explain to my own manager. "
            "That's not a comfortable position for procurement.",
            "f_ai_security": "I had never negotiated a clause about model training before. I "
            "had to ask our legal team what it should even say.",
            "f_usage": "It's on my list for the sixty-day check. I set the reminder. Whether "
            "engineering shows up to that meeting is another question.",
        },
        extra={
            "f_handoff": "I've since asked for a named contact on the vendor side for the "
            "renewal. I got a name. We'll see if it's the same name in August.",
            "f_trigger": "The urgency was real, it turned out: the engineering director had a "
            "deadline for a new product. But nobody told me that until I asked.",
            "f_ai_security": "The clause we ended up with is three sentences. It took a month to "
            "write three sentences. [laughs]",
            "f_renewal": "I'll also ask for the add-on to be co-termed with the platform, so "
            "there's one renewal date, not two.",
            "f_trial": "If there had been a one-page summary of the trial, I'd have used it word "
            "for word in my approval memo.",
            "f_procurement": "What I'd have liked is a one-page glossary: tier, add-on, seat, "
            "true-up, what's negotiable, what's not. I'd have read it twice and been ready.",
            "f_pricing_addon": "For a renewal I'd want to buy what's used plus a margin. "
            "Paying for idle seats is the thing finance remembers.",
        },
        tics=("Okay. ", "Hmm. "),
        opening="Yes, that's fine. And sorry again about last week, the board meeting ran "
        "over and I couldn't even send a message.",
        closing="Maybe that you should talk to more procurement people. We're the ones who have "
        "to explain the invoice a year later. We don't need to understand the code. We need to "
        "understand what we're paying for, and when.",
    ),
    (FIRST_ORDER, "noah"): Voice(
        format=SRT,
        filename="noah_whitfield_interview_2026-11-12.srt",
        role=(
            "I'm the DevOps lead at a lab-automation company. Forty-five developers, and the "
            "platform runs on our own instance in our data centre, because some of our customers "
            "insist on it. It's me and one other person running it."
        ),
        history=(
            "The instance has been running since 2015, and I've looked after it for five "
            "years. Premium since this spring."
        ),
        guide=(
            ("f_trigger", "customer_audit"),
            ("f_trial", "network_blocked"),
            ("f_value", "none"),
            ("f_ai_security", "data_retention"),
            ("f_procurement", "smooth"),
            ("f_onboarding", "selfmanaged"),
            ("f_identity", "azure"),
            ("f_usage", "unknown"),
            ("f_handoff", "repeated"),
            ("f_enablement", "none"),
            ("f_support", "good"),
            ("f_renewal", "decide_later"),
            ("f_wish", "trial_self_managed"),
        ),
        own={
            "f_procurement": "The one thing that slowed us down was the licence key: it went to "
            "the person who signed, not to me, and he was on holiday.",
            "f_handoff": "Next time I'll open every call with 'we are self-managed, behind a "
            "proxy', like a disclaimer. [laughs]",
            "f_renewal": "I want it to work. The five people who use it tell everyone else what "
            "they're missing.",
            "f_wish": "And a test command I can run before the trial starts, that says which "
            "endpoints are blocked. That alone would have saved two weeks.",
            "f_trigger": "We'd also outgrown doing backups of the instance by hand, which Premium "
            "didn't fix, but the support contract helps.",
            "f_value": "Without the trial actually running, the only evidence we had was the demo.",
            "f_ai_security": "Our customers ask where their data goes, even though they care "
            "about our firmware, not our code. So I had to understand the data flows for them, "
            "too.",
            "f_onboarding": "Premium itself took an afternoon: licence key, restart, done.",
            "f_usage": "The five people who got it working through the proxy use it daily. The "
            "rest can't.",
            "f_support": "Support found the missing endpoint in the end. Two tickets, but the "
            "second one went to someone who knew.",
            "f_enablement": "There's nothing to teach yet, honestly. First it has to work for "
            "everyone.",
            "f_trial": "I filed a firewall change request with the list of endpoints we "
            "eventually got. It had three revisions, because the list changed while we waited.",
            "f_identity": "And, um, for a self-managed instance, the SSO docs assume you know a "
            "lot already. We did, luckily.",
        },
        extra={
            "f_identity": "The SSO part was fine. Mapping Azure AD groups to roles is where we "
            "spent the time, and it's still partly by hand.",
            "f_value": "I'd still like to run a proper trial once the network is sorted. Two "
            "weeks, everyone, real code.",
            "f_ai_security": "The data retention answer was good. The trouble was finding it: it "
            "was in a blog post, not in the documentation.",
            "f_usage": "The report shows a handful of heavy users and a long tail of zeros. The "
            "zeros are mostly people on the other network segment.",
            "f_renewal": "I'd also want a trial for the other half of the team before we decide. "
            "Not a demo. A trial.",
            "f_onboarding": "We got about half the team behind the proxy working in the second "
            "month. The other half are on a network segment that needs another change request.",
            "f_trial": "What I'd have needed is a page that says: for self-managed, open these "
            "endpoints, on these ports, and here's how to test it before the trial starts. That "
            "page didn't exist, or I couldn't find it.",
        },
        tics=("Yeah. ", "So. "),
        closing="Just that self-managed customers are still customers for the AI features. It "
        "felt like we were an afterthought.",
    ),
    # --- Mid-Market first order: Brightforge's own team ------------------------------------------
    (FIRST_ORDER, "sarah"): Voice(
        format=MARKDOWN,
        filename="AE interview - Sarah Chen.md",
        role=(
            "I'm an account executive on the Mid-Market team for AMER. I closed fourteen first "
            "orders in the first half of the year, nine of them with the AI add-on. Before this I "
            "sold observability software for four years, so I'm used to technical buyers."
        ),
        history=(
            "A little over two years here. I started in SMB and moved to Mid-Market last "
            "year. Before that, four years selling observability tools."
        ),
        guide=(
            ("i_deal_shape", "ae"),
            ("i_trials", "ae"),
            ("i_seats", "ae"),
            ("i_security", "ae"),
            ("i_pricing", "ae"),
            ("i_handoff", "ae"),
            ("i_onboarding", "ae"),
            ("i_usage", "ae"),
            ("i_renewal", "ae"),
            ("i_tools", "ae"),
            ("i_wish", "ae"),
        ),
        own={
            "i_pricing": "A customer once told me the add-on was 'cheap per seat and expensive "
            "per company'. I've used that line internally ever since.",
            "i_renewal": "The ones who cut to zero rarely come back within the year.",
            "i_wish": "And I'd like the customer success manager assigned before the deal closes, "
            "so I can introduce them while the customer still likes me. [laughs]",
            "i_deal_shape": "The ones that go well have a champion who's used the product "
            "somewhere else. The ones that stall have a buyer who read about AI in a board pack.",
            "i_trials": "The other trouble is that a trial extension is a manual request to "
            "the deal desk. I've learned to ask for forty-five days up front and hope.",
            "i_seats": "And procurement teams love one number. If I quote sixty core seats and "
            "twenty add-on seats, I get a call asking why they don't match.",
            "i_security": "I had a deal slip a whole quarter because the customer's legal team "
            "wanted a clause about model training that our legal team had never written before.",
            "i_handoff": "I try to do a warm hand-off call with the customer success manager, "
            "but they're assigned after the deal closes, so for the first week there's nobody "
            "to hand off to.",
            "i_onboarding": "What I hear is usually SSO. The customer expects it to be done in "
            "a day, because I said it's standard, and then their identity team isn't available "
            "for three weeks.",
            "i_usage": "By renewal time, if the add-on isn't used, the conversation is about "
            "cutting seats, and I've lost the chance to help them use it.",
            "i_tools": "My spreadsheet is in a shared drive, and, honestly, nobody else knows it "
            "exists.",
        },
        extra={
            "i_onboarding": "The worst case is when a customer hears 'SSO is standard' from me, "
            "and their identity team hears about it for the first time at kickoff.",
            "i_usage": "I'd take a monthly e-mail with three numbers per account: seats, active "
            "users, trend. That's it.",
            "i_pricing": "The multi-year discount is the lever the deal desk likes most, because "
            "it locks in the add-on too.",
            "i_tools": "Once a quarter I copy the spreadsheet's promises into the CRM notes. Once "
            "a quarter is not enough, I know.",
            "i_seats": "The deal desk asks why because a smaller add-on order lowers the deal "
            "size, and deal size is what the quarter is measured on. Everyone knows it, nobody "
            "says it.",
            "i_security": "A single security pack for the AI add-on would save me more time than "
            "any other change I can think of.",
            "i_handoff": "Once I promised a customer a workshop on the AI features to get the "
            "deal signed. It was in my spreadsheet, not in the CRM. The customer success manager "
            "found out at the kickoff, from the customer. That was a bad day.",
            "i_trials": "The customers who buy after a trial buy more seats later. The ones who "
            "buy on a demo are quicker to sign and quicker to cut.",
        },
        tics=("Yeah. ", "So. ", "Hmm. "),
        closing="Maybe that sales is not against any of this. We'd love a cleaner hand-off. We "
        "just get measured on the signature, not on what happens after.",
    ),
    (FIRST_ORDER, "andre"): Voice(
        format=REV_TXT,
        filename="Andre Lefebvre SA interview 2026-10-22.txt",
        role=(
            "I'm a solutions architect on the Mid-Market team, AMER. I run the technical "
            "evaluations: trials, proofs of concept, the architecture calls, and for the last "
            "year, most of the AI add-on security questions, whether I like it or not. [laughs]"
        ),
        history=(
            "Three years as a solutions architect here, and before that eight years as a "
            "platform engineer at a bank. Which is why I end up with the security questions."
        ),
        guide=(
            ("i_deal_shape", "sa"),
            ("i_trials", "sa"),
            ("i_selfmanaged", "sa"),
            ("i_security", "sa"),
            ("i_seats", "sa"),
            ("i_pricing", "sa"),
            ("i_handoff", "sa"),
            ("i_onboarding", "sa"),
            ("i_usage", "sa"),
            ("i_tools", "sa"),
            ("i_wish", "sa"),
        ),
        own={
            "i_wish": "And honestly, some of these questions should be answered in the product: a "
            "settings page that says what data goes where.",
            "i_tools": "The Google doc has a changelog now. It's become more of a product than "
            "some products. [laughs]",
            "i_selfmanaged": "For one customer I sat with their network engineer for three "
            "afternoons. The trial was thirty days; ten of them were firewall rules.",
            "i_pricing": "When they sigh, I explain what the trial will show them. That usually "
            "turns the conversation back to the value.",
            "i_deal_shape": "The AI add-on changed my job more than anything else this year. "
            "Before, the security review was about the platform. Now it's about where the "
            "prompts go.",
            "i_trials": "I also set up a shared channel with the customer's engineers for the "
            "trial. That's where I learn whether anyone is using it.",
            "i_security": "The questions I get most: is our code used for training, how long "
            "are prompts retained, can we switch it off per project, and which sub-processors "
            "see the data.",
            "i_seats": "I had a deal with sixty developers where only fifteen used the trial "
            "seriously. We sold sixty seats. At the sixty-day check, fourteen were active.",
            "i_handoff": "The customer doesn't care which of us they talk to. They care that "
            "they don't have to explain their network twice.",
            "i_onboarding": "Self-managed customers need me most, because the AI features need "
            "network access out of their data centre, and nobody else on our side knows the "
            "details.",
            "i_usage": "A champion sent me a screenshot last week of their team's usage, asking "
            "if it was good. I didn't know what good looks like either.",
        },
        extra={
            "i_onboarding": "For SCIM, I've written the same three-paragraph e-mail maybe twenty "
            "times. I should turn it into a doc. I know. [laughs]",
            "i_tools": "The Slack channels are also where customers are most honest. On a call "
            "they're polite. In the channel they tell me it's broken.",
            "i_deal_shape": "It's changed who I talk to, too. Two years ago it was engineers. Now "
            "every third call has someone from security or legal on it.",
            "i_seats": "I've started adding a line to my trial summary: 'serious users: fifteen'. "
            "Whether the account executive uses it is another matter.",
            "i_usage": "If I could see trial usage per person, I'd know which champion to call "
            "after the deal. Right now I guess.",
            "i_wish": "Failing that, give me an hour a week on the calendar that's officially for "
            "the security doc. Then it's a job, not a favour.",
            "i_trials": "The check-in halfway is where I find out that half the team never got "
            "access. Usually it's SSO or the network. Usually it's fixable in a day.",
            "i_security": "I'd estimate I spend a day a week on it. Nobody planned for that, it "
            "just grew.",
            "i_handoff": "I keep a short 'customer brief' in the CRM now: architecture, who "
            "matters, what we promised. Not everyone reads it. But it exists.",
        },
        tics=("Yeah. ", "Hmm. "),
        closing="Only that the security questions are a product problem, not a sales problem. "
        "If the answers were in the product, I'd have my Fridays back.",
    ),
    (FIRST_ORDER, "keisha"): Voice(
        format=OTTER_TXT,
        filename="Keisha Robinson - kickoff observation.txt",
        role=(
            "I'm a customer success manager for Mid-Market accounts in AMER. I have about thirty "
            "accounts at the moment, and I onboard four or five new ones a month. Today you'll "
            "see a kickoff, which is where it all starts."
        ),
        scene=(
            (
                PARTICIPANT,
                "Welcome, everyone, and congratulations again on the order. The goal today is to "
                "agree what success looks like in your first ninety days, and to get SSO and "
                "provisioning on the calendar.",
            ),
            (
                "Rowan Pierce",
                "Thanks. Before we start, one thing: we were promised a workshop on the AI "
                "features for our team leads. Is that on your list?",
            ),
            (
                PARTICIPANT,
                "Let me check. I don't see it in my notes, but if it was promised, we'll do it. "
                "Could you forward me the e-mail, so I have the details?",
            ),
            (
                "Rowan Pierce",
                "Sure. It was with the account executive, in the last week of the deal.",
            ),
            (
                PARTICIPANT,
                "Thank you. Next, seats: you bought sixty seats of the add-on. Do you know yet "
                "who gets them first?",
            ),
            (
                "Rowan Pierce",
                "Everyone, in theory. In practice the two teams from the trial will use it, and "
                "the rest, we'll see.",
            ),
            (
                PARTICIPANT,
                "That's very normal. I'd suggest we look at the usage together at thirty days, "
                "and I'll show your team leads where the reports are.",
            ),
            (
                "Rowan Pierce",
                "And SSO? Our IT contact isn't on this call, unfortunately.",
            ),
            (
                PARTICIPANT,
                "No problem, I'll send a separate invite for the SSO setup. It usually takes one "
                "session with your identity team.",
            ),
        ),
        scene_intro="Thanks for letting us sit in on that. A few questions while it's fresh.",
        history=(
            "Four years in customer success, two of them here. Before that I was a "
            "support engineer, so I still read the tickets before every kickoff."
        ),
        guide=(
            ("i_deal_shape", "csm"),
            ("i_handoff", "csm"),
            ("i_seats", "csm"),
            ("i_security", "csm"),
            ("i_onboarding", "csm"),
            ("i_usage", "csm"),
            ("i_renewal", "csm"),
            ("i_tools", "csm"),
            ("i_trials", "csm"),
            ("i_wish", "csm"),
        ),
        own={
            "i_wish": "Even a thirty-minute call with the account executive and the customer "
            "before signature would save me the archaeology.",
            "i_security": "This quarter I had two customers with 'non-production only' approvals. "
            "Both times I found out at kickoff.",
            "i_usage": "When the report says forty per cent, customers ask which forty per cent. "
            "I can't tell them.",
            "i_trials": "The customer today had a good trial, and you could hear it: they asked "
            "about seats, not about whether to keep it.",
            "i_renewal": "For today's customer, the sixty-day check is already in the calendar. "
            "You saw me do it.",
            "i_deal_shape": "Before this call I spent about twenty-five minutes reading the "
            "notes and the account executive's e-mails, to piece together what was promised.",
            "i_handoff": "You saw it just now: the workshop. I'd never heard of it. That happens "
            "in maybe one kickoff in three.",
            "i_seats": "Sixty seats, two teams from the trial. I'd bet you lunch that at thirty "
            "days we're at twenty active users.",
            "i_onboarding": "And today the IT contact wasn't on the call, so the SSO session "
            "moves by a week. That's the most common delay I see.",
            "i_tools": "The spreadsheet has a column for 'promised in the deal', which I fill "
            "in at kickoff, from what the customer tells me. Which is backwards, I know.",
        },
        extra={
            "i_trials": "When the trial was messy, my first ninety days go into rebuilding trust, "
            "not driving adoption. Those accounts cut at renewal more often.",
            "i_seats": "Twenty active out of sixty is not a failure, by the way. It's a starting "
            "point. The failure is when nobody looks until the renewal.",
            "i_security": "If security approved it for non-production only, I plan the rollout "
            "around test code and documentation first. That's a different kickoff.",
            "i_usage": "Product told me per-person usage is 'on the roadmap'. I've heard that for "
            "both my years here.",
            "i_tools": "I once lost a promise because the spreadsheet was on my laptop during a "
            "hand-over to another CSM. Now it's in a shared drive, which is still not the CRM.",
            "i_onboarding": "When the SSO session slips, everything slips behind it: "
            "provisioning, the first projects, the first real usage. A week at the start is a "
            "month at the sixty-day check.",
            "i_handoff": "Half of my job is archaeology. The other half is apologising for "
            "things I didn't know we'd promised. [laughs] Don't put my name on that.",
        },
        tics=("Yeah. ", "So. ", "Hmm. "),
        closing="That kickoffs go better when the solutions architect joins. It's one call, "
        "and it saves the customer from explaining everything again. Even fifteen minutes of it "
        "would do.",
    ),
    # --- Product-led growth: free to paid --------------------------------------------------------
    (PLG, "zoe"): Voice(
        format=MARKDOWN,
        filename="zoe-van-den-berg-studio-visit.md",
        label="Zoë van den Berg",
        role=(
            "I'm one of the two founders of a small games studio, and the CTO, which in a studio "
            "of four means I'm also IT, the build engineer and the person who fixes the printer. "
            "[laughs] We were on the free tier for about seven months."
        ),
        scene=(
            (
                INTERVIEWER,
                "Could you show us the last release, the way you'd normally check on it?",
            ),
            (
                PARTICIPANT,
                "Yep. So this is the pipeline for the last build. Nine minutes, and six of those "
                "are the LFS upload of the art. Every time an artist changes a texture, that's "
                "what we pay for.",
            ),
            (INTERVIEWER, "And the note on your monitor?"),
            (
                PARTICIPANT,
                "[laughs] 'CI minutes: check on the 20th!' That's the day of the month when we "
                "usually start running low. I write the number underneath every month. It's my "
                "dashboard.",
            ),
            (INTERVIEWER, "It looks like the runner has stopped?"),
            (
                PARTICIPANT,
                "Oh, the laptop went to sleep. See, the job just queues and says nothing. I only "
                "notice when someone asks why their build is stuck. Give me a second... okay, "
                "it's picked up again.",
            ),
        ),
        scene_intro="Thanks, that's great. Let's step back to how it all started.",
        history=("About a year. Seven months on the free tier, and five on Premium now."),
        guide=(
            ("p_signup", "word_of_mouth"),
            ("p_first_value", "import"),
            ("p_limits", "ci_minutes"),
            ("p_approval", "founder_card"),
            ("p_pricing", "clear"),
            ("p_trial", "no_trial"),
            ("p_checkout", "vat"),
            ("p_workaround", "runner"),
            ("p_help", "community"),
            ("p_sso", "not_needed"),
            ("p_alternatives", "stayed"),
            ("p_growth", "stable"),
            ("p_wish", "warning"),
        ),
        own={
            "p_alternatives": "And our artists know where their builds are. Moving would mean "
            "teaching three non-engineers a new tool in the middle of a project.",
            "p_signup": "The friend also told me which parts to ignore. That's worth a lot when a "
            "product does so much.",
            "p_first_value": "Our first real work was the build for our first demo at a games "
            "festival. I set up the pipeline the night before. [laughs]",
            "p_approval": "My co-founder is the artist. He trusts me with anything that has "
            "'pipeline' in it.",
            "p_pricing": "Four people on Premium, it's a number I can hold in my head. If we were "
            "twenty, I'd think harder.",
            "p_trial": "If I'd known, I'd have trialled Premium before we ran out of minutes and "
            "avoided the midnight panic.",
            "p_help": "The Discord people also warned me about the LFS storage limit before I hit "
            "it. I'm watching it now.",
            "p_sso": "Maybe one day, if a publisher requires it. Publishers have surprising "
            "security requirements.",
            "p_wish": "A warning at eighty per cent of the CI minutes, on the pipeline page. "
            "That's all.",
            "p_growth": "We'll stay four, maybe five. Games studios grow for one project and "
            "shrink after it.",
            "p_limits": "I paid the first month at midnight, during a release, with my own card. "
            "Then I expensed it to myself. [laughs]",
            "p_checkout": "Dutch VAT numbers start with NL. The form wanted them without. Or with. "
            "I never found out which.",
            "p_workaround": "The laptop is from my previous job. It's older than the studio.",
        },
        extra={
            "p_approval": "I also promised myself to review it every six months. The first review "
            "was last week. We're keeping it.",
            "p_help": "The Discord has a channel just for CI. It's where I learned to cache the "
            "engine's build artifacts, which cut two minutes off every pipeline.",
            "p_signup": "She even sent me her old pipeline configuration. Half of our first "
            "pipeline is still hers. [laughs]",
            "p_first_value": "The festival demo worked, which is the main thing I remember about "
            "that week.",
            "p_checkout": "The invoice says the right thing now. It took two e-mails, both "
            "answered within a day, so I can't complain much.",
            "p_workaround": "We'll keep the laptop even on Premium. The minutes we save go to the "
            "bigger builds before a release.",
            "p_limits": "The worst part was not the money. It was not knowing, in the middle of "
            "a release, whether the problem was our code or our plan.",
        },
        tics=("Yeah. ", "Okay. ", "Hmm. "),
        closing="Only that small studios are a bit allergic to subscriptions. Every one of them "
        "is a decision for us, not a line in a budget.",
    ),
    (PLG, "ravi"): Voice(
        format=ZOOM_VTT,
        filename="GMT20261106-020512_Recording.transcript.vtt",
        role=(
            "I'm the lead engineer at a data consultancy. Twelve engineers, mostly data "
            "engineering for clients: pipelines, warehouses, some machine learning. I look after "
            "our own tooling, which is how I ended up choosing what we pay for. Before this I "
            "was at a bigger consultancy where someone else chose the tools, so this is new for "
            "me."
        ),
        history=("About eight months. Trial in March, paying since April."),
        guide=(
            ("p_signup", "search"),
            ("p_first_value", "day_one"),
            ("p_alternatives", "compared"),
            ("p_trial", "last_day"),
            ("p_pricing", "confusing"),
            ("p_approval", "finance"),
            ("p_checkout", "invoice"),
            ("p_limits", "none"),
            ("p_sso", "sso_tax"),
            ("p_help", "docs"),
            ("p_workaround", "cleanup"),
            ("p_growth", "clients"),
            ("p_wish", "usage_based"),
        ),
        own={
            "p_alternatives": "The spreadsheet is still in our shared drive. The pricing pages "
            "have all changed since, so it's a historical document now. [laughs]",
            "p_checkout": "Our finance person's phrase was 'a company that sends invoices should "
            "be able to receive one'.",
            "p_growth": "Clients ask about our tools' security certifications now, too, so the "
            "tier matters more than the seat count.",
            "p_signup": "I also liked that the free tier had private repositories without limits. "
            "Our client work is never public.",
            "p_first_value": "The Python template was good. We had tests running in CI on the "
            "first afternoon.",
            "p_pricing": "I compared it with two alternatives in a spreadsheet. The pricing pages "
            "were all different shapes, so the spreadsheet took longer than the decision.",
            "p_approval": "She agreed in the end because the monthly amount for twelve seats was "
            "under her approval limit, so nobody else needed to sign.",
            "p_limits": "We moved to paid before we hit any limit, because of the approvals in "
            "the trial.",
            "p_help": "The docs are good for data pipelines, actually. Better than for some other "
            "things.",
            "p_workaround": "Even on Premium we clean up artifacts. Old habits. [laughs]",
            "p_wish": "Our clients pay us by the hour. Our tools charge by the person. Somewhere "
            "in between would suit us.",
            "p_trial": "The approvals were the feature that mattered: our clients want two "
            "people to review every change to their pipelines.",
            "p_sso": "One client, a bank, required SSO for anyone touching their repositories. "
            "That alone almost pushed us to pay earlier.",
        },
        extra={
            "p_limits": "The CI minutes were never close to the limit. Our pipelines are mostly "
            "tests against small samples of client data.",
            "p_trial": "What I actually compared in the trial was merge request approvals and "
            "protected branches. That's what our clients audit.",
            "p_sso": "The bank's security team sent us a questionnaire with SSO as question one. "
            "That's when I looked at the tiers properly.",
            "p_growth": "If we win the two clients we're bidding for, we're sixteen engineers by "
            "summer, and every one of them is another seat.",
            "p_approval": "Her approval limit is a good thing for your pricing people to know "
            "about. Under it, a purchase takes a day. Over it, a month.",
            "p_pricing": "In the end I sent a question to sales, and the answer came a week after "
            "we'd already paid. It was helpful, just late.",
            "p_checkout": "We ended up paying by card, monthly, and our finance person exports "
            "the receipts every month by hand. Not a disaster. Just a bit silly for a company "
            "that bills its own clients by invoice.",
        },
        tics=("Okay. ", "Yeah. "),
        closing="Only that consultancies are a funny case: our clients' rules end up being our "
        "rules. Sometimes the client is the one who decides what we pay for.",
    ),
    (PLG, "meilin"): Voice(
        format=TIMED_TXT,
        filename="2026-11-13 interview {pseudonym}.txt",
        role=(
            "I'm the CTO of an e-commerce start-up, twenty people, eight of them engineers. We "
            "came in through the startup programme, and when the credits ran out we started "
            "paying. I'm the one who decided that, so I'm also the one who gets the questions."
        ),
        history=(
            "Two years. One year in the startup programme, then we started paying. I was "
            "the second engineer, so I set most of it up."
        ),
        guide=(
            ("p_signup", "startup_programme"),
            ("p_first_value", "runner_pain"),
            ("p_trial", "credits"),
            ("p_approval", "credits"),
            ("p_limits", "storage"),
            ("p_pricing", "per_seat"),
            ("p_checkout", "card_declined"),
            ("p_help", "nobody"),
            ("p_sso", "not_needed"),
            ("p_workaround", "cleanup"),
            ("p_alternatives", "stayed"),
            ("p_growth", "hiring"),
            ("p_wish", "small_team_plan"),
        ),
        own={
            "p_alternatives": "I'll look again at the next budget round. That's a promise I make "
            "to the CEO every year. [laughs]",
            "p_growth": "Four new engineers in the spring. Per seat, that's half again on the "
            "bill.",
            "p_first_value": "Our product images are processed in CI, and the shared runners were "
            "too slow for that. Our own runner on a cloud machine fixed it.",
            "p_trial": "When the credits ended, nobody had looked at alternatives for a year. The "
            "switching cost decided for us.",
            "p_approval": "The CEO's question was fair. By then it was our third-largest software "
            "line.",
            "p_pricing": "We pay for eight engineers. Two of them only touch the repositories "
            "once a month for data fixes, and they cost the same as everyone else.",
            "p_checkout": "The bank flagged it as a foreign subscription. I called them, they "
            "released it, and by then the checkout had timed out.",
            "p_sso": "For twenty people, Google accounts are fine.",
            "p_workaround": "The cleanup script runs in CI itself, once a night. It uses about "
            "two minutes of compute. [laughs]",
            "p_wish": "And a discount for startups in the first year after the programme ends. "
            "The cliff is steep.",
            "p_signup": "The programme gave us a year. Eleven months later I was asked to "
            "justify it, and I realised I had never compared it with anything.",
            "p_limits": "Our product images and test fixtures, mostly. Storage grows quietly "
            "until one day it doesn't.",
            "p_help": "I'll say the forum was good. But for a billing question, the forum is not "
            "where you want to post.",
        },
        extra={
            "p_pricing": "If there were a cheaper seat for people who only read and fix data once "
            "a month, I'd buy it today for those two.",
            "p_trial": "I'd tell another startup to run a real evaluation two months before the "
            "programme ends. We didn't, and we paid for it, literally.",
            "p_signup": "In the programme year we never thought about cost at all. That's the "
            "point of a programme, but it also means we learned nothing about value.",
            "p_limits": "I found out when a pipeline failed on a push of test fixtures. The error "
            "said storage, and I had no idea what was using it.",
            "p_checkout": "The second attempt worked. But for twenty minutes I thought we'd lose "
            "our pipelines at the end of the day.",
            "p_growth": "When we hire, I'll have to explain the per-seat cost again, because the "
            "line on the card statement will go up by half.",
            "p_help": "I'd have paid for a support contract during that week. There was no way to "
            "buy one for a team our size.",
        },
        tics=("Mm. ", "Okay. ", "Right. "),
        closing="Maybe that startups remember how you treated them when they were small. We'll "
        "be bigger one day. I hope. [laughs]",
    ),
    (PLG, "joao"): Voice(
        format=CHAT_TXT,
        filename="chat-interview-2026-11-19.txt",
        label="João",
        interviewer_labels="first",
        opening="yes sure, go ahead 👍 I prefer typing to talking anyway, my English is better "
        "written haha",
        role=(
            "we're a 3-person cloud consultancy. mostly infrastructure as code for clients: "
            "Terraform, Kubernetes, CI pipelines. I'm the one who set up all our tooling, so "
            "here I am 😅"
        ),
        history=(
            "since last year, around March. I moved our repos from the other platform in "
            "one evening, and my two colleagues only noticed "
            "the next morning"
        ),
        guide=(
            ("p_signup", "github_move"),
            ("p_first_value", "day_one"),
            ("p_limits", "seats"),
            ("p_pricing", "per_seat"),
            ("p_approval", "self_no"),
            ("p_trial", "didnt_bother"),
            ("p_workaround", "accounts"),
            ("p_help", "nobody"),
            ("p_sso", "sso_tax"),
            ("p_alternatives", "considered_leaving"),
            ("p_growth", "clients"),
            ("p_wish", "small_team_plan"),
        ),
        own={
            "p_signup": "the comparison posts were helpful actually, one of them had a table with "
            "CI minutes per month for each platform, and that table decided it. I didn't read "
            "much more than the table 😅",
            "p_first_value": "that was the moment I thought ok, this is good 🙂 I moved the other "
            "two repos the same night, and my colleagues found everything there in the morning",
            "p_limits": "and the contractor was for one month 🙃 one month! for that month we "
            "would pay for 4 people, then for 3 every month after, and all before we earn "
            "anything from it",
            "p_pricing": "in reais it's even worse, because the exchange rate moves every month, "
            "so the price is never the same twice. our clients pay us in reais, the tools charge "
            "in dollars",
            "p_approval": "we earn money, but not enough yet to pay per seat for tools. clients "
            "pay late haha. when the big client pays on time for 3 months, we talk again",
            "p_trial": "maybe later, when we have more clients. a trial when I can't pay at the "
            "end is just 30 days of getting used to something I will lose",
            "p_workaround": "I'm not proud of it haha. it works, but it's the kind of thing you "
            "do when you're small and you promise yourself you'll fix it later",
            "p_help": "the community is great, really. someone answered my runner question at 11 "
            "at night, with an example config. I never found out who it was",
            "p_sso": "the client was a bank. of course it was a bank 😅 they have rules for "
            "everything, and SSO was rule number one",
            "p_wish": "even if it costs the same as 2 seats, for 3 people, I would pay it. the "
            "problem is not the money, it's paying for a seat that nobody uses most of the month",
            "p_growth": "we want to be 5 next year, if the clients stay. at 5 people the price "
            "per seat starts to be a real number for us",
            "p_alternatives": "and moving everything again would take a weekend I don't have 😴",
        },
        extra={
            "p_signup": "the other platform had 2000 minutes but our Terraform runs are long, so "
            "we used them in two weeks",
            "p_limits": "in the end the contractor worked with a shared account for that month. "
            "not ideal, I know 🙈",
            "p_help": "I understand, for 3 people nobody in sales has time. but then I decide "
            "alone, and I decide no",
            "p_sso": "for that project we used the client's own instance, not ours. problem "
            "solved, but not by us",
            "p_alternatives": "every time I look, the others are also per seat. so it's not a "
            "reason to move, it's a reason to wait",
            "p_workaround": "if someone leaves a project, I have to remember to remove them in "
            "both groups. I forget. always",
            "p_pricing": "we looked at it twice. both times we stopped at the same number: "
            "price per seat × 3, every month, before we earn anything from it",
        },
        closing="no, I think that's it. thanks for doing it by chat, really 🙏 it's easier for me "
        "to say what I think when I can write it",
    ),
}
