"""Optimistic locking (cxresearch.lib.concurrency), on the codebook's codes."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from cxresearch.lib.concurrency import EditConflict
from insights.forms import CodeForm
from insights.models import Code
from interviews.models import ResearchProject

pytestmark = pytest.mark.django_db


def test_a_save_of_the_version_opened_raises_it_by_one(project: ResearchProject, lead) -> None:
    code = Code.objects.create(project=project, name="SSO")
    code.definition = "Logging in once."
    code.save_versioned(expected_version=1, by=lead)
    code.refresh_from_db()
    assert (code.definition, code.version, code.changed_by) == ("Logging in once.", 2, lead)


def test_a_save_of_an_older_version_changes_nothing(
    project: ResearchProject, lead: User, researcher: User
) -> None:
    code = Code.objects.create(project=project, name="SSO")
    Code.objects.filter(pk=code.pk).update(version=2, changed_by=lead, definition="Theirs.")
    code.definition = "Mine."
    with pytest.raises(EditConflict) as raised:
        code.save_versioned(expected_version=1, by=researcher)
    assert raised.value.current.definition == "Theirs."
    assert raised.value.changed_by == "lead"
    stored = Code.objects.get(pk=code.pk)
    assert (stored.definition, stored.version, stored.changed_by) == ("Theirs.", 2, lead)


def test_a_save_of_a_deleted_row_has_no_current_row(project: ResearchProject, lead) -> None:
    code = Code.objects.create(project=project, name="SSO")
    Code.objects.filter(pk=code.pk).delete()
    with pytest.raises(EditConflict) as raised:
        code.save_versioned(expected_version=1, by=lead)
    assert raised.value.current is None
    assert raised.value.changed_by == "Someone"
    assert not Code.objects.filter(pk=code.pk).exists()


def test_the_form_lists_what_the_user_typed_that_differs(
    project: ResearchProject, lead: User, researcher: User
) -> None:
    code = Code.objects.create(project=project, name="SSO", definition="Old.")
    data = {
        "name": "SSO",
        "kind": "topic",
        "colour": "#f2c14e",
        "definition": "Mine.",
        "version": 1,
    }
    form = CodeForm(data, instance=code, project=project, codes=[code])
    assert form.is_valid(), form.errors
    Code.objects.filter(pk=code.pk).update(version=2, changed_by=lead, definition="Theirs.")
    with pytest.raises(EditConflict) as raised:
        form.save_versioned(by=researcher)
    assert raised.value.attempted == [("Definition", "Mine.")]


def test_a_new_row_has_no_version_to_check(project: ResearchProject, lead) -> None:
    data = {"name": "SSO", "kind": "topic", "colour": "#f2c14e"}
    form = CodeForm(data, project=project, codes=[])
    assert "version" not in form.fields
    assert form.is_valid(), form.errors
    code = form.save_versioned(by=lead)
    assert (code.version, code.changed_by) == (1, lead)
