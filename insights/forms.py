"""Forms clean input; services in insights.coding and insights.codebook act on it."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils.functional import cached_property

from cxresearch.lib.concurrency import VersionedModelForm
from cxresearch.lib.forms import choice_field, model_choice_field
from cxresearch.lib.text import validate_name
from insights.codebook import TreeRow, ancestor_ids, code_tree
from insights.models import Code, Level, Recommendation, Stage, Theme
from interviews.models import ResearchProject

# --- Codebook -----------------------------------------------------------------------------------

COLOUR_RE = re.compile(r"^#?([0-9a-fA-F]{6})$")
INDENT = "\u2003"  # an em space: select options cannot hold padding


def _tree_choices(rows: Sequence[TreeRow], *, blank: str | None = None) -> list[tuple[str, str]]:
    """Select options indented by depth, so a long codebook reads as its tree."""
    choices = [("", blank)] if blank is not None else []
    choices += [(str(row.code.pk), f"{INDENT * row.depth}{row.code.name}") for row in rows]
    return choices


class CodeForm(VersionedModelForm[Code]):
    """Create or edit one code of a study's codebook; two people editing one code at once do
    not overwrite each other (VersionedModelForm)."""

    # Declared without the model's max_length so every bad value gets the one message below.
    colour = forms.CharField(
        initial="#f2c14e",
        widget=forms.TextInput(attrs={"type": "color"}),
        help_text="Shown on the codebook and on coded quotes.",
    )
    parent: forms.ModelChoiceField[Code] = forms.ModelChoiceField(
        queryset=Code.objects.none(),
        required=False,
        help_text="Nest this code under another, e.g. “SAML” under “Single sign-on”.",
        error_messages={"invalid_choice": "Choose a parent code from this study's codebook."},
    )

    class Meta:
        model = Code
        fields = [
            "name",
            "parent",
            "kind",
            "colour",
            "definition",
            "inclusion_notes",
            "exclusion_notes",
        ]
        widgets = {
            "definition": forms.Textarea(attrs={"rows": 3}),
            "inclusion_notes": forms.Textarea(attrs={"rows": 2}),
            "exclusion_notes": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {"definition": "What the code means, in a sentence or two."}

    def __init__(
        self, *args: Any, project: ResearchProject, codes: Sequence[Code], **kwargs: Any
    ) -> None:
        """`codes` is the study's whole codebook, loaded once by the view."""
        super().__init__(*args, **kwargs)
        self.fields["name"].validators.append(validate_name)
        self.project = project
        self.instance.project = project
        self.parents = {code.pk: code.parent_id for code in codes}
        parent_field = model_choice_field(self, "parent")
        # Validation looks the id up in the study's codebook; the options shown leave out
        # the code itself and its descendants, which clean() would refuse anyway.
        parent_field.queryset = Code.objects.filter(project=project)
        own_subtree = {
            pk for pk in self.parents if self.instance.pk in ancestor_ids(pk, self.parents)
        }
        parent_field.choices = _tree_choices(
            [row for row in code_tree(codes) if row.code.pk not in own_subtree],
            blank="— none (a top-level code) —",
        )

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("A code needs a name.")
        clash = Code.objects.filter(project=self.project, name__iexact=name).exclude(
            pk=self.instance.pk
        )
        if clash.exists():
            raise forms.ValidationError(f"This codebook already has a code called “{name}”.")
        return name

    def clean_colour(self) -> str:
        match = COLOUR_RE.match(self.cleaned_data.get("colour", "").strip())
        if match is None:
            raise forms.ValidationError("Use a colour like #f2c14e.")
        return f"#{match.group(1).lower()}"

    def clean_parent(self) -> Code | None:
        parent: Code | None = self.cleaned_data.get("parent")
        if parent is None:
            return None
        if parent.project_id != self.project.pk:
            raise forms.ValidationError("Choose a parent code from this study's codebook.")
        if self.instance.pk is not None:
            if parent.pk == self.instance.pk:
                raise forms.ValidationError("A code cannot be its own parent.")
            if self.instance.pk in ancestor_ids(parent.pk, self.parents):
                raise forms.ValidationError(
                    f"“{parent.name}” is nested under this code: choose a parent outside it."
                )
        return parent


