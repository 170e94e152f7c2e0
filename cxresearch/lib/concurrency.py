"""Optimistic locking: two people editing one row in forms never silently overwrite each other.

A model people edit in forms inherits VersionedModel: a `version` number and `changed_by`, who
saved it last. Its form inherits VersionedModelForm, which carries the version the user opened
in a hidden field. Saving compares that version with the stored one in the same UPDATE that
raises it, so of two people who opened version 3 the first to save makes version 4 and the
second gets EditConflict instead of overwriting it. Nothing is locked while a form is open.

    # models.py
    class Theme(VersionedModel):
        name = models.CharField(max_length=200)

    # forms.py
    class ThemeForm(VersionedModelForm):
        class Meta:
            model = Theme
            fields = ["name", "summary"]

    # views.py
    form = ThemeForm(request.POST or None, instance=theme)
    if request.method == "POST" and form.is_valid():
        try:
            theme = form.save_versioned(by=request.user)
        except EditConflict as conflict:
            if conflict.current is None:  # deleted meanwhile
                messages.error(request, "This theme was deleted since you opened it.")
                return redirect(...)
            # The form again, now holding the stored values and version; it says who changed
            # the row and lists what this user typed, so they can make their change again.
            form = ThemeForm(instance=conflict.current)
            form.show_conflict(conflict, noun="theme")
        else:
            return redirect(...)
    return render(request, "...", {"form": form})

templates/_form_fields.html shows the conflict above the fields. A new row (no pk) is saved
without a version check. Writes that do not go through a form (a merge, a bulk update) raise
the version themselves, `version=F("version") + 1`, so a form opened before them conflicts.
"""

from __future__ import annotations

from typing import Any, Self

from django import forms
from django.conf import settings
from django.contrib.auth.models import User
from django.db import models, transaction

OUT_OF_DATE = "This form is out of date: reload the page and make your change again."


class VersionedModel(models.Model):
    """A row that forms edit with optimistic locking (see the module docstring)."""

    version = models.PositiveIntegerField(default=1, editable=False)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        abstract = True

    def save_versioned(self, *, expected_version: int, by: User | None) -> None:
        """Save this row if its stored version is still `expected_version`; raise EditConflict
        if someone saved it (or deleted it) since."""
        model = type(self)
        with transaction.atomic(using=self._state.db):
            claimed = model._default_manager.filter(pk=self.pk, version=expected_version).update(
                version=expected_version + 1, changed_by=by
            )
            if not claimed:
                current = model._default_manager.select_related("changed_by").filter(pk=self.pk)
                raise EditConflict(current=current.first())
            self.version = expected_version + 1
            self.changed_by = by
            self.save()


class EditConflict(Exception):
    """Someone saved (or deleted) the row after this user opened it."""

    def __init__(self, *, current: Any) -> None:
        super().__init__()
        self.current = current  # the row as stored now, or None when it was deleted
        # (label, the value this user submitted) for each field where it differs from current
        self.attempted: list[tuple[str, str]] = []

    def __str__(self) -> str:
        return f"{self.changed_by} changed this since it was opened."

    @property
    def changed_by(self) -> str:
        user: User | None = getattr(self.current, "changed_by", None)
        if user is None:
            return "Someone"
        return user.get_full_name() or user.get_username()


class VersionedModelForm[M: VersionedModel](forms.ModelForm[M]):
    """A ModelForm for a VersionedModel: carries the version opened, saves with save_versioned."""

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={"required": OUT_OF_DATE, "invalid": OUT_OF_DATE, "min_value": OUT_OF_DATE},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conflict: EditConflict | None = None
        self.conflict_message = ""
        if self.instance.pk is None:
            del self.fields["version"]  # a new row has nobody to conflict with
        else:
            self.fields["version"].initial = self.instance.version

    def save_versioned(self, *, by: User | None) -> M:
        """Save the form's row, unless it changed since the form was opened (EditConflict)."""
        instance = self.instance
        if instance.pk is None:
            instance.changed_by = by
            return self.save()
        try:
            instance.save_versioned(expected_version=self.cleaned_data["version"], by=by)
        except EditConflict as conflict:
            conflict.attempted = self._differences(conflict.current)
            raise
        # ModelForm.save()'s own second step (save_m2m exists only after save(commit=False));
        # the row itself was saved by save_versioned. Private, so not in the stubs.
        self._save_m2m()  # type: ignore[attr-defined]
        return instance

    def show_conflict(self, conflict: EditConflict, *, noun: str) -> Self:
        """Say on this (fresh) form who changed the row and what this user had typed."""
        self.conflict = conflict
        self.conflict_message = (
            f"{conflict.changed_by} changed this {noun} since you opened it, so your changes "
            "were not saved. The form now shows the current values: make your changes again."
        )
        return self

    def _differences(self, current: Any) -> list[tuple[str, str]]:
        if current is None:
            return []
        changed = []
        for name in self._meta.fields or ():
            if name not in self.cleaned_data:
                continue
            mine = self.cleaned_data[name]
            if mine != getattr(current, name, None):
                label = self.fields[name].label or name.replace("_", " ").capitalize()
                changed.append((str(label), "" if mine is None else str(mine)))
        return changed
