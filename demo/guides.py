"""What the demo's interviewers ask and what participants answer, topic by topic.

A Topic is one part of an interview guide: the ways an interviewer asks it, the answers a
participant may give by *stance* (their situation: "surprise" for a true-up that caught them
out, "managed" for one they prepare for), and a probe with a follow-up answer for some stances.
Each participant's guide in voices.py picks topics and stances and adds lines of their own, so
two people with the same stance still tell different stories.

Nothing here names a participant or their company: transcripts are shown to viewers, who may
only see pseudonyms. Where a real transcript would name the company, the demo's are redacted
the way researchers do it, as "[company]".

Every question carries a word that tells a coder which journey stage it is about (trial →
Evaluation, quote → Purchase, set up → Onboarding, ...); demo.analysis relies on that.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from demo.studies import FIRST_ORDER, PLG, UPTIER


@dataclass(frozen=True)
class Topic:
    questions: tuple[str, ...]
    answers: Mapping[str, tuple[str, ...]]  # stance → variants
    follow_ups: Mapping[str, str] = field(default_factory=dict)  # stance → answer to a probe


# --- Openings and closings ----------------------------------------------------------------------

PURPOSE: dict[str, str] = {
    UPTIER: "how large teams that run their own instance decide between Premium and Ultimate",
    FIRST_ORDER: "how teams buy their first order with us, including the AI add-on, and what "
    "happens after they sign",
    PLG: "how small teams go from the free tier to paying, or decide not to",
}
INTERNAL_PURPOSE: dict[str, str] = {
    FIRST_ORDER: "how first orders with the AI add-on come together from the inside: selling "
    "them, the technical evaluation, and onboarding",
}

INTRODUCTIONS = (
    "Thanks so much for making the time today. As I mentioned in the invite, we're talking to a "
    "few people about {purpose}. There are no right or wrong answers, and we're not here to sell "
    "anything. Is it okay if we record? The recording stays with the research team, and any "
    "quote we share is pseudonymised.",
    "Hi, thanks for joining. Before we start: this is part of a study on {purpose}. I'd like to "
    "record, so I can listen rather than take notes. Quotes that leave the research team carry a "
    "participant number, never your name or your company. Does that work for you?",
    "Great, I think we're all here. Thank you for giving us the hour. We're looking at "
    "{purpose}, and your experience is exactly what we need. I'll record, if that's all right, "
    "and anything we quote is pseudonymised. Stop me at any point.",
)
CHAT_INTRODUCTIONS = (
    "Thanks so much for doing this by chat! As I mentioned, we're talking to a few people about "
    "{purpose}. There are no right or wrong answers, and we're not here to sell anything. Is it "
    "okay if we keep this chat log for the research team? Any quote we share is pseudonymised.",
)
CONSENT_REPLIES = (
    "Yes, that's fine, go ahead.",
    "Sure, no problem. Record away.",
    "Yep, that works. [laughs] I've done a few of these by now.",
    "Of course. Happy to help, I hope it's useful.",
    "That's fine. I signed the form last week, so, yes.",
)
ROLE_QUESTIONS = (
    "To start, could you tell me a bit about your role and the team you're in?",
    "Let's start with you. What's your role, and what does a normal week look like?",
    "Could you introduce yourself briefly: your role, your team, and how you're involved with "
    "the product?",
)
TRANSITIONS = (
    "",
    "Okay. ",
    "Thanks, that's helpful. ",
    "Mm-hm. ",
    "Got it. ",
    "That's really useful. ",
    "Right. ",
    "Interesting. ",
    "",
    "Okay, let's move on. ",
)
# Said before some questions, as interviewers do to open a topic up.
FRAMINGS = (
    "This next one is a bit open, so take it wherever you like.",
    "There's no right answer here, I'm just curious how it went for you.",
    "I'd love the detail on this one, even the small stuff.",
    "We've heard quite different stories about this, so yours is useful either way.",
    "If you can, think of a specific moment.",
    "This is the part we know least about, so take your time.",
)
# Neutral on purpose: a probe must fit whatever the participant adds.
GENERIC_PROBES = (
    "Can you say more about that?",
    "Tell me more about that.",
    "Mm. Say more?",
    "Interesting. Go on.",
    "How so?",
    "And what did that mean for you?",
)
HISTORY_QUESTIONS = (
    "And how long have you been using the product, roughly?",
    "How long has the product been part of your setup?",
)
INTERNAL_HISTORY_QUESTIONS = ("How long have you been in this role, and what did you do before?",)
ANYTHING_ELSE = (
    "We're almost out of time. Is there anything we didn't ask that you think we should have?",
    "Before we wrap up: anything you expected us to ask and we didn't?",
    "That's everything on my list. Is there anything you'd like to add?",
)
CLOSING_REPLIES = (
    "No, I think we covered it. It was good to think it through out loud, actually.",
    "I don't think so. Maybe just that we're not unhappy, even if it sounded that way at times.",
    "Not really. I'm curious what the other people you talk to say.",
)
THANKS_CUSTOMER = (
    "Thank you, this was really valuable. The thank-you gift should reach you by e-mail within "
    "a week or so, and we'll share a summary of what we learn across all the interviews.",
    "Thanks so much. You'll get the thank-you gift by e-mail in the next few days. If anything "
    "else comes to mind, just reply to the invite.",
)
THANKS_NO_INCENTIVE = (
    "Thank you, this was really valuable. We'll share a summary of what we learn across all the "
    "interviews once the study is done.",
)
THANKS_INTERNAL = (
    "Thank you, that's incredibly helpful. I'll post the readout in the research channel when "
    "the study wraps up, and nothing you said goes anywhere with your name on it.",
    "Thanks a lot. This fills a big gap for us. The readout will be in the research channel, "
    "pseudonymised like the customer interviews.",
)
GOODBYES = (
    "Thanks, bye!",
    "My pleasure. Bye now.",
    "Thank you. Have a good day.",
    "Cheers, take care.",
)


# --- Premium → Ultimate up-tier (large, self-managed) -------------------------------------------

UPTIER_TOPICS: dict[str, Topic] = {
    "u_trigger": Topic(
        questions=(
            "Let's go back to the beginning. Who first raised Ultimate in your organisation, and "
            "what put it on your radar?",
            "How did Ultimate first come up for you? Who brought it up, and when?",
        ),
        answers={
            "account_team": (
                "It was our account team, to be honest. Every renewal call for about two years "
                "ended with a slide about Ultimate, and for a long time we just nodded. What "
                "changed was that a new account manager asked which problems we were solving "
                "with other tools, and the answer was security scanning, which we paid for "
                "separately. That was the first time the conversation was about our problems "
                "and not about the tier.",
            ),
            "audit": (
                "An audit, basically. We had a compliance audit and the auditors asked how we "
                "could prove that every change to production had been reviewed and scanned. We "
                "could prove it, but only with a lot of screenshots and a very long week. Our "
                "CISO asked whether the platform could produce that evidence for us, and that's "
                "when Ultimate came up, because the compliance features are only in that tier.",
            ),
            "engineers": (
                "Honestly, it came from the engineers. A couple of teams had read about the "
                "planning features and kept asking why they couldn't use epics across groups. "
                "They'd been working around it with labels and a wiki page. So it started bottom "
                "up, and it only reached me when somebody asked for budget.",
            ),
            "renewal_quote": (
                "It came up in a renewal quote. The account team sent two options, Premium and "
                "Ultimate, side by side, and the Ultimate option had a discount that expired at "
                "the end of the quarter. So the first time I really looked at it, there was a "
                "deadline attached, which I didn't love.",
                "The first time was at a renewal. Our account executive put Ultimate in the quote "
                "as the 'recommended' option, with a discount for signing before the quarter "
                "ended. Nobody on our side had asked for it. I remember thinking, um, "
                "recommended by whom?",
            ),
            "procurement_request": (
                "For me it came as a request from engineering. They sent me a one-line e-mail, "
                "'please price Ultimate for everyone', and a link to the pricing page. I'm not "
                "an engineer, so my first job was working out what 'everyone' meant: which "
                "developers, which contractors, which teams that only read code once a month.",
            ),
        },
        follow_ups={
            "account_team": "I think the difference was that he'd read our support tickets "
            "before the call. He knew we'd had a scanner outage. Nobody had done that before.",
            "audit": "The audit finding itself was minor. But it gave the CISO a reason, and a "
            "budget line, and that's what usually takes a year.",
            "renewal_quote": "It made the conversation about the discount rather than about what "
            "we needed. We didn't take it that time, and the discount was gone the next time.",
        },
    ),
    "u_capabilities": Topic(
        questions=(
            "Which Ultimate capabilities mattered most when you evaluated it, and were there any "
            "you didn't care about?",
            "When you compared the two tiers, what actually carried the case for Ultimate in "
            "your evaluation?",
        ),
        answers={
            "security_scanning": (
                "For us it was the security scanning: dependency scanning and container scanning "
                "especially. We were paying for a separate scanner and the results lived in a "
                "different tool, so developers never looked at them. Having the vulnerabilities "
                "show up in the merge request, next to the code, was the whole argument. The "
                "portfolio planning and the value stream dashboards, I couldn't tell you if "
                "anyone has opened them.",
                "Security scanning, and specifically that the findings show up in the merge "
                "request. Our old scanner sent a PDF report every week and nobody read it. If "
                "the developer sees the vulnerability before merging, it actually gets fixed. "
                "Everything else in the comparison table was nice to have.",
            ),
            "compliance": (
                "Compliance, full stop. Compliance frameworks, the audit events, approval rules "
                "that we can enforce across every group. The security dashboards were a bonus. "
                "I'd say ninety per cent of the business case was 'this makes the next audit a "
                "week shorter'.",
            ),
            "portfolio": (
                "The planning side: epics across groups, roadmaps, that kind of thing. We have "
                "about forty teams and nobody can see what the others are doing. The security "
                "features, honestly, we already have a vendor for that, and switching scanners "
                "is a fight I don't want to have this year.",
            ),
            "unclear": (
                "That was the problem, actually. It was hard to say which capabilities we'd use. "
                "The feature comparison page is a very long list with ticks, and half the rows "
                "were things we'd never heard of. I asked the account team to tell me which "
                "three features customers like us actually use, and the answer was, um, a bit "
                "vague.",
            ),
        },
        follow_ups={
            "security_scanning": "The other thing is that one tool means one place to set "
            "policy. With two tools, every exception had to be agreed twice.",
            "portfolio": "We tried the planning features on a trial for two weeks. The teams "
            "liked the roadmap view, but two weeks is not enough to change how forty teams plan.",
            "unclear": "In the end I made my own shortlist from the documentation. It took a "
            "weekend. I shouldn't have to do that to buy something.",
        },
    ),
    "u_business_case": Topic(
        questions=(
            "How did you build the internal justification? What did leadership or finance need "
            "to see before approving the budget?",
            "Tell me about the business case. Who had to approve the budget, and what convinced "
            "them, or didn't?",
        ),
        answers={
            "spreadsheet": (
                "I built a spreadsheet. One tab with what we pay today for the separate tools, "
                "one with the Ultimate price per seat, and one with hours saved, which is the tab "
                "everyone argues about. Finance accepted the tool consolidation numbers "
                "immediately and didn't believe the hours at all. In the end the case only worked "
                "once we counted the scanner we could cancel.",
            ),
            "exec_sponsor": (
                "We had a sponsor, which made it much easier. Our CTO had seen the compliance "
                "reports at a previous company and said, more or less, 'I want this'. So the "
                "business case was really a formality. The hard part wasn't getting the budget, "
                "it was the security review afterwards.",
            ),
            "blocked": (
                "We didn't get there. I wrote a business case twice. Both times it stopped at the "
                "same line: the price difference per seat multiplied by every developer on the "
                "instance. Leadership asked why we couldn't buy Ultimate for the fifty people who "
                "need the security features, and the answer is that the tier applies to the whole "
                "instance. That ended the conversation.",
            ),
            "cost_model": (
                "My part was the cost model. Engineering gave me a list of benefits, and I had to "
                "turn it into a number per year over three years, with the true-up risk "
                "included. Nobody could tell me how fast headcount would grow, so I modelled "
                "three scenarios, and the difference between the low and the high one was bigger "
                "than the whole tooling budget of some departments.",
            ),
        },
        follow_ups={
            "spreadsheet": "If the vendor had given me a template for that, with their own "
            "numbers from similar customers, I'd have used it. I had to invent everything.",
            "blocked": "The frustrating part is that the fifty people are exactly the ones who "
            "would get the most from it. The other three thousand just push code.",
        },
    ),
    "u_quote": Topic(
        questions=(
            "Talk me through the quote itself. What did it look like, and was it easy to "
            "understand?",
            "When the quote arrived, what did you make of it?",
        ),
        answers={
            "gap": (
                "The quote itself was clear enough. The problem was the number. Going from "
                "Premium to Ultimate more than triples the price per seat for us, and it applies "
                "to every seat on the instance. We have a lot of people who only review code or "
                "look at issues once a week, and paying the Ultimate price for them felt wrong. I "
                "asked whether we could mix tiers and the answer was no.",
            ),
            "confusing": (
                "Confusing, to be honest. There were line items for the tier, for additional CI "
                "minutes that don't even apply to us because we run our own runners, and for "
                "storage. I had to ask what two of the SKUs were. When I asked for a revised "
                "quote it took nine days, and the second version had a different seat count from "
                "the first.",
            ),
            "fair": (
                "Fair, I'd say. The account team gave us a multi-year price and explained the "
                "discount. I didn't love the number but I understood it, and that's more than I "
                "can say for some vendors. The one thing I'd change is that the quote only showed "
                "the total, not the price per seat, so I had to work it out myself to compare.",
            ),
            "itemised": (
                "From a sourcing point of view the quote was hard to benchmark. It had a list "
                "price, a discount, a ramp over three years and a separate line for the AI "
                "add-on that nobody had asked for. I wanted a price per seat per year that I "
                "could compare with our other tools, and I had to build that myself. I also "
                "couldn't see what we'd pay if headcount grew by ten per cent, which is the only "
                "question my CFO asks.",
            ),
        },
        follow_ups={
            "gap": "I understand why they don't want mixed tiers. But the alternative isn't that "
            "we buy Ultimate for everyone. The alternative is that we buy nothing.",
            "confusing": "I ended up drawing the quote on a whiteboard with the account "
            "executive on a call, line by line. Then it made sense. It shouldn't need a call.",
            "itemised": "I asked them to remove the AI add-on line, and the discount changed. "
            "So it wasn't really a separate line, was it? [laughs]",
        },
    ),
    "u_benchmark": Topic(
        questions=("How did you compare the offer with alternatives during the evaluation?",),
        answers={
            "benchmark": (
                "I benchmarked it against two alternatives that engineering had shortlisted, and "
                "against what we pay today for the separate tools. On paper Ultimate was the "
                "most expensive and also the only one that replaced three tools. The difficulty "
                "is that engineering couldn't tell me which of the three tools we'd really "
                "switch off, and if we keep all three, the saving disappears.",
            ),
        },
        follow_ups={
            "benchmark": "I asked for a reference customer of our size in semiconductors. It "
            "took three weeks, and the reference was very positive, which of course they are.",
        },
    ),
    "u_trueup": Topic(
        questions=(
            "How do true-ups work for you today? Have they ever caught you by surprise?",
            "Let's talk about seats and true-ups at renewal time. Has a true-up ever surprised "
            "you?",
        ),
        answers={
            "surprise": (
                "It surprised us once, badly. The true-up came in at almost twice what we "
                "expected. It turned out a team had connected a test system that created a user "
                "per job, and every one of those counted as a seat. It took a month of e-mails "
                "to get a credit, and we got one, but only for part of it.",
                "Yes, very much. Our first true-up invoice was about forty per cent higher than "
                "we'd budgeted, because the count included every account that had been active at "
                "any point in the year, including contractors who'd left. Nobody told us that "
                "blocked users still count until you remove them. Finance was, um, not happy, and "
                "I spent two weeks explaining an invoice I didn't understand myself.",
            ),
            "managed": (
                "We manage it, but it takes effort. Before every true-up we run a clean-up: "
                "deactivate dormant users, check the contractors, make sure the bots share one "
                "account. If we skip that, the invoice jumps. I wouldn't call it a surprise any "
                "more, more of a chore that nobody else in the company knows exists.",
                "It's under control now. We do a quarterly review of seats with each department, "
                "so by the time the true-up comes, we know the number within a few per cent. It "
                "took two years and one bad invoice to get there.",
            ),
            "spreadsheet": (
                "I keep a spreadsheet of licence seats per team, updated by hand before each "
                "true-up. The instance tells me how many users are active, but not which budget "
                "they belong to, so every quarter I chase team leads to confirm their numbers. "
                "It's about two days of work each time. The true-up itself hasn't surprised me "
                "since I started doing that, but only because I do that.",
            ),
            "risk": (
                "The true-up is the part of the contract I worry about most. You commit to a "
                "number of seats, and then you pay for growth once a year, in arrears, at a "
                "price set in the contract. If engineering hires two hundred people in a year, I "
                "get an invoice I didn't plan for. I asked for a cap on the true-up and the first "
                "answer was that there's no such thing.",
            ),
        },
        follow_ups={
            "surprise": "What hurt was less the money than the trust. After that, finance "
            "wanted to see every invoice from us before it was paid.",
            "spreadsheet": "If I'm on holiday in the true-up month, nobody else knows how to "
            "do it. That's the real risk.",
            "risk": "We got a quarterly true-up option in the end, after escalating. It exists, "
            "it's just not offered unless you push.",
        },
    ),
    "u_visibility": Topic(
        questions=(
            "Can you see who's actually using their seats today? How do you find out?",
            "Can you tell which licences are actually in use, day to day?",
        ),
        answers={
            "blind": (
                "Not really. The admin area shows me a number of billable users, and I can "
                "export a list, but it doesn't tell me who actually used the product last month "
                "versus who logged in once. For a licence decision, that's the question. I've "
                "asked twice for a report of active users by group and I was told to use the "
                "API.",
                "No. I see a count of billable users. Whether those people opened the product "
                "this year, I can't tell without asking the platform team to run something.",
                "Not from where I sit. I get one number from the vendor at true-up time and a "
                "different number from engineering when I ask. Neither tells me who actually uses "
                "it. So I negotiate on a number that nobody in the building trusts.",
            ),
            "script": (
                "One of my engineers wrote a script against the API that pulls last activity per "
                "user and groups it by department from our HR export. It runs every Monday and "
                "posts to a channel. It works, but it's ours to maintain, and it broke after the "
                "last upgrade because a field changed.",
            ),
            "dashboard_ok": (
                "The usage dashboards are fine for us now. We can see active users per group and "
                "the trend. It took a while to find them, they're three levels deep in the admin "
                "area, but since our technical account manager showed us, that's what I use "
                "before each review.",
            ),
        },
        follow_ups={
            "blind": "The API answer is fair for a developer. I'm not the one who'd write it, "
            "though, and the person who would has better things to do.",
            "script": "Honestly, I'd happily pay for that script to be a feature.",
        },
    ),
    "u_security_review": Topic(
        questions=(
            "What did security and procurement ask for before you could sign?",
            "What happened once the deal reached procurement and the security review?",
        ),
        answers={
            "questionnaire": (
                "A questionnaire with about three hundred questions. Most of it was standard, "
                "but for a self-managed product half of it didn't apply, and the vendor's answers "
                "were written for the SaaS product. Our security team kept asking about data we "
                "never send anywhere. It added five weeks, and most of that was people waiting "
                "for each other.",
            ),
            "slow_legal": (
                "Legal took longest. Our standard contract and the vendor's terms disagreed on "
                "liability caps, and neither side wanted to move. Procurement had the purchase "
                "order ready in a week and then we waited almost two months for the redlines to "
                "go back and forth.",
            ),
            "smooth": (
                "That part was fine, actually. We'd done the security review for Premium two "
                "years ago, so it was mostly an update. The account team sent the SOC 2 report "
                "and the pen test summary the same day we asked. I wish every vendor was like "
                "that.",
            ),
            "bank": (
                "For a bank it's a long process. Vendor risk, information security, the data "
                "protection officer, and for anything that touches code, our architecture board. "
                "We run it ourselves in our own data centre, which helps enormously, because no "
                "code leaves the building. Even so, it took three months, and the vendor's "
                "security team was responsive, I'll give them that.",
            ),
        },
        follow_ups={
            "questionnaire": "Next time I'll ask for the self-managed answers up front. I didn't "
            "know they had a separate set until week four.",
            "bank": "The pen test summary was the document that mattered. Our architecture board "
            "read it line by line.",
        },
    ),
    "u_trial": Topic(
        questions=(
            "Did you get to try the Ultimate features before deciding? How did a trial work on "
            "your own instance?",
            "How did you trial Ultimate, given that you run the instance yourselves?",
        ),
        answers={
            "staging_copy": (
                "We asked for a trial licence and applied it to a staging copy of the instance. "
                "That was the only safe way, because a trial licence on production changes the "
                "tier for everyone, and if it expires, things stop working. The problem is that "
                "the staging copy has no real users, so the trial tells you whether a feature "
                "works, not whether people use it.",
            ),
            "key_hassle": (
                "It was harder than it should be. On SaaS you click a button and get thirty days. "
                "For us it meant requesting a trial licence key through the account team, "
                "waiting four days, planning a maintenance window to apply it, and then planning "
                "another one to remove it. By the time it was running, half the trial was gone.",
            ),
            "no_trial": (
                "We didn't trial it. Nobody wanted to touch the production instance for an "
                "experiment, and building a test instance just for the trial wasn't worth it. So "
                "we decided on the basis of demos and a reference call with another customer, "
                "which, um, is not how I'd like to buy software.",
            ),
        },
        follow_ups={
            "staging_copy": "We ended up inviting ten real developers to the staging copy for "
            "a week. That told us more than the whole month before.",
            "key_hassle": "I asked for an extension and got two more weeks, which helped. But "
            "I had to know to ask.",
        },
    ),
    "u_identity": Topic(
        questions=(
            "How do people sign in to the instance, and how are accounts set up and removed?",
            "Let's talk about identity: SSO, provisioning, leavers. How did you set that up?",
        ),
        answers={
            "ldap": (
                "We use LDAP against Active Directory, with group sync. It works, mostly. The "
                "issue is leavers: when someone leaves, they're blocked at the next sync, but "
                "they still count as a seat until someone deletes them, and that someone is me. "
                "We'd love SCIM so that HR is the source of truth, but for self-managed the "
                "guidance we got was to keep LDAP.",
            ),
            "saml": (
                "SAML single sign-on through our identity provider, and that was painless. Group "
                "membership is the harder part: mapping groups from the identity provider to "
                "groups on the instance took us weeks of trial and error, and there's no dry "
                "run, so every mistake locks someone out for a morning.",
                "SSO with SAML, set up years ago, and it just works. What doesn't just work is "
                "provisioning. Accounts are created on first login, which is fine, but nothing "
                "removes them, so leavers stay until somebody cleans up.",
            ),
            "scim_wish": (
                "Manually, which is embarrassing to say. New starters get an account through a "
                "ticket. Leavers are supposed to be removed by the same process and often aren't. "
                "We've talked about SCIM provisioning for a year, it's on the list, and it keeps "
                "losing to other priorities.",
                "By hand, through tickets. We have an identity provider for the rest of the "
                "company, but the instance was never connected to it. SCIM provisioning has been "
                "'next quarter' for two years.",
            ),
        },
        follow_ups={
            "ldap": "It's also the reason our true-up counts are off. Every leaver is a seat "
            "until I notice.",
            "saml": "A dry run, or even a preview of who would end up where, would have saved us "
            "most of those mornings.",
        },
    ),
    "u_saas": Topic(
        questions=(
            "Have you looked at moving from your own instance to SaaS or the dedicated offering? "
            "What would a migration mean for you?",
            "What would it take for you to migrate to the SaaS offering one day?",
        ),
        answers={
            "outsourcing": (
                "For a bank, the regulator's outsourcing rules decide it. Moving our code to a "
                "SaaS platform counts as material outsourcing: a notification to the regulator, "
                "an exit plan, an audit right. It's possible, other banks have done it, but it's "
                "a year of paperwork before the first repository moves.",
            ),
            "downtime": (
                "We looked at it last year. The blocker is downtime fears, frankly. We have a few "
                "thousand pipelines running at any moment, and the migration guide talks about a "
                "cut-over window. Nobody could tell me how long the window would be for an "
                "instance our size. If I'm told 'a weekend' I need to know it's a weekend, not a "
                "weekend plus three days.",
            ),
            "residency": (
                "Data residency is the first question. Our regulator wants to know where the "
                "code is, and for some repositories the answer must be 'in the country'. The "
                "dedicated offering might work, but the regions available didn't match what we "
                "need, last time I checked. Until that changes, we stay on our own hardware.",
            ),
            "planning": (
                "We're planning it, for next year. The main work is data import: we have years "
                "of history, some very large repositories, and a lot of custom integrations that "
                "call our instance directly. The migration tooling handles the projects fine in "
                "our tests, but the integrations we'll have to rewrite ourselves.",
            ),
            "no_interest": (
                "Not really. We run everything else ourselves too, and the team is good at it. "
                "The upgrades are the part I'd happily give away, to be honest, but not at the "
                "price of giving up control over the data.",
            ),
        },
        follow_ups={
            "downtime": "We did a test import of one large group. It took eleven hours. Multiply "
            "that by everything and you see why I'm nervous.",
            "residency": "It's not a preference, it's a regulation. I can't negotiate it away "
            "even if I wanted to.",
        },
    ),
    "u_adoption": Topic(
        questions=(
            "After buying, how widely did teams actually start using the Ultimate features?",
            "Once you had Ultimate, how did the rollout go? What did teams actually use day to "
            "day?",
        ),
        answers={
            "rolled_out": (
                "It went well, but slowly. We switched on the scanners for one business unit "
                "first, then the rest over three months. The first week produced a few thousand "
                "vulnerabilities, which scared everyone, so we had to agree which severities "
                "block a merge and which just report. Once that was settled, adoption was fine. "
                "Developers actually like seeing the results in the merge request.",
                "Better than I expected. We made it boring on purpose: scanners on by default in "
                "the pipeline template, findings visible in the merge request, and only critical "
                "vulnerabilities block a merge. In the first month developers fixed more "
                "dependency issues than in the whole previous year, mostly because they could "
                "finally see them.",
            ),
            "shelfware": (
                "Badly, if I'm honest. We paid for the security features and never switched them "
                "on. The team that pushed for Ultimate reorganised two months after we bought it, "
                "the new lead had other priorities, and nobody owned the rollout. By the renewal "
                "we had paid a year for features nobody used, and that's a hard conversation to "
                "have with a CFO.",
            ),
            "partial": (
                "Partly. The compliance pipelines and approval rules are everywhere, because we "
                "enforced them centrally. The planning features were used by three teams out of "
                "forty. Nobody trained people on them, and the teams that tried them went back to "
                "the spreadsheets they knew.",
            ),
        },
        follow_ups={
            "rolled_out": "The workshop with the solutions architect was the turning point. "
            "After that the team leads could explain it themselves.",
            "shelfware": "Looking back, nobody from the vendor asked after the purchase whether "
            "we'd switched anything on. Not once, until the renewal.",
        },
    ),
    "u_adoption_premium": Topic(
        questions=("What do teams use day to day on Premium today, and where does it fall short?",),
        answers={
            "ci_heavy": (
                "Day to day it's source control, merge requests and CI/CD. Pipelines are the "
                "heart of it: we run something like eighty thousand jobs a week on our own "
                "runners. Where it falls short is everything around security and compliance, "
                "which lives in other tools, and that's exactly where Ultimate would come in.",
            ),
            "basic": (
                "Mostly repositories and merge requests. CI is split: newer teams use the "
                "built-in pipelines, older teams are still on Jenkins, and there's no mandate to "
                "move. So when someone tells me Ultimate will give us better pipeline security, "
                "my honest reaction is that half of our pipelines aren't even here.",
            ),
        },
    ),
    "u_cicd": Topic(
        questions=(
            "How much of your CI/CD runs on the platform today, and what stands in the way of "
            "using it for the rest?",
        ),
        answers={
            "all_in": (
                "All of it, as of this year. The last Jenkins server was switched off in June, "
                "which we celebrated with a cake. [laughs] It took two years. What stood in the "
                "way was not the technology, it was the plug-ins: every team had a Jenkins "
                "plug-in that did one special thing, and we had to find an equivalent or convince "
                "them to live without it.",
            ),
            "separate": (
                "Almost none of it. We still run CI on a separate tool, and that's a big part of "
                "why Ultimate never made sense: half of the security features assume your "
                "pipelines run here. Moving CI is a project of its own, and every year it loses "
                "to something more urgent.",
            ),
            "migrating": (
                "About sixty per cent. The rest is mostly older Java services on Jenkins. Each "
                "migration is small, but there are a lot of them, and the teams that own them are "
                "busy. We have a template that gets a service from Jenkins to a working pipeline "
                "in a day, which helped more than any documentation.",
            ),
        },
        follow_ups={
            "separate": "The CI tool we use isn't better. It's just there, and it works, and "
            "nobody gets promoted for migrating build scripts.",
            "migrating": "The template is maybe two hundred lines. A platform engineer wrote it "
            "in a week. It's the best investment we made all year.",
        },
    ),
    "u_support": Topic(
        questions=(
            "When something goes wrong, what's your experience with support been like?",
            "How has support been when something goes wrong? Any recent example?",
        ),
        answers={
            "good": (
                "Good, generally. We had an upgrade go wrong in the spring, a background "
                "migration stuck at ninety per cent, and the support engineer was on a call with "
                "us within an hour. He knew exactly what it was. That's the kind of thing that "
                "earns a lot of trust.",
                "Honestly, good. Our platform team opened a ticket about a slow upgrade last "
                "month and had a workaround the same afternoon. They know their product.",
            ),
            "slow": (
                "Mixed. The first answer is usually fast, but it's often a link to the "
                "documentation we've already read. When a ticket needs escalating, it takes days "
                "to reach someone who knows the self-managed side. We had a severity two ticket "
                "about a failing upgrade open for eleven days.",
                "It depends who picks it up. We've had brilliant engineers, and we've had tickets "
                "that bounced between teams for a week. For a self-managed instance in a bank, a "
                "week is a long time.",
            ),
            "tam": (
                "We have a technical account manager, and that makes all the difference. She "
                "knows our instance and our history, so when I open a ticket I don't start from "
                "scratch. Before we had her, every ticket started with 'please send us your "
                "logs' and a week of back and forth.",
            ),
        },
        follow_ups={
            "slow": "Eleven days, with a change freeze coming. I escalated through the account "
            "manager in the end, which shouldn't be how it works.",
            "tam": "She also tells us what's coming in the next releases, so we plan upgrades "
            "instead of reacting to them.",
        },
    ),
    "u_account_team": Topic(
        questions=(
            "Since you bought it, day to day, who from the vendor side helps you get more out "
            "of the product? Has that changed over time?",
        ),
        answers={
            "proxy": (
                "The account executive was responsive, always within a day. But every answer came "
                "after checking with someone else: the deal desk, legal, finance. I never spoke "
                "to anyone who could decide anything. That slows everything down, and it makes "
                "every concession feel like a favour.",
            ),
            "new_rep": (
                "We've had four account managers in three years. Each new one starts with a "
                "discovery call where they ask the same questions as the last one. I understand "
                "people move on, but there's clearly no hand-off: nothing about our history seems "
                "to be written down anywhere they can see.",
            ),
            "great": (
                "Our solutions architect has been great. He ran a workshop with our platform team "
                "on the compliance pipelines and came back a month later to check how it went. "
                "That's the main reason the rollout happened as quickly as it did.",
            ),
        },
        follow_ups={
            "new_rep": "The last one asked me whether we'd considered Ultimate. We'd had it for "
            "a year. [laughs] That told me everything.",
        },
    ),
    "u_enablement": Topic(
        questions=(
            "How did people learn to use new features once they were rolled out? Training, "
            "docs, workshops?",
        ),
        answers={
            "workshop": (
                "Workshops, mostly. We ran one per business unit, an hour each, with real "
                "examples from their own projects. The documentation is good as a reference, but "
                "nobody reads a reference to learn something new. People need to see their own "
                "merge request with a finding in it.",
            ),
            "self_taught": (
                "They taught themselves, which means a few people learned a lot and most people "
                "learned nothing. We had no time for training, and nobody from the vendor offered "
                "any. In hindsight, a couple of office hours would have changed a lot.",
            ),
            "champions": (
                "We built a champions network: one person per team who gets early access and "
                "an hour a month with my team. They do the teaching. It scales much better than "
                "us running training for thousands of people.",
            ),
        },
        follow_ups={
            "self_taught": "The people who learned it are now the ones everybody asks. Which "
            "is nice for them and terrible for their own work.",
            "champions": "The champions also tell us what's broken, before it reaches a ticket. "
            "That's the part I didn't expect.",
        },
    ),
    "u_ai_addon": Topic(
        questions=(
            "Has the AI add-on been part of the conversation? Did you trial it or compare it "
            "with anything?",
        ),
        answers={
            "not_allowed": (
                "It came up, and it stopped at policy. Our rules say no source code goes to an "
                "external AI service, full stop, and self-managed doesn't change that if the "
                "model runs elsewhere. If there's ever an option to run the model inside our "
                "own data centre, we'll talk.",
            ),
            "trialled_staging": (
                "We trialled it on the staging copy for two weeks with a dozen engineers. They "
                "liked the code explanations, less so the suggestions for our older code. It "
                "needed network access out of the data centre, which took its own change "
                "request.",
            ),
            "not_interested": (
                "Not really. Our engineers already use an assistant in the editor that the "
                "company chose last year. Adding a second one would confuse everyone. Maybe in a "
                "year, when that contract is up for renewal. Not now.",
            ),
        },
    ),
    "u_renewal": Topic(
        questions=(
            "How did the last renewal go, and what are you expecting at the next one?",
            "Tell me about the renewal. How did that conversation go?",
        ),
        answers={
            "downtier": (
                "At the last renewal we went back to Premium. It wasn't a dramatic decision. The "
                "account team showed us the usage data and we could all see that nobody had used "
                "the security features. I'd rather have heard that from them six months earlier, "
                "when we could still have fixed it, than at the renewal.",
            ),
            "negotiating": (
                "It's going on now, actually. They'd like us to move to Ultimate as part of a "
                "three-year renewal, with a discount. I'd consider it if the true-up terms "
                "change. Right now, what worries me is not the price this year, it's the invoice "
                "in year two.",
                "We're in the middle of it. The account team wants a three-year term with a ramp, "
                "and I want the true-up terms fixed first. It's friendly, but we're not close "
                "yet.",
                "It's open. The vendor would like a three-year co-termed deal including Ultimate, "
                "and I'm asking for a true-up cap and a price hold. We've exchanged two drafts so "
                "far. The account team has been patient. I think they know what our CFO is like.",
            ),
            "multi_year": (
                "We signed a three-year renewal with Ultimate last time, with a price lock. It "
                "was a good deal, and the price lock mattered more to us than the discount. The "
                "next renewal is two years out, so for now the question is whether we get value "
                "from what we bought.",
            ),
        },
        follow_ups={
            "downtier": "The account manager was decent about it. I think she knew before we "
            "did. That's almost worse.",
            "negotiating": "If they gave me a ramp, with Ultimate for the security team first and "
            "everyone else later, I'd sign it this quarter.",
        },
    ),
    "u_wish": Topic(
        questions=(
            "Last question from me: if you could change one thing before your next renewal, "
            "about how Ultimate is packaged or sold, what would it be?",
            "If you had a magic wand, what's the one thing you'd change about buying Ultimate "
            "before the next renewal?",
        ),
        answers={
            "mixed_tiers": (
                "Let me buy Ultimate for the people who need it. Security and compliance teams, a "
                "few platform engineers, maybe a hundred seats. Not the whole instance. I'd sign "
                "that tomorrow.",
            ),
            "usage_data": (
                "Show me the usage. Tell me, every quarter, which of the features I'm paying for "
                "are actually switched on and who uses them. If I'd had that, we'd either have "
                "rolled it out properly or never bought it.",
                "Usage data, every quarter, without having to ask. Which features are on, which "
                "teams use them, what we're paying for and not using. I'd trust the next quote a "
                "lot more.",
                "Someone who checks on us after we buy. Three months in: is it switched on, who "
                "owns it, what's blocking it. That call never happened, and I think it would have "
                "saved the whole thing.",
            ),
            "trial_easy": (
                "Make trialling it on a self-managed instance as easy as it is on SaaS. A feature "
                "flag, thirty days, no licence key, no maintenance window.",
            ),
            "predictable": (
                "Predictable true-ups. A cap, or a band, or a quarterly option: anything that "
                "means the invoice I get in year two is the one I planned for. Our finance team "
                "would accept a higher price if it meant no surprises.",
            ),
        },
    ),
}


# --- Mid-Market first order with the AI add-on: customers ----------------------------------------

FIRST_ORDER_TOPICS: dict[str, Topic] = {
    "f_trigger": Topic(
        questions=(
            "How did this first order start? What made you look at buying in the first place?",
            "Take me back to the start: what put a paid plan, and the AI add-on, on your radar?",
        ),
        answers={
            "consolidation": (
                "We had too many tools. Code in one place, CI in another, tickets in a third, and "
                "every integration between them was something one of us maintained on a Friday "
                "afternoon. When a team lead left and took half the knowledge of those scripts "
                "with him, I said, okay, we consolidate. The AI add-on came up later, in the "
                "first sales call.",
            ),
            "ai_curiosity": (
                "Honestly, the AI add-on came first. Our board asked every portfolio company "
                "what they were doing with AI, and I needed a better answer than 'some developers "
                "use a chatbot'. We were already on the free tier for a side project, so I asked "
                "for a demo of the add-on, and the Premium conversation grew out of that.",
            ),
            "scaling": (
                "We grew past a hundred engineers this year, and the free tier stopped being an "
                "option: we needed approval rules, audit events and someone to call when things "
                "break. The AI add-on was a checkbox on the same order, more or less. The "
                "account executive suggested it and we said, sure, let's see.",
            ),
            "security_mandate": (
                "From my side it started with a security finding. We had secrets in a repository "
                "that nobody could see, because the tool we used had no scanning, and after that "
                "the CTO wanted one platform with proper controls. I wasn't looking at AI at "
                "all. The AI add-on arrived on my desk as something to review, not something I "
                "asked for.",
            ),
            "build_pain": (
                "Our builds. We were on a self-hosted setup held together by one person, and "
                "during the last release it fell over twice. After that the studio heads agreed "
                "to pay for something with support behind it, and when the account executive "
                "heard we were about to go into crunch, she suggested we trial the AI add-on at "
                "the same time.",
            ),
            "customer_audit": (
                "We'd been on the free self-managed edition for years. What pushed us to Premium "
                "was approval rules: a customer audit asked who approves changes to the firmware "
                "repositories, and our honest answer was 'whoever is around'. The AI add-on trial "
                "was the account executive's idea, and I said yes because it was free to try.",
            ),
            "procurement_request": (
                "It reached me as a purchase request from engineering, with a quote attached and "
                "a note saying it was urgent. That's the first I'd heard of it. I buy software "
                "for the company, but mostly things like HR systems and office licences, never "
                "developer tooling, so the first thing I did was ask what half the words in the "
                "quote meant.",
            ),
        },
        follow_ups={
            "consolidation": "The scripts were the real cost. Nobody budgets for the Friday "
            "afternoons, but they add up to a person.",
            "ai_curiosity": "I'll admit the board question was the trigger. The reason we kept "
            "it is different, but that's how it started.",
            "security_mandate": "The finding was a cloud key in a config file, three years old. "
            "Nobody had looked. That's what made the CTO move.",
        },
    ),
    "f_trial": Topic(
        questions=(
            "Did you trial the AI add-on before buying? How did that go?",
            "Tell me about the evaluation: how did you try the AI add-on before deciding?",
        ),
        answers={
            "two_squads": (
                "We ran a thirty-day trial with two squads, about fifteen developers. I picked "
                "one team that was enthusiastic and one that was sceptical, on purpose. The "
                "sceptical team ended up being the better reference, because when they said it "
                "helped, people believed them. The trial itself was easy to start. What was "
                "missing was any way to see how much it was used without asking people.",
            ),
            "no_trial_demo": (
                "No trial. We saw a demo from the sales team, it looked good, and I made the "
                "call. Looking back, I'd do a trial, because the demo used a clean example "
                "project and our code base is fifteen years of, um, history. Some things work "
                "great on our code, others less so.",
            ),
            "security_blocked": (
                "We trialled it with five engineers, but only on an internal tool, because "
                "security hadn't signed off on sending production code anywhere. That limited "
                "what we learned. In the end the add-on was left out of the order, and the reason "
                "was the data handling questions, not the product. I'd like to run it again on "
                "real code once the controls are there.",
            ),
            "crunch": (
                "[laughs] We trialled it during a crunch, which was either the best or the worst "
                "time. Everyone was under pressure, so people used whatever helped, and the code "
                "explanations and test generation got used a lot. But I can't tell if that's "
                "because it's good or because we were desperate.",
            ),
            "network_blocked": (
                "We tried. We run our instance in our own data centre, and the AI features need "
                "to call out to the vendor's service. Our network team needed a list of "
                "endpoints to allow through the proxy, and getting that list took three weeks and "
                "two support tickets. By the time the firewall rules were in place, the trial had "
                "expired.",
            ),
            "not_involved": (
                "I wasn't involved in the trial, that was engineering. What I saw was the "
                "result: a message from the engineering director saying 'we need this for "
                "everyone', with no numbers attached. I had to go back and ask for something I "
                "could put in front of the finance committee.",
            ),
        },
        follow_ups={
            "two_squads": "I literally asked people in stand-up, 'did you use it yesterday?' "
            "and wrote it down. That was our usage data.",
            "crunch": "One of our leads said it wrote the boring tests so he could write the "
            "interesting ones. That sentence sold it internally.",
            "network_blocked": "Support were helpful once we reached the right person. The "
            "problem was that the list of endpoints wasn't written down anywhere public.",
        },
    ),
    "f_value": Topic(
        questions=(
            "During the evaluation, how did you decide whether it was worth it? What evidence "
            "did you look at?",
        ),
        answers={
            "procurement_view": (
                "I asked engineering for evidence of value and got a slide with three quotes from "
                "developers. For three hundred seats, that's thin. I approved it because the "
                "total fitted the budget engineering already had, not because I was convinced.",
            ),
            "metrics": (
                "We looked at merge request cycle time before and during the trial, and at a "
                "short survey. Cycle time went down a bit, but we also had a release in that "
                "month, so I wouldn't put my name on that number. The survey was clearer: most "
                "people said they'd be annoyed if we took it away. That was the argument that "
                "worked with our CFO.",
                "We compared two things: how long merge requests waited for a first review, and a "
                "one-question survey at the end. Review waits went down a little; the survey was "
                "overwhelmingly positive. I trust the survey more, to be honest. The survey also "
                "asked what people would use it for, and the answers shaped who got seats first.",
            ),
            "gut": (
                "Mostly gut feeling, if I'm honest. The developers who tried it were positive, "
                "and the price per seat was small compared with what we spend on engineers. "
                "Nobody asked me for a number, which in a company our size is normal. If we'd "
                "been twice the size, I'd have wanted numbers. At eighty-five people, I know "
                "who's productive and who's struggling.",
            ),
            "none": (
                "We never got to a point where we could measure anything. The trial was too short "
                "and too narrow. So the decision was really about risk, not value. My job was to "
                "say whether we could live with the risk. The answer was 'not yet'.",
                "Nothing we could measure. The people who managed to use it liked it, but that "
                "was a handful of people, so it's an anecdote, not evidence. I'd have liked to "
                "give our leadership something better than anecdotes. The trial never got far "
                "enough for that.",
            ),
        },
    ),
    "f_seats": Topic(
        questions=(
            "How did you decide how many seats of the add-on to buy?",
            "How was the number of add-on seats decided when you signed the order?",
        ),
        answers={
            "everyone": (
                "Everyone got one. It would have been politically difficult to give it to some "
                "developers and not others, and the account executive offered a better price per "
                "seat if we bought for the whole team. In hindsight, we'd have been better off "
                "starting with half.",
                "We bought for everyone. The discount made the per-seat price low enough that "
                "arguing about who gets one would have cost more in meetings. [laughs] At least "
                "that was the theory. In practice, a third of the seats are idle and nobody has "
                "asked for them back.",
            ),
            "pilot_group": (
                "We bought for the two trial squads plus the team leads, so about a third of the "
                "developers. The plan is to expand after six months if the usage holds up. The "
                "account executive pushed for everyone, which I understand, but I'd rather add "
                "seats than pay for unused ones.",
            ),
            "procurement": (
                "Engineering asked for seats for everyone, three hundred. I asked how many would "
                "use it, and nobody knew. So we bought the three hundred, because the discount "
                "depended on it. I flagged that we should check the usage after sixty days. "
                "Nobody could tell me what a reasonable number would be, and the quote was built "
                "around the biggest one.",
            ),
        },
        follow_ups={
            "everyone": "Nobody wanted to be the manager whose team didn't get the AI thing. "
            "That's the real reason, if I'm honest.",
            "procurement": "I put a reminder in my calendar for day sixty. I'm not sure anyone "
            "else did.",
        },
    ),
    "f_ai_security": Topic(
        questions=(
            "What did your security or legal review ask about the AI add-on before you could sign?",
            "What questions came up in the security review and legal about the AI features?",
        ),
        answers={
            "data_retention": (
                "The first question was whether our code is used to train models. The second "
                "was how long prompts are retained, and where. The answers existed, but they were "
                "spread across a trust centre page, a blog post and a PDF, and our security team "
                "wanted one document they could attach to the review. We got it in the end, "
                "after two weeks.",
                "Retention and training, like everyone, I imagine. Does our code train a model, "
                "how long are prompts kept, where are they processed. The answers were fine once "
                "we found them, which took a while, because they weren't in one place. Our own "
                "customers ask us the same questions about our product, so I understand why they "
                "matter. I just needed them in one document.",
            ),
            "model_training": (
                "Security wanted a contractual commitment that our code isn't used for model "
                "training, not just a page on the website. That went to legal, and legal to the "
                "vendor's legal, and it added a month. The AI add-on was the last thing signed on "
                "that order. Our legal team had never written that kind of clause, and neither, "
                "it seemed, had theirs.",
            ),
            "smooth_ai": (
                "Surprisingly little. Our security lead read the data handling documentation, "
                "asked two questions on a call with the solutions architect, and signed off. I "
                "think it helped that we're not in a regulated industry. If we were in healthcare "
                "or payments, I'm sure it would have been a different story. For us it was a "
                "checklist and a conversation.",
                "Not much. We're not regulated, so our security review is one person with a "
                "checklist. He asked whether our code trains any model and how long prompts are "
                "kept, got written answers, and approved it. The only follow-up was about which "
                "projects it could see, and the answer was all of them unless we switch it off, "
                "which was fine for us.",
            ),
            "reviewer": (
                "I was the reviewer, so I can tell you exactly. I asked where prompts and code "
                "go, whether they're retained, whether they train any model, which "
                "sub-processors are involved, and whether we can switch the features off per "
                "project. I got good answers to four of the five. The per-project control wasn't "
                "there for everything we needed, and that's the reason we left the add-on out "
                "for now.",
            ),
        },
        follow_ups={
            "data_retention": "The solutions architect ended up writing the document for us, "
            "from the three sources. I think he's reused it since.",
            "reviewer": "For a payments company, some repositories can never be touched by an "
            "external service. It's all or nothing per project, and today it's not per project.",
        },
    ),
    "f_procurement": Topic(
        questions=(
            "What was the purchasing process like, from the quote to the signed order?",
            "Walk me through procurement: from the quote to signing.",
        ),
        answers={
            "first_time": (
                "I'd never bought developer tooling, so everything was new. The quote had a tier, "
                "an add-on, seats and a term, and I didn't know which of those were negotiable. I "
                "called the account executive and she walked me through it, which helped a lot. "
                "What didn't help was that the order form and the quote used different names for "
                "the same thing.",
            ),
            "smooth": (
                "Straightforward. We signed an order form, paid by invoice, net thirty. The only "
                "delay was our own: the vendor had to be set up in our finance system, which "
                "needed a tax form and bank details, and that took a week.",
                "Easy. Order form, signature, invoice. The studio heads signed within a week, and "
                "finance paid on the usual terms. For a studio our size, that's about as painless "
                "as buying gets.",
                "Quick, because we paid by card for the first year. Card payments don't need a "
                "vendor setup in our finance system. Finance grumbled, but it saved two weeks. "
                "Next year we'll move to an invoice, once the vendor is properly set up in our "
                "finance system.",
            ),
            "paperwork": (
                "More paperwork than I expected for a company our size. A security "
                "questionnaire, a data processing agreement, a vendor onboarding form, and then "
                "the order form itself. Each one was reasonable, but together it took five weeks, "
                "and the engineers kept asking me why they couldn't just start.",
                "Heavier than the product deserved, honestly. Our vendor onboarding form alone is "
                "twelve pages. Add the data processing agreement and the security questionnaire, "
                "and it was a month before anything was signed. The engineers kept asking why "
                "they couldn't just start, and I kept saying 'legal'. That's not a satisfying "
                "answer for anyone.",
            ),
        },
        follow_ups={
            "first_time": "In the quote it was 'AI Assist seats', in the order form it was a long "
            "product code, and on the invoice something else again. Three names, one thing.",
            "paperwork": "If I'd known the list at the start, I'd have run them in parallel. I "
            "found out about each one when the previous one was done.",
        },
    ),
    "f_onboarding": Topic(
        questions=(
            "After signing, how did onboarding go? How long until people got real value?",
            "What happened in the first weeks after the order was signed?",
        ),
        answers={
            "fast": (
                "Fast. We had a kickoff call with our customer success manager the week after "
                "signing, SSO was working by the end of that week, and most teams were running "
                "pipelines within a month. The AI features were on from day one, so people just "
                "found them in the editor.",
                "Quick. The kickoff was a week after we signed, and because we'd been on the free "
                "tier, most projects were already there. It was mostly switching on the paid "
                "features and SSO. The customer success manager spent most of the kickoff on the "
                "add-on, which we weren't buying yet. That was a bit odd, but she adjusted "
                "quickly.",
                "Fast, once it started. The platform group moved the runners over within a week, "
                "and the game teams were building on the new setup before the next milestone. The "
                "thing that took longest was moving the build caches, and that was our own doing.",
            ),
            "slow": (
                "Slower than I hoped. The kickoff was three weeks after signing, because the "
                "customer success manager was only assigned after the deal closed. Then we spent "
                "another two weeks on the SSO setup. So the first real value came about six "
                "weeks in, and by then the developers had lost some of the enthusiasm from the "
                "trial.",
            ),
            "selfmanaged": (
                "On our own instance, onboarding is mostly on us. The licence key came quickly "
                "and Premium was working the same day. The AI add-on was another story, because "
                "of the network access problem I mentioned. We still haven't got it working for "
                "everyone.",
            ),
        },
        follow_ups={
            "slow": "Three weeks doesn't sound like much. But the trial ended, and then for "
            "three weeks nothing happened, and people moved on.",
        },
    ),
    "f_identity": Topic(
        questions=(
            "How did you set up sign-in and user provisioning?",
            "How did the SSO and provisioning setup go?",
        ),
        answers={
            "okta_scim": (
                "SAML SSO with Okta, plus SCIM provisioning. The SAML part took an afternoon. "
                "SCIM took longer, because the attribute mapping wasn't what we expected and the "
                "first sync created duplicate accounts for people whose e-mail had changed. "
                "Support helped us clean it up, but for a few days people couldn't log in.",
                "SAML with Okta, and SCIM, from day one. As a security team, we don't accept a "
                "tool without provisioning. It took a day, and the attribute mapping needed one "
                "fix. We also tested what happens when someone leaves: access was gone within "
                "minutes. That test is what we show our auditors.",
            ),
            "azure": (
                "Azure AD, with group sync. The documentation for the SSO setup was good, but "
                "the mapping of groups to roles is still manual: when someone changes teams, I "
                "move them by hand. I'd like that to come from the identity provider.",
                "Azure AD, through SAML. On a self-managed instance that means editing "
                "configuration files and restarting, which we're used to. Group mapping to roles "
                "we still do by hand. It's a small team running it, so every manual step is one "
                "of two people's time.",
            ),
            "manual": (
                "We haven't, yet. People log in with their own accounts and two-factor. SSO is on "
                "the list, but it needs our IT person and he's doing three other things. "
                "Honestly, with sixty people who mostly sit in the same building, it hasn't hurt "
                "us yet. It will the first time someone leaves on bad terms.",
            ),
        },
        follow_ups={
            "okta_scim": "The duplicates were people who'd married or changed their name. "
            "[laughs] Which is a sentence I didn't expect to say in this interview.",
        },
    ),
    "f_usage": Topic(
        questions=(
            "Sixty days in, how many of the add-on seats are actually being used?",
            "How many of the add-on seats are in use now, sixty days after the order?",
        ),
        answers={
            "high": (
                "Most of them. I checked the usage numbers last week and about eighty per cent of "
                "people used it in the last month. Code suggestions are the big one. The chat is "
                "used less than I expected. People who were sceptical in the first week are now "
                "the ones asking for the chat to work in more places.",
                "High, actually higher than in the trial. The tools team uses it all day, and the "
                "rest of the engineers a few times a week. I check the usage numbers monthly. "
                "It's spreading by itself, which is the best sign. I haven't had to push it once.",
            ),
            "dropped": (
                "Fewer than I'd like. In the trial everyone was curious. Now it's maybe a third "
                "of people using it weekly. The ones who use it love it, the rest tried it once, "
                "got a bad suggestion, and went back to their old habits.",
            ),
            "unknown": (
                "I honestly don't know. I can see how many seats are assigned, but the usage "
                "reporting I found tells me how many suggestions were accepted across the whole "
                "group, not who is using it. So I can't tell whether to expand or cut back at the "
                "renewal. It feels like buying three hundred gym memberships and getting a report "
                "of how many push-ups were done in total.",
                "Honestly, I don't know, and for a slightly different reason: only the people "
                "behind the proxy can reach it, so the usage report is mostly telling me about "
                "our network. The people who can reach it use it every day. I just can't tell you "
                "how many more would if they could.",
            ),
        },
        follow_ups={
            "dropped": "Nobody showed them how to use it well. The trial squads had a session "
            "with the solutions architect; everyone else just got a seat.",
            "unknown": "I asked our customer success manager, and she sent me the same report I "
            "already had.",
        },
    ),
    "f_handoff": Topic(
        questions=(
            "Between sales, the technical people and customer success, how were the hand-offs? "
            "Did you ever have to repeat yourself?",
            "How was the handover between the different people you dealt with on the vendor "
            "side? Did you have to repeat yourself?",
        ),
        answers={
            "repeated": (
                "Yes, three times. I explained our setup to the account executive, then to the "
                "solutions architect, then again to the customer success manager at kickoff. "
                "Each of them was nice and competent, but none of them seemed to have the notes "
                "from the previous conversation. At the kickoff she asked whether we were "
                "self-managed, which we'd discussed for an hour in the evaluation.",
                "Yes. Each new person on the vendor side started with the same discovery "
                "questions, as if the previous calls hadn't happened. Nice people, no shared "
                "notes. By the end I could have run their discovery call for them. [laughs]",
                "Yes. Every new person asked whether we were on SaaS. We're self-managed, and "
                "that changes everything about the AI features, so it wasn't a small thing to get "
                "wrong. Self-managed behind a proxy means a different trial, different "
                "onboarding, different answers. Every time someone assumed SaaS, we lost a week.",
            ),
            "smooth_handoff": (
                "It was smooth. The solutions architect joined the kickoff call with the customer "
                "success manager and handed things over in front of us, which I appreciated. I "
                "could hear what they'd written down about us, and correct it. It took fifteen "
                "minutes of the kickoff, and it meant nobody asked me anything twice afterwards.",
            ),
            "lost_promise": (
                "One thing got lost. During the deal, the account executive promised us a "
                "workshop on the AI features for our team leads. Customer success had no record "
                "of it. It happened in the end, but I had to find the e-mail and forward it.",
                "Something got lost, yes. Engineering had been promised a workshop on the AI "
                "features during the deal, and nobody on the customer success side knew. It "
                "happened in the end, after someone found the e-mail. Procurement had signed the "
                "order without knowing about the workshop, which is not how I like to sign "
                "things.",
            ),
        },
        follow_ups={
            "repeated": "It's a small thing, but it tells you whether you're a customer or a "
            "ticket number.",
            "lost_promise": "The workshop was good, by the way. Usage went up the week after. "
            "Which makes it more annoying that it almost didn't happen.",
        },
    ),
    "f_enablement": Topic(
        questions=(
            "How did people learn to use the AI features day to day, beyond the first group?",
        ),
        answers={
            "workshop": (
                "There was a workshop for the team leads, an hour, with examples on our own "
                "code. Usage went up the week after. I'd do one per team if I could find the "
                "time, because the difference between people who saw it used well and people "
                "who just got a seat is enormous.",
            ),
            "champions": (
                "The trial squads became the teachers, informally. People sit next to someone who "
                "uses it well and pick it up. It works for the people in the office. For the "
                "remote half of the team, it doesn't happen. We've talked about recording short "
                "sessions for the remote people. It hasn't happened yet, mostly because nobody "
                "owns it.",
                "The tools team are the unofficial teachers. When a programmer gets stuck, they "
                "wander over. It's not a programme, it's proximity. The trouble with proximity is "
                "that it only reaches the people who sit near the tools team, and that's about a "
                "third of the studio.",
            ),
            "none": (
                "Nobody learned it, as such. They got a seat and an e-mail. Some found the "
                "features on their own, most didn't. We never set aside any time for it, which "
                "is on us, but nobody suggested it either.",
            ),
        },
        follow_ups={
            "none": "I'd love a short, recorded session on our own code that I could send to "
            "new joiners. Twenty minutes. Nothing more.",
        },
    ),
    "f_pricing_addon": Topic(
        questions=("What do you think of how the AI add-on is priced?",),
        answers={
            "per_seat_all": (
                "Per seat is fine in principle. What I don't like is that the account executive "
                "told us the simplest option was to buy it for every seat, and simple turned out "
                "to mean expensive. A third of those seats are idle.",
                "The price per seat is reasonable. The problem was the 'for every seat' part, "
                "which was presented as the simple option. Simple for whom, I wondered. In "
                "procurement we call that a convenience premium, and it's usually paid by the "
                "buyer.",
            ),
            "pool": (
                "I'd prefer a pool: a number of seats I can assign and reassign as people join "
                "projects. Right now assigning seats is manual, and when someone leaves, the seat "
                "sits there until I notice. Something like a fixed number of seats we can move "
                "around freely would fit a studio much better.",
            ),
            "cheap": (
                "Compared with engineers' salaries, it's cheap. The issue isn't the price, it's "
                "proving the value at the renewal. If it saves each developer an hour a month, it "
                "has paid for itself. The problem is showing that hour to someone who wasn't in "
                "the trial.",
            ),
        },
    ),
    "f_support": Topic(
        questions=("Have you needed support since you started using it? How was that?",),
        answers={
            "good": (
                "Good. I opened two tickets, one about SCIM and one about a pipeline that hung, "
                "and both were answered within a day by someone who knew what they were doing. "
                "That's the thing I'd tell another CTO about, more than the features.",
                "Good. The engineer who helped with our runners clearly knew build systems, and "
                "he stayed on the ticket until it was fixed. That kind of experience is rare. "
                "I've told other studios about it.",
                "Good, once we reached the right person. The first answer was generic; the "
                "second, from someone who knew self-managed, found the missing endpoint. I'd just "
                "like the first answer to be the second answer. [laughs]",
            ),
            "slow_ai": (
                "Mixed. When I asked about the AI features, the first answers were generic, "
                "copied from the documentation. It felt like support was still learning the "
                "product. The pipeline questions were answered much better. For a security "
                "review, generic answers are worse than no answers, because I can't put them in a "
                "report.",
            ),
        },
    ),
    "f_renewal": Topic(
        questions=(
            "Looking ahead to the renewal, what will decide whether you keep, grow or cut the "
            "add-on?",
        ),
        answers={
            "grow": (
                "If usage holds where it is, we'll add seats for the teams that didn't get one. "
                "I'd also look at Ultimate for the security features, but that's a bigger "
                "conversation with the CTO. The numbers will decide, but right now they point the "
                "right way.",
                "Grow, probably. I'd like to give it to the gameplay programmers, but first I "
                "need to show them it helps with gameplay code, not just tools. If the gameplay "
                "leads see it help with their own code, they'll ask for it. That's how things "
                "spread here.",
            ),
            "cut": (
                "Right now I'd cut it to the people who use it. I'll need usage data by person to "
                "do that, which is my main ask.",
                "I'll ask for usage by person before we discuss the price. We buy what's used "
                "plus a margin. Idle seats are what finance remembers. If that's lower than what "
                "we have, so be it. If it's higher, I'll happily add seats.",
            ),
            "decide_later": (
                "It depends on the security team. If the per-project controls arrive, we'd add "
                "the add-on at the renewal. The product itself, from what our engineers saw in "
                "the trial, is good. So it's not a no. It's a 'not yet, and here's exactly what "
                "would change it'.",
                "It depends on the network. If the endpoints are documented and a trial can run "
                "properly, we'd add the add-on for everyone at the renewal. If not, we stay on "
                "Premium alone. I'd rather decide with real data from our own team than with "
                "another demo.",
            ),
        },
    ),
    "f_wish": Topic(
        questions=(
            "If you could change one thing about buying or rolling out the add-on before the "
            "renewal, what would it be?",
        ),
        answers={
            "usage_by_person": (
                "Usage by person, so I can give seats to the people who use them.",
                "Per-person usage, monthly, without asking. Then I can move seats between teams "
                "myself. That would also tell me who to ask for tips, which is the other half of "
                "adoption.",
            ),
            "one_doc": (
                "One document answering every security and legal question about the AI features. "
                "We'd have saved a month. Written for security reviewers, with the controls, the "
                "data flows and the sub-processors in one place.",
                "A single security and legal pack for the AI features, written for procurement "
                "and legal, not for engineers. We'd have signed a month earlier.",
            ),
            "trial_self_managed": (
                "A trial that works on self-managed without a three-week network project. Tell me "
                "upfront which endpoints to open. Self-managed customers aren't rare. We should "
                "not feel like an edge case.",
            ),
            "one_contact": (
                "One person who knows our story from the first call to the renewal. That's it. We "
                "had that person, more or less, and it's the reason the whole thing felt easy.",
            ),
        },
    ),
}


# --- Mid-Market first order: Brightforge's own account team --------------------------------------

INTERNAL_TOPICS: dict[str, Topic] = {
    "i_deal_shape": Topic(
        questions=(
            "How does a typical first order with the AI add-on come together from your side, "
            "from the first call to the signed order?",
        ),
        answers={
            "ae": (
                "Usually an engineering manager signs up for a trial, hits a limit, and either "
                "they contact us or we reach out because of the usage. First call is discovery, "
                "second is a demo, and somewhere in there the AI add-on comes up, because it's on "
                "my quota sheet this year. About two thirds of my first orders this year included "
                "it, but that number hides a lot of very small add-on seat counts.",
            ),
            "sa": (
                "By the time I'm involved, the account executive has usually qualified the deal "
                "and the customer wants a technical evaluation. My job is to make the trial "
                "succeed: set up the environment, answer the security questions, and join the "
                "calls where the customer's engineers poke at it. With the AI add-on, half my "
                "time is now the security questions.",
            ),
            "csm": (
                "I see it from the other end. A deal closes, I get a notification in the CRM, and "
                "I have two weeks to schedule the kickoff. What I get is the order and whatever "
                "the account executive wrote in the notes, which ranges from a full page to a "
                "single line. The full-page ones are gold. I can walk into the kickoff knowing "
                "who fought for the deal and what they're worried about.",
            ),
        },
        follow_ups={
            "ae": "The quota sheet matters more than people admit. If the add-on wasn't on it, "
            "I'd mention it, but I wouldn't push.",
            "csm": "The single-line ones say things like 'great customer, very technical'. Which "
            "tells me nothing I can use at kickoff.",
        },
    ),
    "i_trials": Topic(
        questions=("When do you offer a trial of the AI add-on, and how do trials usually go?",),
        answers={
            "ae": (
                "I offer a trial when the customer isn't sure, and that's most of them. The "
                "trouble is the trial clock: thirty days sounds long, but if security takes two "
                "weeks to approve it, the team has ten working days to form an opinion. I've "
                "extended trials by hand more times than I can count.",
            ),
            "sa": (
                "Trials go well when somebody on the customer side owns them. When the trial is "
                "just switched on and left, usage drops after the first week and the customer "
                "concludes it doesn't work for them. I now insist on a kickoff call and a "
                "check-in halfway through, even though nobody asked me to.",
            ),
            "csm": (
                "Trials mostly happen before I'm involved, but I inherit the consequences. If the "
                "trial was messy, the first thing the customer tells me at kickoff is that "
                "they're not sure they'll keep the add-on. If the trial went well, they arrive "
                "with a plan and names. That's the best possible start.",
            ),
        },
        follow_ups={
            "sa": "For self-managed customers, add the network setup. I've seen trials where the "
            "first week was spent on firewall rules.",
        },
    ),
    "i_seats": Topic(
        questions=(
            "How is the number of add-on seats decided in a deal, before the quote goes out?",
        ),
        answers={
            "ae": (
                "Honestly, the default is to quote for every seat, because the discount tiers "
                "reward it and the customer's procurement likes one number. I know some of those "
                "seats won't be used. When a customer asks to start smaller, I'll usually agree, "
                "but the deal desk asks me why.",
            ),
            "sa": (
                "I'd like to be asked more. I see who used the trial, so I could tell the account "
                "executive that fifteen of the sixty developers used it seriously. That "
                "information exists in my notes and rarely makes it into the quote. Fifteen "
                "serious users out of sixty is a perfectly good start, if everyone knows that's "
                "the start.",
            ),
            "csm": (
                "I'm the one who has to explain the unused seats at the first business review. "
                "I've had customers with eighty seats and twelve active users after sixty days. "
                "It's not a great conversation to start a relationship with.",
            ),
        },
        follow_ups={
            "ae": "I get why it looks bad from the outside. But if I quote small and they grow, "
            "the true-up is at list price, and then they're angry about that instead.",
            "csm": "The customer always remembers who sold them the eighty seats. It's never me. "
            "[laughs] But I'm the one in the room.",
        },
    ),
    "i_security": Topic(
        questions=(
            "What do security and legal reviews of the AI add-on usually ask before signing, "
            "and how long do they add?",
        ),
        answers={
            "ae": (
                "They add anywhere from a week to two months. The questions are always the same: "
                "training data, retention, sub-processors. We have answers, but they're spread "
                "across several documents, and I end up forwarding four links and hoping.",
            ),
            "sa": (
                "I keep a Google doc with every question I've been asked about the AI features "
                "and the best answer I've found, with links. It's about forty questions now. "
                "Other solutions architects copy it. It should really be an official document, "
                "but right now it's mine.",
            ),
            "csm": (
                "I only see the aftermath: a customer who says at kickoff that security approved "
                "the add-on for non-production code only, which nobody told me, and which "
                "changes the whole rollout plan.",
            ),
        },
        follow_ups={
            "sa": "When I'm on holiday, people message me for the link. That's how you know "
            "it's a workaround and not a process.",
        },
    ),
    "i_handoff": Topic(
        questions=(
            "Walk me through the hand-off from sales to the technical team and then to customer "
            "success. What gets lost?",
        ),
        answers={
            "ae": (
                "The hand-off to customer success is a form in the CRM and a call if we're lucky. "
                "What gets lost is the politics: who really wanted this, who was against it, what "
                "we promised to get it over the line. That doesn't fit in a form.",
            ),
            "sa": (
                "Between the account executive and me it's fine, we talk every day. Between me "
                "and customer success there's no formal step at all. I've started joining kickoff "
                "calls uninvited, because otherwise the customer explains their architecture "
                "again to someone new. Nobody minds me being there. It's just not written down "
                "anywhere that I should be.",
            ),
            "csm": (
                "What gets lost is anything that was said and not written. Promises, especially. "
                "A workshop, a trial extension, a discount at renewal. I find out when the "
                "customer reminds me, and by then it sounds like we forgot.",
            ),
        },
        follow_ups={
            "ae": "I write more in the notes when I know the CSM. When it's someone new, I "
            "don't know what they need, so I write less. Which is backwards.",
            "csm": "Last month a customer asked about 'the discount we agreed for year two'. "
            "Nothing in the CRM. It was in an e-mail thread I wasn't on.",
        },
    ),
    "i_onboarding": Topic(
        questions=(
            "What do the first thirty days after the order look like for a new Mid-Market "
            "customer, from kickoff to first value?",
        ),
        answers={
            "csm": (
                "Kickoff in the first two weeks, SSO and provisioning in week two or three, then "
                "a check-in at thirty days where we look at activated licences. For the AI "
                "add-on, I show the team leads where the usage reports are, because otherwise "
                "nobody looks. The goal is first value in under a month, and we hit that maybe "
                "half the time.",
            ),
            "sa": (
                "Officially I'm out after the order is signed. In practice the first thirty days "
                "are when customers message me most, because I'm the last technical person they "
                "spoke to. SSO and SCIM questions, mostly.",
            ),
            "ae": (
                "I try to stay in the loop for the first thirty days, but honestly, by then I'm "
                "on the next deal. I hear about onboarding when it goes wrong. Which is a "
                "terrible way to find out, because by then the customer is already disappointed.",
            ),
        },
    ),
    "i_usage": Topic(
        questions=("How do you find out whether customers are using the add-on after sixty days?",),
        answers={
            "csm": (
                "I pull a usage report before each check-in. It tells me accepted suggestions per "
                "group, not per person, so when a customer asks who isn't using it, I can't "
                "answer. I've asked product for that twice.",
            ),
            "ae": (
                "I don't, really, until the renewal comes up. I'd like to know earlier, because "
                "an add-on that's not used is the first thing a customer cuts. A simple alert "
                "when an account's usage drops would let me call them while there's still "
                "something to fix.",
            ),
            "sa": (
                "Informally. The champions I worked with in the trial sometimes message me. "
                "That's anecdotes, not data. Sometimes the anecdotes are very good. But I can't "
                "take them to a renewal.",
            ),
        },
    ),
    "i_tools": Topic(
        questions=("What tools or workarounds do you use day to day to keep track of all this?",),
        answers={
            "ae": (
                "The CRM, and a spreadsheet I keep of every promise I make in a deal, because the "
                "CRM has no field for it. Workshops, extensions, discounts for year two. It's not "
                "elegant, but it's the only complete record of what I've promised.",
            ),
            "sa": (
                "My Google doc of security answers, and a Slack channel per customer during the "
                "trial. The channel is where the real evaluation happens. When the trial ends, "
                "the channel usually dies, and whatever the customer said in it dies with it.",
            ),
            "csm": (
                "A spreadsheet of seats bought versus seats active per customer, updated by hand "
                "from the usage reports every two weeks. Thirty-one customers on it right now. It "
                "takes me about two hours every other Friday. It's the most useful two hours of "
                "my fortnight.",
            ),
        },
    ),
    "i_pricing": Topic(
        questions=(
            "How do customers react to the price of the add-on, and how much room is there for "
            "a discount?",
        ),
        answers={
            "ae": (
                "Most react fine to the price per seat. What they react to is the total, when "
                "it's quoted for everyone. I have some discount room on the add-on when it's "
                "bundled, and the deal desk approves more for a multi-year order. The trouble is "
                "that the discount is what customers remember, not the value.",
            ),
            "sa": (
                "Engineers rarely ask me about price. When they do, it's 'is this included in "
                "Premium?', and the honest answer, that it's an add-on, usually gets a sigh. Then "
                "the question becomes whether the trial can justify it, and that's where I come "
                "in.",
            ),
            "csm": (
                "By the time I'm involved, the price is settled. But at the renewal, price is "
                "the first thing customers bring up when usage is low.",
            ),
        },
    ),
    "i_renewal": Topic(
        questions=(
            "What happens at the first renewal for these customers? Do they expand the add-on or "
            "cut it?",
        ),
        answers={
            "ae": (
                "It's split. Customers with a real champion add seats, often at the renewal and "
                "a few more mid-term. Customers who bought on a demo cut, sometimes to zero. I'd "
                "guess one in three cut.",
            ),
            "sa": (
                "I'm rarely involved at the renewal, unless they're considering Ultimate. Then "
                "I'm back for a security evaluation, and I meet the same questions again.",
            ),
            "csm": (
                "The renewal is decided at the sixty-day check, really. If usage is low then and "
                "nobody acts, the renewal conversation is about cutting seats, and by then it's "
                "too late to change the story.",
            ),
        },
        follow_ups={
            "csm": "I've started booking the sixty-day check at kickoff, in the customer's "
            "calendar. It's the single most useful thing I've changed this year.",
        },
    ),
    "i_selfmanaged": Topic(
        questions=("How do trials of the AI add-on work for self-managed customers?",),
        answers={
            "sa": (
                "Badly, honestly. The AI features need network access from the customer's data "
                "centre, and every customer has a different proxy and firewall. I've spent whole "
                "trials on network setup. We have no published list of endpoints that I trust, "
                "so I send my own, and I'm never sure it's current.",
            ),
        },
        follow_ups={
            "sa": "One customer's network team asked me for a diagram. I drew one on a call. "
            "It's now the diagram half the team uses. That shouldn't be how this works.",
        },
    ),
    "i_wish": Topic(
        questions=(
            "If you could fix one thing about how these deals run, from first call to renewal, "
            "what would it be?",
        ),
        answers={
            "ae": (
                "One place for what we promised the customer, visible to everyone who talks to "
                "them after me. Not a form. A living page, where the customer success manager can "
                "add what she hears, too.",
            ),
            "sa": (
                "An official security and legal pack for the AI add-on, kept current by someone "
                "whose job it is. It would also make every customer's security review faster, "
                "which is good for the account executives too.",
            ),
            "csm": (
                "Usage by person, and being in the deal before it closes, even for one call. If I "
                "could have one, I'd take being in the deal. The usage reports I can work around.",
            ),
        },
    ),
}


# --- Product-led growth: free to paid -------------------------------------------------------------

PLG_TOPICS: dict[str, Topic] = {
    "p_signup": Topic(
        questions=(
            "How did you first come across the product, and how did you end up signing up?",
            "Where did you first hear about it, and what made you sign up?",
        ),
        answers={
            "word_of_mouth": (
                "A friend from my last job. We'd used it there, on the paid tier, and when we "
                "started the studio I just signed up for the free tier out of habit. There "
                "wasn't really a decision.",
            ),
            "github_move": (
                "We were on another platform and got annoyed with the CI limits there. I searched "
                "for alternatives, read a couple of comparison blog posts, and the free tier had "
                "more CI minutes than what we had. Moving the repos took an evening. I did it at "
                "night so nobody would notice if something broke. Nothing broke.",
            ),
            "startup_programme": (
                "Through the startup programme. Our accelerator had a list of perks, and one of "
                "them was a year of Premium for free. I didn't even compare it with anything, to "
                "be honest. Free is a strong argument when you have no money.",
            ),
            "search": (
                "Googling, basically. I was looking for a way to run CI for a small Terraform "
                "project and a tutorial used it. I made an account to follow the tutorial and "
                "never left. It's still the tool our newer engineers learn first, because of that "
                "tutorial culture.",
            ),
        },
    ),
    "p_first_value": Topic(
        questions=(
            "What was the first piece of real work you did on it, and how long did it take to "
            "get there after you set up the account?",
        ),
        answers={
            "day_one": (
                "The first pipeline ran on day one. I copied a template, changed two lines, "
                "pushed, and it built. That was the moment I thought, okay, this is going to be "
                "our home. Maybe an hour from sign-up.",
                "The first plan ran in about ten minutes. Terraform template, one change, push. "
                "That was nice. I remember thinking it was too easy, and waiting for the problem. "
                "It didn't come.",
            ),
            "import": (
                "Importing the repositories from GitHub was the first thing, and that was quick. "
                "The first real work was getting our test suite to run in CI, which took a "
                "weekend, because our tests needed a database and I'd never set up services in a "
                "pipeline before.",
            ),
            "runner_pain": (
                "It took longer than I'd like to admit. Some of our builds are heavy, so the "
                "shared runners were too slow, and setting up our own runner on a cloud machine "
                "took me two evenings of reading docs and forum threads. After that it was fine. "
                "The first real work after that was the image pipeline for our catalogue, which "
                "ran in CI from the second week.",
            ),
        },
        follow_ups={
            "import": "The import itself was magic. Issues, merge requests, everything came "
            "across. I was braced for a week and it was twenty minutes.",
            "runner_pain": "The docs were correct, there was just a lot of them. I needed the "
            "ten lines for my case, and they were spread over four pages.",
        },
    ),
    "p_limits": Topic(
        questions=(
            "Which limit did you run into first on the free tier, and how did you find out?",
        ),
        answers={
            "ci_minutes": (
                "CI minutes. We ran out in the third week of the month, on a Thursday, in the "
                "middle of a release. The pipeline just didn't start, and the message said "
                "something about quota. I had to search what it meant. I bought extra minutes "
                "with my own card that night, and the next month we paid for Premium.",
            ),
            "storage": (
                "Storage. Our assets are big, and we use LFS for them, and one day pushes started "
                "failing. I didn't even know there was a storage limit until then. There was an "
                "e-mail, it turned out, but it went to an address nobody reads.",
            ),
            "seats": (
                "The user limit. We're three people, but I wanted to invite a contractor for a "
                "month, and that would have pushed us over the free limit. So I had to decide: "
                "pay per seat for all of us, every month, for one contractor for one month. "
                "That's where we stopped.",
            ),
            "none": (
                "We haven't hit one yet, really. I watch the CI minutes, because I know that's "
                "the one. We're at about seventy per cent most months. If we ever go over, I'll "
                "know on that day of the month, and I'll have a decision to make.",
            ),
        },
        follow_ups={
            "ci_minutes": "What I wanted was a warning at eighty per cent. In the product, where "
            "I'd see it, not in an e-mail.",
            "storage": "I found the e-mail later, in the inbox of the address we used when we "
            "signed up. It was very polite. [laughs]",
        },
    ),
    "p_approval": Topic(
        questions=("Who decided to pay, and what did they need to see before approving it?",),
        answers={
            "founder_card": (
                "Me. [laughs] I'm the founder, so I paid with the company card. The only person "
                "I had to convince was myself, and the argument was simple: a broken release "
                "costs us more than a year of Premium.",
            ),
            "finance": (
                "I had to ask our finance person, who's part-time. She wanted an invoice, not a "
                "card payment, and she wanted to know it would be the same amount every month. "
                "The per-seat pricing made that hard to promise, because we're hiring. We settled "
                "on card for now, and she exports the receipts each month.",
            ),
            "credits": (
                "Nobody, at first, because the credits paid for it. When the credits ran out, our "
                "CEO asked what this line on the card statement was. I wrote a half-page "
                "explaining what we use it for and what it would cost to replace, and that was "
                "enough. He read it, asked one question about the storage costs, and approved it.",
            ),
            "self_no": (
                "My co-founder and I look at every subscription together. We have a rule: nothing "
                "per seat until we have revenue. So far it's been no. It's not that the product "
                "isn't worth it. It's that we have to choose what to pay for, and this can wait.",
            ),
        },
    ),
    "p_pricing": Topic(
        questions=("When you looked at the pricing page, what did you make of it?",),
        answers={
            "per_seat": (
                "It's clear, but it's per seat, per month, and that's the problem for us. The "
                "jump from free to paying for everyone is big for a company with no revenue yet. "
                "Something in between would have us paying today.",
                "Per seat, per month, for everyone. We're three people and sometimes a "
                "contractor. Paying for all of us every month, before we earn anything from it, "
                "is the jump I can't justify yet.",
            ),
            "clear": (
                "Clear enough. The comparison table is long, but I only needed two rows, CI "
                "minutes and storage, and those were easy to find. What I couldn't find was what "
                "happens when you go over. That's the part I needed.",
            ),
            "confusing": (
                "Confusing. I couldn't tell what was included in Premium and what was an add-on, "
                "and the page talked about 'compute minutes' while the error in the pipeline said "
                "'CI minutes'. Are those the same thing? I still don't know. For a team of "
                "twelve, I don't want to study a pricing page. I want to know what it costs next "
                "month.",
            ),
        },
        follow_ups={
            "per_seat": "Compare that with our cloud bill, which goes up and down with what we "
            "use. That I understand. Seats for people who push once a week, I don't.",
            "confusing": "I asked in the forum and got two different answers. [laughs]",
        },
    ),
    "p_trial": Topic(
        questions=("Did you try a paid tier before buying? How did the trial go?",),
        answers={
            "last_day": (
                "We did the thirty-day trial of Premium. I'll be honest, we bought it on the last "
                "day, because the trial ended on a Friday and I didn't want the merge request "
                "approvals to disappear over the weekend. The trial was useful, but nobody told "
                "me what would happen at the end, so the deadline made the decision.",
            ),
            "no_trial": (
                "No, I didn't know there was one. I found out after we'd paid. Nobody mentioned "
                "it, and I didn't look. If I had, I'd have tried it before we were in trouble, "
                "not after.",
            ),
            "credits": (
                "The startup programme was effectively a year-long trial. It's great, but it "
                "meant we never made a real decision, and when it ended we paid because switching "
                "would cost more, not because we'd chosen.",
            ),
            "didnt_bother": (
                "I looked at it and didn't start one. A trial is only useful if I'm ready to pay "
                "at the end, and I wasn't. A trial would just have made the 'no' harder.",
            ),
        },
        follow_ups={
            "last_day": "An e-mail a week before, saying 'here's what you'll lose on Friday', "
            "would have been enough. I found out by reading the small print.",
        },
    ),
    "p_checkout": Topic(
        questions=("How did the actual payment or checkout go?",),
        answers={
            "vat": (
                "Annoying. The checkout asked for a VAT number, and ours is formatted with a "
                "country prefix, which it rejected. I tried three times, then gave up and entered "
                "it without, and then the invoice was wrong for our accountant. It took two "
                "e-mails to fix.",
            ),
            "card_declined": (
                "The card was declined the first time, because our bank flags foreign "
                "subscriptions. No problem with the product, but the error message just said "
                "'payment failed', and I spent twenty minutes thinking it was their side. A "
                "clearer error, something like 'your bank declined this', would have saved me a "
                "phone call to the wrong people.",
            ),
            "smooth": (
                "Smooth. Card, two minutes, done. Better than most SaaS checkouts I've been "
                "through.",
            ),
            "invoice": (
                "We wanted to pay by invoice, annually, and the self-serve checkout only offered "
                "a card, monthly. To get an invoice we'd have to talk to sales, and for twelve "
                "seats sales wasn't interested. So we paid by card, monthly, and our finance "
                "person does the paperwork by hand.",
            ),
        },
    ),
    "p_help": Topic(
        questions=("When you got stuck day to day, where did you go for help?",),
        answers={
            "docs": (
                "The docs, first. They're thorough, sometimes too thorough: I want the three "
                "lines that fix my problem and I get the full reference. Then the forum, where I "
                "usually find someone with the same problem from two years ago. For anything "
                "about billing, though, neither helped. The docs don't cover it and the forum "
                "doesn't know.",
            ),
            "nobody": (
                "There's no one to ask on the free tier, which I understand. But when I was about "
                "to pay and had a question about the storage limits, I clicked 'contact sales' "
                "and never heard back. I paid anyway, but it didn't feel great.",
                "Nobody, really. The forum answered my technical question in five minutes, a "
                "person from the community. My question about the user limit, to sales, never got "
                "an answer. It's not a complaint exactly. It's just that when you decide alone, "
                "the answer is usually 'not now'.",
            ),
            "community": (
                "The community forum and a Discord for game developers. The answers there are "
                "more practical than the docs, because people have the same weird setup as us. "
                "It's a bit like asking a neighbour instead of calling the manufacturer. Faster, "
                "and usually right.",
            ),
        },
    ),
    "p_sso": Topic(
        questions=(
            "Did security features, single sign-on for example, play any role in deciding "
            "whether to pay?",
        ),
        answers={
            "sso_tax": (
                "Yes, negatively. A customer asked us to use SSO with their identity provider for "
                "a project, and SSO isn't in the free tier. It felt like a tax: we're a tiny "
                "company, and the one feature a big customer asks for is the one behind the "
                "paywall. We're small, but our clients are not, and their rules become our rules.",
                "A little. One client needed SSO for their repositories and we couldn't offer it "
                "on the free tier. We got through that project without it, but it was close. For "
                "a three-person company, that's the kind of thing that decides whether you win a "
                "client.",
            ),
            "not_needed": (
                "Not at all. We're a handful of people. We use two-factor authentication, which "
                "is free, and that's enough. If a publisher ever asks for it, we'll think again. "
                "Until then, two-factor does the job.",
                "Not really. We use Google accounts with two-factor. For twenty people that's "
                "enough, and nobody has asked us for more. When we're fifty people, maybe. We're "
                "not there.",
            ),
        },
    ),
    "p_workaround": Topic(
        questions=(
            "Have you found ways to get more out of the free tier day to day?",
            "Any tricks you use day to day to stay within the limits?",
        ),
        answers={
            "runner": (
                "Yes. We run our own runner on an old laptop in the office, so most CI doesn't "
                "count against the minutes. It's fine until someone closes the lid. [laughs] Then "
                "the builds queue and nobody knows why until I look.",
            ),
            "cleanup": (
                "I wrote a small script that deletes old artifacts and container images every "
                "night, to stay under the storage limit. It took an hour to write, and it's saved "
                "us from paying for months. It's one of those things that's obvious once you've "
                "done it.",
                "A cleanup job runs every night in CI and deletes old artifacts and images. It "
                "costs about two minutes of compute a night and keeps us under the storage limit. "
                "Storage is cheap, but storage limits on a small plan are not.",
            ),
            "accounts": (
                "We split projects across two free groups, so each stays under the user limit. I "
                "know that's not what the free tier is for. It's also a mess: permissions are "
                "duplicated and nobody remembers which group has what. One day I'll merge them. "
                "That day is not today.",
            ),
        },
    ),
    "p_alternatives": Topic(
        questions=("Did you compare it with alternatives before choosing it, or since?",),
        answers={
            "compared": (
                "We compared three. The other two had nicer editors or cheaper seats, but only "
                "this one had CI built in without extra setup, and for a small team that's the "
                "deciding thing: one less tool to look after. The seat prices were close enough "
                "that they didn't decide it.",
            ),
            "stayed": (
                "Not seriously. Switching would cost us a week, and a week is a lot for us. I "
                "look at the pricing pages of the others once a year, more out of curiosity.",
                "We did look, when the money question came up. The others were cheaper for our "
                "size, but our pipelines and issues were all here, and nobody wanted to spend a "
                "sprint moving them.",
            ),
            "considered_leaving": (
                "Twice. Both times it was the per-seat price that made me look, and both times "
                "the migration effort made me stay. That's not the loyalty you want, I guess. "
                "[laughs]",
            ),
        },
    ),
    "p_growth": Topic(
        questions=("As the team grows next year, how do you see your plan changing?",),
        answers={
            "hiring": (
                "We're hiring four people in the spring, so the per-seat cost goes up by half. "
                "That's fine if the product grows with us, but I'll look at the numbers again "
                "before we add them. At some point someone will ask whether we still need all "
                "of it.",
            ),
            "stable": (
                "We're not planning to grow much. Small is the point, for us. So what matters is "
                "that the price stays predictable, not that there's a plan for fifty people. If "
                "we grow for a project, it's contractors for a few months, and then the per-seat "
                "question comes back.",
            ),
            "clients": (
                "It depends on clients, not on us. If a big client asks for SSO or audit logs, "
                "we'll pay for the tier that has them, whatever our size. Clients ask us about "
                "security more and more, so I expect that day to come soon.",
                "It depends on clients more than on us. If one asks for audit logs or SSO, we'll "
                "pay for whatever tier has them. So our plan is less about the team and more "
                "about who we work for.",
            ),
        },
    ),
    "p_wish": Topic(
        questions=("What would have to change for you to pay, or to pay for more, next year?",),
        answers={
            "small_team_plan": (
                "A small-team plan. A flat price for up to five people, no per-seat maths. I'd "
                "pay that today. We're eight engineers. Give me a plan for eight, with a price I "
                "can predict.",
                "Something like a fixed price for three seats. Even the price of two seats for "
                "three people. I'd pay that today. It's not about the money, it's about paying "
                "for people who aren't using it.",
            ),
            "usage_based": (
                "Pay for the CI minutes I use, not for seats. Our problem is compute, not people. "
                "Some months we hardly build anything. Other months we build all day. Seats don't "
                "know the difference.",
            ),
            "warning": (
                "Warn me before I hit a limit, in the product, not in an e-mail. Then I can "
                "decide calmly instead of in the middle of a release. And maybe a way to buy a "
                "small top-up of minutes from inside the pipeline page, without a new "
                "subscription.",
            ),
        },
    ),
}

TOPICS: dict[str, Topic] = {
    **UPTIER_TOPICS,
    **FIRST_ORDER_TOPICS,
    **INTERNAL_TOPICS,
    **PLG_TOPICS,
}