class CodeMergeForm(forms.Form):
    source: forms.ModelChoiceField[Code] = forms.ModelChoiceField(
        queryset=Code.objects.none(),
        label="Merge",
        error_messages={"invalid_choice": "Choose a code from this study's codebook."},
    )
    target: forms.ModelChoiceField[Code] = forms.ModelChoiceField(
        queryset=Code.objects.none(),
        label="into",
        error_messages={"invalid_choice": "Choose a code from this study's codebook."},
    )

    def __init__(
        self,
        *args: Any,
        project: ResearchProject,
        rows: Sequence[TreeRow] | None = None,
        **kwargs: Any,
    ) -> None:
        """`rows`: the codebook as a tree, when the form is shown (not needed to validate)."""
        kwargs.setdefault("auto_id", "merge_%s")  # shares the page with the copy form
        super().__init__(*args, **kwargs)
        for name in ("source", "target"):
            field = model_choice_field(self, name)
            field.queryset = Code.objects.filter(project=project)
            if rows is not None:
                field.choices = _tree_choices(rows, blank="Choose a code…")

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        source, target = cleaned.get("source"), cleaned.get("target")
        if source is not None and source == target:
            raise forms.ValidationError("Choose two different codes to merge.")
        return cleaned


class CodebookCopyForm(forms.Form):
    source = forms.ModelChoiceField(
        queryset=ResearchProject.objects.none(),
        label="Copy the codebook of",
        empty_label="Choose a study…",
        error_messages={"invalid_choice": "Choose one of your other studies."},
    )

    def __init__(self, *args: Any, sources: QuerySet[ResearchProject], **kwargs: Any) -> None:
        """`sources`: the studies the user can read, other than this one."""
        kwargs.setdefault("auto_id", "copy_%s")  # shares the page with the merge form
        super().__init__(*args, **kwargs)
        self.sources = sources
        field = model_choice_field(self, "source")
        field.queryset = sources
        # A callable is listed only when the select renders, from the same list the page
        # uses to ask "are there other studies?": one query for both.
        field.choices = lambda: [
            ("", "Choose a study…"),
            *((str(study.pk), study.title) for study in self.studies),
        ]

    @cached_property
    def studies(self) -> list[ResearchProject]:
        return list(self.sources)


class CodeDeleteForm(forms.Form):
    confirm_uses = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


# --- REFI-QDA and CSV exchange ------------------------------------------------------------------


def _checked_upload(
    upload: UploadedFile[bytes], *, extensions: tuple[str, ...], limit: int
) -> UploadedFile[bytes]:
    name = (upload.name or "").lower()
    if not name.endswith(extensions):
        raise forms.ValidationError(f"Choose a {' or '.join(extensions)} file.")
    if (upload.size or 0) > limit:
        raise forms.ValidationError(
            f"The file is {upload.size:,} bytes, over the limit of {limit:,}."
        )
    return upload


class CodebookImportForm(forms.Form):
    file = forms.FileField(
        label="Codebook file",
        help_text="A REFI-QDA codebook (.qdc) from NVivo, ATLAS.ti, MAXQDA, QualCoder…, or a "
        "CSV with a Code column (paths like Onboarding/Setup friction), Description and Colour.",
        widget=forms.FileInput(attrs={"accept": ".qdc,.csv,.xml"}),
        error_messages={"required": "Choose a .qdc or .csv file to import."},
    )

    def clean_file(self) -> UploadedFile[bytes]:
        from django.conf import settings

        return _checked_upload(
            self.cleaned_data["file"],
            extensions=(".qdc", ".csv", ".xml"),
            limit=settings.CODEBOOK_IMPORT_MAX_BYTES,
        )


class QdpxImportForm(forms.Form):
    file = forms.FileField(
        label="Project file",
        help_text="A REFI-QDA project (.qdpx) exported by NVivo, ATLAS.ti, MAXQDA, QualCoder "
        "or cxresearch.",
        widget=forms.FileInput(attrs={"accept": ".qdpx,.zip"}),
        error_messages={"required": "Choose a .qdpx file to import."},
    )

    def clean_file(self) -> UploadedFile[bytes]:
        from django.conf import settings

        return _checked_upload(
            self.cleaned_data["file"],
            extensions=(".qdpx", ".zip"),
            limit=settings.REFI_QDA_IMPORT_MAX_BYTES,
        )


