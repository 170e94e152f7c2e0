"""The lenses of the journey pages: which studies, and which people behind the quotes."""

from __future__ import annotations

from django import forms

from insights.journey import Lenses
from insights.quotes import SENTIMENT_WORDS
from interviews.models import Participant, ResearchProject
from interviews.models.choices import Region, Segment, Tier


class LensForm(forms.Form):
    project = forms.TypedMultipleChoiceField(
        label="Studies", required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    segment = forms.ChoiceField(label="Segment", required=False)
    region = forms.ChoiceField(label="Region", required=False)
    tier = forms.ChoiceField(label="Tier", required=False)
    kind = forms.ChoiceField(label="People", required=False)

    def __init__(self, data: object, *, projects: list[ResearchProject]) -> None:
        super().__init__(data)  # type: ignore[arg-type]
        self.fields["project"].choices = [(p.pk, p.title) for p in projects]  # type: ignore[attr-defined]
        self.fields["segment"].choices = [("", "Any segment"), *Segment.choices]  # type: ignore[attr-defined]
        self.fields["region"].choices = [("", "Any region"), *Region.choices]  # type: ignore[attr-defined]
        self.fields["tier"].choices = [("", "Any tier"), *Tier.choices]  # type: ignore[attr-defined]
        self.fields["kind"].choices = [  # type: ignore[attr-defined]
            ("", "Customers and internal teams"),
            (Participant.Kind.CUSTOMER, "Customers"),
            (Participant.Kind.INTERNAL, "Internal team members"),
        ]

    def lenses(self) -> Lenses:
        """The chosen lenses; anything invalid is ignored rather than refused."""
        data = self.cleaned_data if self.is_valid() else {}
        return Lenses(
            project_ids=tuple(data.get("project") or ()),
            segment=data.get("segment", ""),
            region=data.get("region", ""),
            tier=data.get("tier", ""),
            kind=data.get("kind", ""),
        )


class StageQuoteForm(forms.Form):
    code = forms.CharField(label="Code", required=False, max_length=100)
    # The quotes behind one theme of the stage (its id in the study or report it came from).
    theme = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    sentiment = forms.ChoiceField(
        label="Sentiment",
        required=False,
        choices=[("", "Any sentiment"), ("negative", "Negative"), ("positive", "Positive")]
        + [(str(value), word.capitalize()) for value, word in SENTIMENT_WORDS.items()],
    )
