"""Codebook exchange: .qdc (REFI-QDA) and CSV, export and import into an existing study."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from insights.models import Code
from insights.refi_qda import export, rows
from insights.refi_qda.codebook_csv import codebook_csv, codebook_import_csv
from insights.refi_qda.importer import codebook_import_qdc
from insights.refi_qda.reader import ImportFileError
from interviews.models import ResearchProject
from tests.factories import make_project
from tests.insights.refi_data import BILLION_LAUGHS, EXTERNAL_ENTITY, assert_valid


@pytest.fixture
def codebook(project: ResearchProject) -> ResearchProject:
    onboarding = Code.objects.create(project=project, name="Onboarding", colour="#81b29a")
    Code.objects.create(
        project=project,
        name="Setup friction",
        parent=onboarding,
        kind=Code.Kind.PAIN_POINT,
        definition="Anything that slows set-up.",
        exclusion_notes="Pricing complaints.",
        colour="#e07a5f",
    )
    Code.objects.create(project=project, name="CI/CD", definition="=SUM(A1)", colour="#5fa8d3")
    return project


def _codebook(project: ResearchProject) -> set[tuple]:
    return {
        (
            code.name,
            code.parent.name if code.parent else None,
            code.colour.lower(),
            code.definition,
            code.inclusion_notes,
            code.exclusion_notes,
        )
        for code in Code.objects.filter(project=project).select_related("parent")
    }


def test_qdc_round_trip(codebook: ResearchProject) -> None:
    data = export.codebook_qdc(rows.codebook_rows(project=codebook))
    assert_valid(data, "Codebook.xsd")
    target = make_project()
    result = codebook_import_qdc(project=target, data=data, filename="codes.qdc")
    assert result.created == 3
    assert _codebook(target) == _codebook(codebook)
    assert Code.objects.get(project=target, name="Setup friction").kind == Code.Kind.PAIN_POINT


def test_qdc_import_keeps_existing_codes_and_says_so(codebook: ResearchProject) -> None:
    data = export.codebook_qdc(rows.codebook_rows(project=codebook))
    target = make_project()
    Code.objects.create(project=target, name="onboarding", definition="Ours.")
    result = codebook_import_qdc(project=target, data=data, filename="codes.qdc")
    assert result.created == 2 and result.existing == ("Onboarding",)
    assert Code.objects.get(project=target, name="onboarding").definition == "Ours."
    child = Code.objects.get(project=target, name="Setup friction")
    assert child.parent.name == "onboarding"
    assert any("already had" in warning for warning in result.summary.warnings)


def test_empty_codebook_cannot_be_exported(project: ResearchProject) -> None:
    with pytest.raises(export.ExportError, match="no codes"):
        export.codebook_qdc(rows.codebook_rows(project=project))


@pytest.mark.django_db
def test_qdc_from_another_tool_old_namespace_and_short_colours() -> None:
    data = b"""<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1:0" origin="Tool">
  <Codes>
    <Code guid="{11111111-2222-4333-8444-555555555555}" name="Trust" isCodable="true" color="#0a0">
      <Code guid="11111111-2222-4333-8444-666666666666" name="Security" isCodable="true"
            color="red"/>
      <Code guid="11111111-2222-4333-8444-777777777777" name="Security" isCodable="true"/>
    </Code>
  </Codes>
  <Sets><Set guid="11111111-2222-4333-8444-888888888888" name="Favourites">
    <MemberCode guid="11111111-2222-4333-8444-666666666666"/></Set></Sets>
</CodeBook>"""
    target = make_project()
    result = codebook_import_qdc(project=target, data=data, filename="tool.qdc")
    names = sorted(Code.objects.filter(project=target).values_list("name", flat=True))
    assert names == ["Security", "Security (2)", "Trust"]
    assert Code.objects.get(project=target, name="Trust").colour == "#00aa00"
    summary = " ".join(result.summary.lines)
    assert "urn:QDA-XML:codebook:1:0" in summary
    assert "not #RRGGBB" in summary and "Favourites" in summary


BAD_QDC = {
    "not XML": (b"Code,Description\nA,b\n", "not well-formed XML"),
    "wrong namespace": (b'<CodeBook xmlns="urn:example"><Codes/></CodeBook>', "namespace"),
    "project, not codebook": (b'<Project xmlns="urn:QDA-XML:project:1.0"/>', "not <CodeBook>"),
    "no codes": (b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>', "no codes"),
    "entity expansion": (BILLION_LAUGHS.replace(b"Project", b"CodeBook"), "document type"),
    "external entity": (EXTERNAL_ENTITY.replace(b"Project", b"CodeBook"), "document type"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(BAD_QDC))
def test_bad_qdc_is_refused_and_changes_nothing(case: str) -> None:
    data, message = BAD_QDC[case]
    target = make_project()
    with pytest.raises(ImportFileError, match=message):
        codebook_import_qdc(project=target, data=data, filename="bad.qdc")
    assert Code.objects.count() == 0


@pytest.mark.django_db
def test_oversized_codebook_is_refused(settings) -> None:
    settings.CODEBOOK_IMPORT_MAX_BYTES = 10
    with pytest.raises(ImportFileError, match="over the limit"):
        codebook_import_csv(project=make_project(), data=b"Code\nA long code\n", filename="x.csv")


# --- CSV ----------------------------------------------------------------------------------------


def test_csv_round_trip(codebook: ResearchProject) -> None:
    data = codebook_csv(list(Code.objects.filter(project=codebook)))
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0] == "Code,Description,Colour"
    assert "Onboarding/Setup friction," in text
    assert "CI\\/CD,'=SUM(A1)" in text  # "/" in a name escaped; formulas defused
    target = make_project()
    result = codebook_import_csv(project=target, data=data, filename="codes.csv")
    assert result.created == 3
    assert {c[:4] + c[5:] for c in _codebook(target)} == {
        c[:4] + c[5:] for c in _codebook(codebook)
    }


@pytest.mark.django_db
def test_taguette_style_csv_with_semicolons_and_parents_only_implied() -> None:
    data = b"tag;description\nOnboarding/Setup friction;Slow set-up\nPricing;\n"
    target = make_project()
    result = codebook_import_csv(project=target, data=data, filename="taguette.csv")
    assert result.created == 3
    child = Code.objects.get(project=target, name="Setup friction")
    assert (child.parent.name, child.definition) == ("Onboarding", "Slow set-up")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"Description,Colour\nx,#fff\n", "no column is headed Code"),
        (b"Code,Description\n,\n", "no codes"),
        (b"Code\x00\x01\x02", "not a CSV"),
    ],
)
def test_bad_csv_is_refused_and_changes_nothing(data: bytes, message: str, lead: User) -> None:
    target = make_project()
    with pytest.raises(ImportFileError, match=message):
        codebook_import_csv(project=target, data=data, filename="bad.csv")
    assert Code.objects.count() == 0