# --- Themes and recommendations -----------------------------------------------------------------
# Each form carries the version of the row the researcher saw (insights.themes checks it).


class VersionForm(forms.Form):
    version = forms.IntegerField(
        min_value=1,
        widget=forms.HiddenInput,
        error_messages={"required": "The page is out of date: reload it and try again."},
    )


class ThemeRenameForm(VersionForm):
    name = forms.CharField(max_length=200, label="Name")


class ThemeSummaryForm(VersionForm):
    summary = forms.CharField(
        required=False,
        max_length=5000,
        label="Summary",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What the pattern is and why it matters, in a few sentences.",
    )


class ThemeSplitForm(VersionForm):
    codes: forms.ModelMultipleChoiceField[Code] = forms.ModelMultipleChoiceField(
        queryset=Code.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Codes that go to the new theme",
        error_messages={
            "required": "Choose the codes that go to the new theme.",
            "invalid_choice": "Choose codes of this theme.",
        },
    )
    name = forms.CharField(max_length=200, label="Name of the new theme")

    def __init__(self, *args: Any, codes: QuerySet[Code], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "split_%s")
        super().__init__(*args, **kwargs)
        model_choice_field(self, "codes").queryset = codes


class ThemeMergeForm(forms.Form):
    """Merge other themes of the stage into this one; each carries the version seen."""

    others = forms.ModelMultipleChoiceField(
        queryset=Theme.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Themes to merge into this one",
        error_messages={
            "required": "Choose at least one theme to merge into this one.",
            "invalid_choice": "Choose open themes of the same stage.",
        },
    )
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, candidates: QuerySet[Theme], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "merge_%s")
        super().__init__(*args, **kwargs)
        model_choice_field(self, "others").queryset = candidates

    def versions(self, data: Mapping[str, str]) -> dict[int, int]:
        """The version of each chosen theme the page showed (hidden fields version_<id>)."""
        seen = {}
        for theme in self.cleaned_data["others"]:
            raw = data.get(f"version_{theme.pk}", "")
            if raw.isdigit():
                seen[theme.pk] = int(raw)
        return seen


class ThemeQuotesForm(VersionForm):
    highlights = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Representative quotes",
        error_messages={"invalid_choice": "Pick quotes listed on this page."},
    )

    def __init__(self, *args: Any, choices: Sequence[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "highlights").choices = [(pk, str(pk)) for pk in choices]


class ThemeMultipleChoiceField(forms.ModelMultipleChoiceField[Theme]):
    def label_from_instance(self, obj: Theme) -> str:
        return f"{obj.name} ({obj.stage or 'no stage'}, {obj.get_status_display().lower()})"


class RecommendationForm(forms.Form):
    statement = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="An action a team can take, e.g. “Ship an SSO setup checklist with the order”.",
    )
    themes = ThemeMultipleChoiceField(
        queryset=Theme.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The themes it rests on.",
        error_messages={"invalid_choice": "Choose themes of this study."},
    )
    stage = forms.ModelChoiceField(
        queryset=Stage.objects.none(),
        required=False,
        empty_label="— across stages —",
        error_messages={"invalid_choice": "Choose a stage of this study's journey."},
    )
    owning_team = forms.CharField(
        max_length=120,
        required=False,
        label="Owning team",
        help_text="Leave empty to use the stage's owning team.",
    )
    impact = forms.ChoiceField(choices=[("", "— not assessed —"), *Level.choices], required=False)
    effort = forms.ChoiceField(choices=[("", "— not assessed —"), *Level.choices], required=False)
    status = forms.ChoiceField(choices=Recommendation.Status.choices)
    version = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, project: ResearchProject, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Open themes, and on an edit the ones it already rests on whatever became of them.
        model_choice_field(self, "themes").queryset = (
            Theme.objects.filter(project=project)
            .exclude(status=Theme.Status.MERGED)
            .select_related("stage")
            .order_by("stage__position", "name")
        )
        model_choice_field(self, "stage").queryset = (
            Stage.objects.filter(framework_id=project.framework_id).order_by("position")
            if project.framework_id
            else Stage.objects.none()
        )
