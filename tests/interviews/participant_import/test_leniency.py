"""Participant import: headers and values in the many shapes spreadsheets give them."""

from __future__ import annotations

from interviews.models import (
    AttributeValue,
    ParticipantIdentity,
    ProjectAttribute,
)
from tests.factories import (
    make_attribute,
)
from tests.interviews.participant_import.helpers import (
    confirm,
    csv_file,
    identity_of,
    import_url,
    preview,
)

# --- Header and value leniency ------------------------------------------------------------------


def test_headers_match_ignoring_case_spaces_and_aliases(lead_client, project):
    text = (
        "Full Name,E-Mail,Company Name,Job Title,Customer Segment,REGION,Do Not Contact\n"
        "Ada Lovelace,Ada@Analytical.example,Analytical Engines,CTO,Large,EMEA,Yes\n"
    )

    response = preview(lead_client, import_url(project), csv_file(text))
    confirm(lead_client, import_url(project), response)

    ada = identity_of("ada@analytical.example")
    assert (ada.name, ada.company, ada.job_title) == ("Ada Lovelace", "Analytical Engines", "CTO")
    assert ada.participant.segment == "large"
    assert ada.participant.do_not_contact is True


def test_first_and_last_name_columns_make_the_name(lead_client, project):
    text = "First name,Last name,Email\nAda,Lovelace,ada@analytical.example\n"

    response = preview(lead_client, import_url(project), csv_file(text))
    confirm(lead_client, import_url(project), response)

    assert identity_of("ada@analytical.example").name == "Ada Lovelace"


def test_choice_labels_and_values_are_both_accepted(lead_client, project):
    text = (
        "name,kind,segment,region,tier,deployment,company_size\n"
        "A,Internal team member,Mid-Market,latam,Ultimate,Self-managed,"
        '"1,001–5,000 employees"\n'
        "B,customer,mid_market,APAC,premium,SaaS,1-100\n"
        "C,INTERNAL,smb,Emea,free,self managed,101–1000\n"
    )

    response = preview(lead_client, import_url(project), csv_file(text))
    assert response.context["plan"].errors == ()
    confirm(lead_client, import_url(project), response)

    rows = {
        identity.name: identity.participant
        for identity in ParticipantIdentity.objects.select_related("participant")
    }
    a, b, c = rows["A"], rows["B"], rows["C"]
    assert (a.kind, a.segment, a.region, a.tier, a.deployment, a.company_size) == (
        "internal",
        "mid_market",
        "latam",
        "ultimate",
        "self_managed",
        "1001-5000",
    )
    assert (b.kind, b.region, b.deployment, b.company_size) == ("customer", "apac", "saas", "1-100")
    assert (c.kind, c.region, c.deployment, c.company_size) == (
        "internal",
        "emea",
        "self_managed",
        "101-1000",
    )


def test_unknown_columns_are_a_warning_and_ignored(lead_client, project):
    text = "name,email,favourite colour\nAda,ada@analytical.example,teal\n"

    response = preview(lead_client, import_url(project), csv_file(text))

    plan = response.context["plan"]
    assert plan.can_apply
    assert any("favourite colour" in warning for warning in plan.warnings)
    assert "is not a participant field; it is ignored" in response.content.decode()


def test_a_study_attribute_named_like_an_alias_is_the_attribute(lead_client, project):
    make_attribute(project, "plan", kind=ProjectAttribute.Kind.CHOICE, choices=["Gold", "Silver"])

    response = preview(lead_client, import_url(project), csv_file("name,plan\nAda,gold\n"))
    confirm(lead_client, import_url(project), response)

    participant = ParticipantIdentity.objects.get(name="Ada").participant
    assert participant.tier == ""
    assert AttributeValue.objects.get(enrollment__participant=participant).text_value == "Gold"


def test_windows_1252_csv_keeps_accents(lead_client, project):
    text = "name,email,company\nJosé Müller,jose@example.com,Café Crème SàRL\n"

    response = preview(lead_client, import_url(project), csv_file(text, encoding="cp1252"))
    assert "Windows-1252" in response.content.decode()
    confirm(lead_client, import_url(project), response)

    jose = identity_of("jose@example.com")
    assert (jose.name, jose.company) == ("José Müller", "Café Crème SàRL")


def test_utf8_bom_does_not_hide_the_first_header(lead_client, project):
    text = "\ufeffemail,name\nada@analytical.example,Ada\n"

    response = preview(lead_client, import_url(project), csv_file(text))
    confirm(lead_client, import_url(project), response)

    assert identity_of("ada@analytical.example").name == "Ada"


def test_semicolon_separated_csv_from_a_european_excel(lead_client, project, attributes):
    text = (
        "Name;E-mail;Company;Seats purchased\r\n"
        "Ada Lovelace;ada@analytical.example;Analytical Engines, Ltd.;1,250\r\n"
    )

    response = preview(lead_client, import_url(project), csv_file(text, encoding="cp1252"))
    assert "separated by semicolons" in response.content.decode()
    confirm(lead_client, import_url(project), response)

    ada = identity_of("ada@analytical.example")
    assert ada.company == "Analytical Engines, Ltd."
    assert AttributeValue.objects.get(enrollment__participant=ada.participant).number_value == 1250
