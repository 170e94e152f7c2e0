"""interviews (the evidence) never names insights (the analysis), not even in a string.

The import contract (pyproject.toml, lint-imports) forbids imports; a model reference
("insights.JourneyFramework") or a URL name ("insights:transcript-detail") would tie the apps
together as surely, so code strings and names are read too. Comments and docstrings may
mention insights: they explain, they do not depend. Migrations are history and are left out.
The project joins the apps instead (cxresearch.settings: JOURNEY_FRAMEWORK_MODEL,
ABSOLUTE_URL_OVERRIDES).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.urls import reverse

from insights.models import JourneyFramework
from interviews.models import ResearchProject, Transcript
from tests.factories import make_session, make_transcript

INTERVIEWS = Path(__file__).resolve().parents[2] / "interviews"


def _docstrings(tree: ast.Module) -> set[int]:
    """ids of the string nodes that are docstrings."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def names_of_insights(source: str) -> list[tuple[int, str]]:
    """(line, text) of each string or name in the code (not a comment or docstring) that
    names insights."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in docstrings and "insights" in node.value.lower():
                found.append((node.lineno, node.value))
        elif isinstance(node, ast.Name) and "insights" in node.id.lower():
            found.append((node.lineno, node.id))
        elif isinstance(node, ast.Attribute) and "insights" in node.attr.lower():
            found.append((node.lineno, node.attr))
        elif isinstance(node, ast.alias) and "insights" in node.name.lower():
            found.append((node.lineno, node.name))
        elif isinstance(node, ast.ImportFrom) and "insights" in (node.module or "").lower():
            found.append((node.lineno, node.module or ""))
    return found


def test_interviews_code_never_names_insights() -> None:
    modules = [p for p in INTERVIEWS.rglob("*.py") if "migrations" not in p.parts]
    assert len(modules) > 20, "the app's modules were not found"
    offenders = [
        f"{path.relative_to(INTERVIEWS.parent)}:{line}: {text!r}"
        for path in modules
        for line, text in names_of_insights(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


@pytest.mark.parametrize(
    "source",
    [
        'framework = models.ForeignKey("insights.JourneyFramework", on_delete=models.PROTECT)',
        'url = reverse("insights:transcript-detail", args=[1, 2, 3])',
        "from insights.models import Highlight",
        "import insights",
        "count = obj.insights_count",
    ],
)
def test_the_check_finds_a_string_or_name_that_names_insights(source: str) -> None:
    assert names_of_insights(source)


def test_the_check_lets_comments_and_docstrings_explain() -> None:
    source = '"""Codings live in insights."""\n\n# insights.coding keeps this up to date\nx = 1\n'
    assert names_of_insights(source) == []


def test_the_project_joins_the_apps(db: None) -> None:
    framework = ResearchProject._meta.get_field("framework").related_model
    assert framework is JourneyFramework
    url = Transcript.get_absolute_url  # set by settings.ABSOLUTE_URL_OVERRIDES
    assert callable(url)


def test_a_transcripts_url_is_its_reader(project: ResearchProject) -> None:
    session = make_session(project)
    transcript = make_transcript(session)
    assert transcript.get_absolute_url() == reverse(
        "insights:transcript-detail", args=[session.project.slug, session.pk, transcript.pk]
    )
