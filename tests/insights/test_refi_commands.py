"""manage.py export_qdc, import_qdc, export_qdpx, import_qdpx."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from insights.models import Code, Highlight
from interviews.models import ResearchProject
from tests.factories import make_project


def test_qdpx_export_then_import(
    coded_project: ResearchProject, lead: User, tmp_path: Path, capsys
) -> None:
    path = tmp_path / "study.qdpx"
    call_command("export_qdpx", coded_project.slug, "--user", "lead", "-o", str(path))
    assert "2 sources, 4 coded selections, 3 codes, 1 cases" in capsys.readouterr().out
    call_command("import_qdpx", str(path), "--user", "lead")
    out = capsys.readouterr().out
    assert "Created the study" in out and "4 highlights" in out
    assert ResearchProject.objects.count() == 2
    assert Highlight.objects.count() == 8


def test_qdpx_export_refuses_viewers_and_outsiders(
    coded_project: ResearchProject,
    tmp_path: Path,
) -> None:
    for username in ("viewer", "outsider"):
        User.objects.get_or_create(username=username)
        with pytest.raises(CommandError):
            call_command(
                "export_qdpx", coded_project.slug, "--user", username, "-o", str(tmp_path / "x")
            )
    assert not (tmp_path / "x").exists()


def test_qdc_and_csv_export_then_import(coded_project: ResearchProject, tmp_path: Path) -> None:
    target = make_project(slug="target")
    for name in ("codes.qdc", "codes.csv"):
        call_command("export_qdc", coded_project.slug, "-o", str(tmp_path / name))
        call_command("import_qdc", str(tmp_path / name), "--project", "target")
        assert Code.objects.filter(project=target).count() == 3


@pytest.mark.django_db
def test_import_of_a_bad_file_is_a_command_error(lead: User, tmp_path: Path) -> None:
    path = tmp_path / "bad.qdpx"
    path.write_bytes(b"nope")
    with pytest.raises(CommandError, match="not a .qdpx"):
        call_command("import_qdpx", str(path), "--user", "lead")
    with pytest.raises(CommandError, match="No study"):
        call_command("import_qdc", str(path), "--project", "missing")
    assert ResearchProject.objects.count() == 0
