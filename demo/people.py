"""Sixty fictional people: customers of a fictional DevOps platform vendor, Brightforge, and
Brightforge's own account, solutions, success, support and product staff.

Every name, company and e-mail address is invented; domains use the reserved `.example` TLD.
Rows are created in this order, so the first row becomes P-001 on an empty database.

Consent dates are explicit. The pipeline refuses to mark an interview completed without valid
consent on that day, so a wrong date here makes the load fail rather than produce a bad demo.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from demo.accounts import RESEARCHER_USERNAME
from demo.context import DEMO_TODAY, DemoContext, day, moment
from interviews import services
from interviews.models import ConsentRecord, Participant

CUSTOMER = Participant.Kind.CUSTOMER
INTERNAL = Participant.Kind.INTERNAL

INTERNAL_COMPANY = "Brightforge"

# Consent is normally asked for at screening and lasts two years.
CONSENT_YEARS = 2


@dataclass(frozen=True)
class Consent:
    scope: str
    given_on: str
    expires_on: str = ""  # empty: two years after given_on
    withdrawn_on: str = ""
    study: str = ""  # a project slug when the consent covers that study only
    note: str = ""

    def expiry(self) -> dt.date:
        if self.expires_on:
            return day(self.expires_on)
        given = day(self.given_on)
        return given.replace(year=given.year + CONSENT_YEARS)


def internal(given_on: str, *, study: str = "", note: str = "") -> Consent:
    return Consent(ConsentRecord.Scope.INTERNAL, given_on, study=study, note=note)


def research_team(given_on: str, *, note: str = "") -> Consent:
    return Consent(ConsentRecord.Scope.RESEARCH_TEAM, given_on, note=note)


@dataclass(frozen=True)
class Person:
    key: str
    name: str
    email: str
    company: str
    job_title: str
    persona: str
    segment: str
    region: str
    tier: str = ""
    deployment: str = ""
    company_size: str = ""
    kind: str = CUSTOMER
    consent: Consent | None = None
    do_not_contact: str = ""  # the reason, when they asked not to be contacted


def staff(
    key: str,
    name: str,
    email: str,
    job_title: str,
    persona: str,
    segment: str,
    region: str,
    consent: Consent | None = None,
) -> Person:
    """A Brightforge employee, interviewed for the internal-team lens."""
    return Person(
        key=key,
        name=name,
        email=f"{email}@brightforge.example",
        company=INTERNAL_COMPANY,
        job_title=job_title,
        persona=persona,
        segment=segment,
        region=region,
        kind=INTERNAL,
        consent=consent,
    )


S_1_100, S_101_1000, S_1001_5000, S_5001 = "1-100", "101-1000", "1001-5000", "5001+"

# One row per person, packed as a table; ruff format would give each field its own line.
# fmt: off
PEOPLE: tuple[Person, ...] = (
    # Study 1: Premium → Ultimate up-tier, large self-managed customers, every region.
    Person(
        "lukasz", "Łukasz Wiśniewski", "lukasz.wisniewski@vistularail.example", "Vistula Rail",
        "Head of Platform Engineering", "Platform engineer", "large", "emea", "premium",
        "self_managed", S_5001, consent=internal("2026-08-28"),
    ),
    Person(
        "amara", "Amara Okonkwo", "amara.okonkwo@meridianhealth.example",
        "Meridian Health Systems", "Director of DevOps", "DevOps lead", "large", "amer",
        "ultimate", "self_managed", S_5001, consent=internal("2026-09-11"),
    ),
    Person(
        "kenji", "Kenji Watanabe", "kenji.watanabe@kumotel.example", "Kumo Telecom",
        "Engineering Manager, Developer Tools", "Engineering manager", "large", "apac",
        "premium", "self_managed", S_5001,
        consent=research_team("2026-09-25", note="Legal allows research-team use only."),
    ),
    Person(
        "isabela", "Isabela Carvalho", "isabela.carvalho@bancosolaris.example", "Banco Solaris",
        "Information Security Architect", "Security engineer", "large", "latam", "ultimate",
        "self_managed", S_5001, consent=internal("2026-10-09"),
    ),
    Person(
        "henrik", "Henrik Lindqvist", "henrik.lindqvist@halvorsen.example", "Halvorsen Energi",
        "Chief Technology Officer", "CTO", "large", "emea", "premium", "self_managed",
        S_1001_5000, consent=internal("2026-10-23"),
    ),
    Person(
        "priyanka", "Priyanka Deshmukh", "priyanka.deshmukh@tessaract.example",
        "Tessaract Semiconductors", "Senior Manager, Strategic Sourcing", "Procurement manager",
        "large", "apac", "premium", "self_managed", S_5001, consent=internal("2026-11-06"),
    ),
    Person(
        "mateo", "Mateo Fernández", "mateo.fernandez@orchardmutual.example",
        "Orchard Mutual Insurance", "VP Engineering", "VP Engineering", "large", "amer",
        "ultimate", "self_managed", S_5001, consent=internal("2026-11-13"),
    ),
    Person(
        "aoife", "Aoife Gallagher", "aoife.gallagher@copperleaf.example", "Copperleaf Bank",
        "Lead DevOps Engineer", "DevOps lead", "large", "emea", "premium", "self_managed",
        S_1001_5000, consent=internal("2026-11-13"),
    ),
    Person(
        "dmitri", "Dmitri Sokolov", "dmitri.sokolov@rheinmain-auto.example",
        "Rhein-Main Automotive", "Release Manager", "Release manager", "large", "emea",
        "premium", "self_managed", S_5001, consent=internal("2026-11-16"),
    ),
    Person(
        "grace", "Grace Mensah", "grace.mensah@saffronair.example", "Saffron Air",
        "Platform Engineer", "Platform engineer", "large", "emea", "premium", "self_managed",
        S_5001,
    ),
    Person(
        "wei", "Zhang Wei", "wei.zhang@kestrel-aero.example", "Kestrel Aerospace",
        "Principal Engineer, Build Systems", "Platform engineer", "large", "amer", "premium",
        "self_managed", S_5001,
        consent=internal("2025-11-03", note="Customer advisory panel, renewed yearly."),
    ),
    Person(
        "sophie", "Sophie Dubois", "sophie.dubois@lumiere-retail.example",
        "Lumière Retail Group", "IT Director", "IT director", "large", "emea", "ultimate",
        "self_managed", S_5001,
        consent=Consent(
            ConsentRecord.Scope.INTERNAL, "2024-05-14", expires_on="2026-05-14",
            note="From the FY25 onboarding study; ask again before interviewing.",
        ),
    ),
    Person(
        "rahul", "Rahul Iyer", "rahul.iyer@northwind.example", "Northwind Logistics",
        "Engineering Manager, CI Platform", "Engineering manager", "large", "amer", "premium",
        "self_managed", S_1001_5000,
    ),
    Person(
        "nomvula", "Nomvula Dlamini", "nomvula.dlamini@karoo-mining.example", "Karoo Mining",
        "DevOps Lead", "DevOps lead", "large", "emea", "ultimate", "self_managed", S_1001_5000,
        consent=internal("2026-10-17"),
    ),
    Person(
        "jose", "José Ramírez", "jose.ramirez@andes-cement.example", "Andes Cement",
        "Head of Infrastructure", "IT director", "large", "latam", "premium", "self_managed",
        S_1001_5000, consent=internal("2026-10-07"),
    ),
    # Study 2: Mid-Market first orders with Premium and the AI add-on, AMER customers ...
    Person(
        "chloe", "Chloé Tremblay", "chloe.tremblay@larkspurhealth.example", "Larkspur Health",
        "Engineering Manager", "Engineering manager", "mid_market", "amer", "premium", "saas",
        S_101_1000, consent=internal("2026-09-05"),
    ),
    Person(
        "marcus", "Marcus Johnson", "marcus.johnson@redwoodledger.example", "Redwood Ledger",
        "Chief Technology Officer", "CTO", "mid_market", "amer", "premium", "saas", S_101_1000,
        consent=internal(
            "2026-09-12",
            study="mid-market-first-order-ai-addon",
            note="Signed for this study only.",
        ),
    ),
    Person(
        "camila", "Camila Restrepo", "camila.restrepo@sunbeampay.example", "Sunbeam Payments",
        "Security Engineering Lead", "Security engineer", "mid_market", "amer", "premium",
        "saas", S_1001_5000, consent=internal("2026-09-19"),
    ),
    Person(
        "ethan", "Ethan Brooks", "ethan.brooks@tidewatergames.example", "Tidewater Games",
        "Director of Engineering", "Engineering manager", "mid_market", "amer", "premium",
        "saas", S_101_1000, consent=research_team("2026-10-03"),
    ),
    Person(
        "fatima", "Fatima Al-Sayed", "fatima.alsayed@maplecrest.example", "Maplecrest Insurance",
        "Procurement Manager", "Procurement manager", "mid_market", "amer", "premium", "saas",
        S_1001_5000,
        consent=internal("2026-10-08", study="mid-market-first-order-ai-addon"),
    ),
    Person(
        "noah", "Noah Whitfield", "noah.whitfield@granitepeak.example", "Granite Peak Labs",
        "DevOps Lead", "DevOps lead", "mid_market", "amer", "premium", "self_managed",
        S_101_1000, consent=internal("2026-10-31"),
    ),
    Person(
        "hannah", "Hannah Kim", "hannah.kim@bluejay.example", "Bluejay Analytics",
        "Staff Platform Engineer", "Platform engineer", "mid_market", "amer", "premium", "saas",
        S_101_1000, consent=internal("2026-11-13"),
    ),
    Person(
        "seun", "Oluwaseun Bakare", "seun.bakare@lodestarmaps.example", "Lodestar Mapping",
        "VP Engineering", "VP Engineering", "mid_market", "amer", "premium", "saas", S_101_1000,
        consent=internal("2026-11-15"),
    ),
    Person(
        "tyrone", "Tyrone Baptiste", "tyrone.baptiste@fernhillbio.example", "Fernhill Biotech",
        "Head of Research Computing", "Engineering manager", "mid_market", "amer", "premium",
        "saas", S_101_1000, consent=internal("2026-10-29"),
    ),
    Person(
        "lucia", "Lucía Morales", "lucia.morales@cindercloud.example", "Cinder Cloud",
        "Engineering Manager", "Engineering manager", "mid_market", "amer", "premium", "saas",
        S_101_1000, consent=internal("2026-11-11"),
    ),
    Person(
        "jamal", "Jamal Washington", "jamal.washington@pineconemedia.example", "Pinecone Media",
        "Lead Developer", "Developer", "mid_market", "amer", "premium", "saas", S_101_1000,
    ),
    Person(
        "maya", "Maya Goldberg", "maya.goldberg@quillfeather.example", "Quillfeather Software",
        "Chief Technology Officer", "CTO", "mid_market", "amer", "premium", "saas", S_101_1000,
        consent=internal("2025-06-12", note="Customer advisory panel."),
    ),
    Person(
        "ryan", "Ryan O'Connor", "ryan.oconnor@saltmarsh.example", "Saltmarsh Energy",
        "IT Procurement Lead", "Procurement manager", "mid_market", "amer", "premium", "saas",
        S_1001_5000,
    ),
    Person(
        "ingrid", "Ingrid Sørensen", "ingrid.sorensen@ironbarksec.example", "Ironbark Security",
        "Security Engineer", "Security engineer", "mid_market", "amer", "premium", "saas",
        S_101_1000,
    ),
    Person(
        "kwame", "Kwame Asante", "kwame.asante@oakhollow.example", "Oakhollow Learning",
        "Engineering Manager", "Engineering manager", "mid_market", "amer", "premium", "saas",
        S_101_1000, consent=internal("2026-10-15"),
    ),
    Person(
        "yara", "Yara Haddad", "yara.haddad@juniperrow.example", "Juniper Row Apparel",
        "DevOps Engineer", "DevOps lead", "mid_market", "amer", "premium", "saas", S_101_1000,
        consent=internal("2026-10-02"),
    ),
    Person(
        "jordan", "Jordan Miller", "jordan.miller@tallgrass.example", "Tallgrass Agritech",
        "Platform Engineer", "Platform engineer", "mid_market", "amer", "premium", "saas",
        S_101_1000,
        consent=Consent(
            ConsentRecord.Scope.INTERNAL, "2026-10-04", withdrawn_on="2026-10-09",
            note="Withdrawn by e-mail: their legal team asked them not to take part.",
        ),
    ),
    # ... and the Brightforge AMER Mid-Market team who sold and onboarded those orders.
    staff(
        "sarah", "Sarah Chen", "sarah.chen", "Account Executive, Mid-Market",
        "Account executive", "mid_market", "amer", internal("2026-09-26"),
    ),
    staff(
        "andre", "André Lefebvre", "andre.lefebvre", "Solutions Architect",
        "Solutions architect", "mid_market", "amer", internal("2026-10-10"),
    ),
    staff(
        "keisha", "Keisha Robinson", "keisha.robinson", "Customer Success Manager",
        "Customer success manager", "mid_market", "amer", internal("2026-10-24"),
    ),
    staff(
        "omar", "Omar Farouk", "omar.farouk", "Senior Product Manager, AI", "Product manager",
        "mid_market", "amer", internal("2026-11-14"),
    ),
    staff(
        "daniel", "Daniel Park", "daniel.park", "Support Engineer", "Support engineer",
        "mid_market", "amer", internal("2026-03-02", note="Internal research panel."),
    ),
    # Study 3: product-led growth, free to paid, mostly SMB, every region.
    Person(
        "zoe", "Zoë van den Berg", "zoe.vandenberg@tinylantern.example", "Tiny Lantern Games",
        "Founder & CTO", "Founder", "smb", "emea", "premium", "saas", S_1_100,
        consent=internal("2026-10-16"),
    ),
    Person(
        "ravi", "Ravi Shankar", "ravi.shankar@dappledata.example", "Dapple Data",
        "Lead Engineer", "Engineering lead", "smb", "apac", "premium", "saas", S_1_100,
        consent=internal("2026-10-25"),
    ),
    Person(
        "meilin", "Tan Mei Lin", "meilin.tan@quokkacommerce.example", "Quokka Commerce",
        "Chief Technology Officer", "CTO", "smb", "apac", "premium", "saas", S_1_100,
        consent=research_team("2026-11-01", note="No quotes outside the research team."),
    ),
    Person(
        "joao", "João Pereira", "joao.pereira@cactuscloud.example", "Cactus Cloudworks",
        "DevOps Engineer", "DevOps lead", "smb", "latam", "free", "saas", S_1_100,
        consent=internal("2026-11-07"),
    ),
    Person(
        "amelie", "Amélie Rousseau", "amelie.rousseau@sprocketfern.example", "Sprocket & Fern",
        "Engineering Manager", "Engineering manager", "smb", "emea", "free", "saas", S_101_1000,
        consent=internal("2026-11-13"),
    ),
    Person(
        "tariq", "Tariq Mahmood", "tariq.mahmood@orbweaver.example", "Orbweaver Security",
        "Founder", "Founder", "smb", "emea", "premium", "saas", S_1_100,
        consent=internal("2026-11-15"),
    ),
    Person(
        "sione", "Sione Tupou", "sione.tupou@moraine.example", "Moraine Labs",
        "Platform Engineer", "Platform engineer", "smb", "apac", "free", "saas", S_1_100,
        consent=internal("2026-11-15"),
    ),
    Person(
        "valentina", "Valentina Rossi", "valentina.rossi@fennecdevices.example",
        "Fennec Devices", "Embedded Software Lead", "Engineering lead", "smb", "emea", "free",
        "self_managed", S_1_100,
    ),
    Person(
        "kofi", "Kofi Boateng", "kofi.boateng@hummingbirdhealth.example", "Hummingbird Health",
        "Chief Technology Officer", "CTO", "smb", "emea", "premium", "saas", S_1_100,
        consent=internal("2026-02-20", note="Startup programme research panel."),
    ),
    Person(
        "bjorn", "Björn Eriksson", "bjorn.eriksson@nimbusnotes.example", "Nimbus Notes",
        "Developer", "Developer", "smb", "emea", "free", "saas", S_1_100,
        do_not_contact="Asked in a support ticket not to be contacted for research",
    ),
    Person(
        "lan", "Nguyễn Thị Lan", "lan.nguyen@kiwikode.example", "Kiwi Kode",
        "Engineering Manager", "Engineering manager", "smb", "apac", "premium", "saas",
        S_101_1000,
    ),
    Person(
        "pablo", "Pablo Ortega", "pablo.ortega@lumorobotics.example", "Lumo Robotics",
        "Software Lead", "Engineering lead", "smb", "latam", "premium", "saas", S_1_100,
        consent=internal("2026-10-29"),
    ),
    Person(
        "ines", "Inês Costa", "ines.costa@littleotter.example", "Little Otter Apps",
        "Co-founder", "Founder", "smb", "emea", "premium", "saas", S_1_100,
        consent=internal("2026-10-18"),
    ),
    # Study 4: multi-year lands with migration; the Brightforge EMEA enterprise team.
    staff(
        "friederike", "Friederike Bauer", "friederike.bauer",
        "Enterprise Account Executive, DACH", "Account executive", "large", "emea",
        internal("2026-11-15"),
    ),
    staff(
        "yusuf", "Yusuf Demir", "yusuf.demir", "Senior Solutions Architect",
        "Solutions architect", "large", "emea", internal("2026-11-18"),
    ),
    staff(
        "siobhan", "Siobhán Murphy", "siobhan.murphy", "Professional Services Engineer",
        "Professional services engineer", "large", "emea",
        internal("2026-04-08", note="Internal research panel."),
    ),
    staff(
        "pieter", "Pieter de Vries", "pieter.devries", "Renewals Manager", "Renewals manager",
        "large", "emea", internal("2026-04-08", note="Internal research panel."),
    ),
    staff(
        "leila", "Leila Rahimi", "leila.rahimi", "Customer Success Manager, Strategic Accounts",
        "Customer success manager", "large", "emea",
        internal("2026-04-09", note="Internal research panel."),
    ),
    staff(
        "marek", "Marek Novák", "marek.novak", "Migration Specialist",
        "Professional services engineer", "large", "emea",
    ),
    staff(
        "elif", "Elif Yılmaz", "elif.yilmaz", "Deal Desk Manager", "Deal desk manager",
        "large", "emea",
    ),
    # In the directory, in no study yet.
    Person(
        "hiroshi", "Hiroshi Tanaka", "hiroshi.tanaka@sakuraprecision.example",
        "Sakura Precision", "Engineering Manager", "Engineering manager", "large", "apac",
        "ultimate", "dedicated", S_5001,
        consent=Consent(
            ConsentRecord.Scope.INTERNAL, "2024-02-12", expires_on="2026-02-12",
            note="From the FY25 dedicated-deployment study.",
        ),
    ),
    Person(
        "magdalena", "Magdalena Kowalczyk", "magdalena.kowalczyk@balticfintech.example",
        "Baltic Fintech", "Procurement Manager", "Procurement manager", "mid_market", "emea",
        "premium", "saas", S_101_1000,
        do_not_contact="Opted out of customer research in the preference centre",
    ),
    staff(
        "arjun", "Arjun Menon", "arjun.menon", "Senior Support Engineer", "Support engineer",
        "", "apac", internal("2026-05-20", note="Internal research panel."),
    ),
)
# fmt: on


def load_people(ctx: DemoContext) -> None:
    """Create each participant through the service (so pseudonyms follow table order), and
    their consent records. Withdrawals come later, in withdraw_consents."""
    consents = 0
    for person in PEOPLE:
        participant = services.participant_create(
            identity={
                "name": person.name,
                "email": person.email,
                "company": person.company,
                "job_title": person.job_title,
            },
            kind=person.kind,
            persona=person.persona,
            segment=person.segment,
            region=person.region,
            tier=person.tier,
            deployment=person.deployment,
            company_size=person.company_size,
            do_not_contact=bool(person.do_not_contact),
            do_not_contact_reason=person.do_not_contact,
        )
        ctx.participants[person.key] = participant
        if person.consent is None:
            continue
        spec = person.consent
        consent = services.consent_record(
            participant=participant,
            scope=spec.scope,
            given_on=day(spec.given_on),
            expires_on=spec.expiry(),
            project=ctx.projects[spec.study] if spec.study else None,
            note=spec.note,
            recorded_by=ctx.users[RESEARCHER_USERNAME],
        )
        ctx.consents[person.key] = consent
        consents += 1
    ctx.say(f"  participants: {len(ctx.participants)}, consent records: {consents}")


def withdraw_consents(ctx: DemoContext) -> None:
    """Withdraw the consents the table says were withdrawn.

    This runs after the pipeline replay because interviews.pipeline.consent_state counts a
    consent with any withdrawal date as withdrawn, even on days before that date.
    """
    for person in PEOPLE:
        if person.consent is not None and person.consent.withdrawn_on:
            services.consent_withdraw(
                consent=ctx.consents[person.key], on=day(person.consent.withdrawn_on)
            )


# Someone in no study and with no consent was added to the directory this long before DEMO_TODAY.
DIRECTORY_ONLY_ADDED_DAYS_AGO = 90


def backdate_participants(ctx: DemoContext) -> None:
    """Date each participant's row to when they first appeared: their oldest consent or their
    first enrollment, whichever came first."""
    first_enrolled: dict[str, dt.datetime] = {}
    for (_slug, key), enrollment in ctx.enrollments.items():
        if key not in first_enrolled or enrollment.created_at < first_enrolled[key]:
            first_enrolled[key] = enrollment.created_at
    participants: list[Participant] = []
    for index, person in enumerate(PEOPLE):
        candidates = [first_enrolled[person.key]] if person.key in first_enrolled else []
        if person.consent is not None:
            candidates.append(moment(day(person.consent.given_on), 7, index % 60))
        fallback = DEMO_TODAY - dt.timedelta(days=DIRECTORY_ONLY_ADDED_DAYS_AGO)
        participant = ctx.participants[person.key]
        participant.created_at = min(candidates, default=moment(fallback, 7, index % 60))
        participants.append(participant)
    Participant.objects.bulk_update(participants, ["created_at"])
