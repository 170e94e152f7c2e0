"""interviews (the evidence) never names insights (the analysis): not in an import, a string,
a comment, a migration or a template.

The import contract (pyproject.toml, lint-imports) forbids imports; a model reference
("insights.JourneyFramework"), a URL name ("insights:codebook") or a migration's dependency
would tie the apps together as surely, so the files are read as text. The project joins the
apps instead (cxresearch.settings: JOURNEY_FRAMEWORK_MODEL, which migrations name as
settings.JOURNEY_FRAMEWORK_MODEL; ABSOLUTE_URL_OVERRIDES; STUDY_PAGE_EXTRAS).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from insights.models import JourneyFramework
from interviews.models import ResearchProject, Transcript
from tests.factories import make_session, make_transcript

ROOT = Path(__file__).resolve().parents[2]
ANALYSIS = re.compile("insights", re.IGNORECASE)


def files_of_the_evidence_app(root: Path) -> list[Path]:
    """Every Python file of interviews (migrations included) and every template of its pages."""
    return sorted((root / "interviews").rglob("*.py")) + sorted(
        path for path in (root / "templates" / "interviews").rglob("*") if path.is_file()
    )


def names_of_the_analysis(root: Path) -> list[str]:
    """file:line: text of each line of those files that names the analysis app."""
    return [
        f"{path.relative_to(root)}:{number}: {line.strip()}"
        for path in files_of_the_evidence_app(root)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ANALYSIS.search(line)
    ]


def test_the_evidence_app_never_names_the_analysis_app() -> None:
    files = files_of_the_evidence_app(ROOT)
    assert len([p for p in files if "migrations" in p.parts]) > 5, "migrations were not read"
    assert len([p for p in files if p.suffix == ".html"]) > 10, "templates were not read"
    assert names_of_the_analysis(ROOT) == []


@pytest.mark.parametrize(
    "line",
    [
        'framework = models.ForeignKey("insights.JourneyFramework", on_delete=models.PROTECT)',
        '("insights", "0001_journey_frameworks"),',
        "<a href=\"{% url 'insights:codebook' project.slug %}\">Codebook</a>",
        "from insights.models import Highlight",
        "# kept up to date by insights.coding",
        "count = obj.Insights_count",
    ],
)
def test_the_check_finds_any_mention(tmp_path: Path, line: str) -> None:
    (tmp_path / "interviews" / "migrations").mkdir(parents=True)
    (tmp_path / "templates" / "interviews").mkdir(parents=True)
    (tmp_path / "interviews" / "migrations" / "0001_x.py").write_text("x = 1\n")
    (tmp_path / "templates" / "interviews" / "page.html").write_text(f"ok\n{line}\n")
    assert names_of_the_analysis(tmp_path) == [f"templates/interviews/page.html:2: {line}"]


def test_the_setting_name_is_how_migrations_reach_the_framework() -> None:
    first = (ROOT / "interviews" / "migrations" / "0001_studies_and_participants.py").read_text()
    assert "migrations.swappable_dependency(settings.JOURNEY_FRAMEWORK_MODEL)" in first
    assert "to=settings.JOURNEY_FRAMEWORK_MODEL" in first


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
