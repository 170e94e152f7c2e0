"""Forms clean input; services act on it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from django import forms
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils.text import slugify

from cxresearch.lib.forms import model_choice_field
from cxresearch.lib.text import validate_name
from interviews.models import (
    ConsentRecord,
    Enrollment,
    FieldNote,
    Membership,
    Participant,
    ParticipantIdentity,
    ProjectAttribute,
    ResearchProject,
    Session,
    Speaker,
    Transcript,
)
from interviews.transcripts import near_identical_labels, participants_without_consent

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProjectForm(forms.ModelForm[ResearchProject]):
    class Meta:
        model = ResearchProject
        fields = [
            "title",
            "slug",
            "status",
            "objective",
            "research_questions",
            "segment",
            "region",
            "quarter",
            "lens",
            "target_interviews",
            "framework",
        ]
        widgets = {"objective": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"slug": "Short name used in links, e.g. uptier-large-self-managed."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title"].validators.append(validate_name)
        self.fields["slug"].required = False

    def clean_slug(self) -> str:
        slug: str = (
            self.cleaned_data.get("slug") or slugify(self.cleaned_data.get("title", ""))[:80]
        )
        if not slug:
            raise forms.ValidationError("Give the study a short name for its links.")
        clash = ResearchProject.objects.filter(slug=slug).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("Another study already uses this short name.")
        return slug


class MemberForm(forms.Form):
    username = forms.CharField(label="Username or e-mail")
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.VIEWER)

    def clean_username(self) -> User:
        value = self.cleaned_data["username"].strip()
        user = (
            User.objects.filter(username__iexact=value).first()
            or User.objects.filter(email__iexact=value).first()
        )
        if user is None or not user.is_active:
            raise forms.ValidationError(f"No active user is called “{value}”.")
        return user


class AttributeForm(forms.ModelForm[ProjectAttribute]):
    choices = forms.CharField(
        required=False,
        help_text="For a choice attribute: the allowed values, separated by commas.",
    )

    class Meta:
        model = ProjectAttribute
        fields = ["label", "key", "kind", "choices"]
        help_texts = {"key": "The column name in import files, e.g. uses_ci_cd."}

    def __init__(self, *args: Any, project: ResearchProject, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.project = project
        self.instance.project = project
        self.fields["key"].required = False

    def clean_key(self) -> str:
        key: str = self.cleaned_data.get("key") or slugify(self.cleaned_data.get("label", ""))
        key = key.replace("-", "_")
        if not key:
            raise forms.ValidationError("Give the attribute a column name.")
        if ProjectAttribute.objects.filter(project=self.project, key=key).exists():
            raise forms.ValidationError(f"This study already has an attribute “{key}”.")
        return key

    def clean_choices(self) -> list[str]:
        choices = [c.strip() for c in self.cleaned_data.get("choices", "").split(",") if c.strip()]
        if len({c.lower() for c in choices}) != len(choices):
            raise forms.ValidationError("Each choice may appear only once.")
        return choices

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if cleaned.get("kind") != ProjectAttribute.Kind.CHOICE:
            cleaned["choices"] = []
        return cleaned


class EnrollmentMoveForm(forms.Form):
    to_status = forms.ChoiceField(choices=Enrollment.Status.choices, label="Move to")
    override_reason = forms.CharField(
        required=False,
        max_length=500,
        label="Reason to override",
        help_text="Needed only when a recruitment rule (cooldown, no-shows) applies.",
    )
    note = forms.CharField(required=False, max_length=1000, label="Note")


class ParticipantMultipleChoiceField(forms.ModelMultipleChoiceField[Participant]):
    def label_from_instance(self, obj: Participant) -> str:
        return f"{obj.pseudonym} — {obj.profile_line or obj.get_kind_display()}"


class InterviewerMultipleChoiceField(forms.ModelMultipleChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.username


class EnrollForm(forms.Form):
    participants = ParticipantMultipleChoiceField(
        queryset=Participant.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Participants who are not in this study yet. Type to narrow the list.",
    )

    def __init__(self, *args: Any, project: ResearchProject, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "participants").queryset = Participant.objects.exclude(
            enrollments__project=project
        ).filter(erased_at__isnull=True)


class AddToStudyForm(forms.Form):
    """On a participant's page: the studies this researcher may add them to."""

    project = forms.ModelChoiceField(
        queryset=ResearchProject.objects.none(), label="Study", empty_label="Choose a study"
    )

    def __init__(self, *args: Any, projects: QuerySet[ResearchProject], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "project").queryset = projects


class EnrollmentForm(forms.ModelForm[Enrollment]):
    """Screener answers, incentive, and one field per study attribute."""

    class Meta:
        model = Enrollment
        fields = ["screener_answers", "incentive", "incentive_paid"]
        widgets = {"screener_answers": forms.Textarea(attrs={"rows": 4})}

    def __init__(
        self,
        *args: Any,
        attributes: QuerySet[ProjectAttribute] | list[ProjectAttribute],
        current: Mapping[int, object],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.attributes = list(attributes)
        for attribute in self.attributes:
            self.fields[self.field_name(attribute)] = _attribute_field(
                attribute, current.get(attribute.pk)
            )

    @staticmethod
    def field_name(attribute: ProjectAttribute) -> str:
        return f"attr_{attribute.key}"

    def attribute_values(self) -> dict[ProjectAttribute, object]:
        return {a: self.cleaned_data.get(self.field_name(a)) for a in self.attributes}


class _FieldArguments(TypedDict):
    label: str
    required: bool
    initial: object


def _attribute_field(attribute: ProjectAttribute, initial: object) -> forms.Field:
    common: _FieldArguments = {"label": attribute.label, "required": False, "initial": initial}
    if attribute.kind == ProjectAttribute.Kind.NUMBER:
        return forms.FloatField(**common)
    if attribute.kind == ProjectAttribute.Kind.DATE:
        return forms.DateField(widget=DATE_INPUT, **common)
    if attribute.kind == ProjectAttribute.Kind.CHOICE:
        return forms.ChoiceField(
            choices=[("", "—"), *[(c, c) for c in attribute.choices]], **common
        )
    return forms.CharField(max_length=300, **common)


class ParticipantForm(forms.ModelForm[Participant]):
    class Meta:
        model = Participant
        fields = [
            "kind",
            "persona",
            "segment",
            "region",
            "tier",
            "deployment",
            "company_size",
            "do_not_contact",
            "do_not_contact_reason",
        ]


class ParticipantIdentityForm(forms.ModelForm[ParticipantIdentity]):
    class Meta:
        model = ParticipantIdentity
        fields = ["name", "email", "company", "job_title"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("name", "company", "job_title"):
            self.fields[name].validators.append(validate_name)

    def clean_email(self) -> str:
        email: str = self.cleaned_data.get("email", "").strip()
        if email:
            clash = ParticipantIdentity.objects.filter(email__iexact=email)
            if self.instance.pk:
                clash = clash.exclude(pk=self.instance.pk)
            other = clash.select_related("participant").first()
            if other is not None:
                raise forms.ValidationError(f"{other.participant} already has this e-mail address.")
        return email


class ConsentForm(forms.ModelForm[ConsentRecord]):
    class Meta:
        model = ConsentRecord
        fields = ["scope", "project", "given_on", "expires_on", "note"]
        widgets = {"given_on": DATE_INPUT, "expires_on": DATE_INPUT}

    def __init__(self, *args: Any, projects: QuerySet[ResearchProject], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "project").queryset = projects
        model_choice_field(self, "project").empty_label = "Every study"


class SessionForm(forms.ModelForm[Session]):
    class Meta:
        model = Session
        fields = [
            "title",
            "kind",
            "mode",
            "scheduled_at",
            "duration_minutes",
            "participants",
            "interviewers",
            "recording_url",
        ]
        widgets = {
            "scheduled_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
        }
        help_texts = {
            "title": "For the research team; viewers see the session as its kind and date.",
            "participants": "Participants enrolled in this study.",
            "interviewers": "Leads and researchers of this study.",
        }
        field_classes = {
            "participants": ParticipantMultipleChoiceField,
            "interviewers": InterviewerMultipleChoiceField,
        }

    def __init__(self, *args: Any, project: ResearchProject, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title"].validators.append(validate_name)
        model_choice_field(self, "participants").queryset = Participant.objects.filter(
            enrollments__project=project
        ).order_by("pseudonym")
        model_choice_field(self, "interviewers").queryset = User.objects.filter(
            memberships__project=project,
            memberships__role__in=[Membership.Role.LEAD, Membership.Role.RESEARCHER],
        ).order_by("username")
        self.project = project

    def clean_participants(self) -> QuerySet[Participant]:
        participants: QuerySet[Participant] = self.cleaned_data["participants"]
        has_transcripts = self.instance.pk and self.instance.transcripts.exists()
        if has_transcripts:
            # Only newly linked people: one who withdrew after the import must not block edits.
            linked = set(self.instance.participants.values_list("pk", flat=True))
            missing = participants_without_consent(
                [p for p in participants if p.pk not in linked], project=self.project
            )
            if missing:
                who = ", ".join(p.pseudonym for p in missing)
                raise forms.ValidationError(
                    f"{who} cannot be linked: this session has a transcript and they have no "
                    "valid consent on record for this study."
                )
        return participants


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that takes several files at once and cleans to a list."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: object, initial: object = None) -> list[UploadedFile[bytes]]:
        if isinstance(data, list | tuple):
            if not data:
                # No file chosen arrives as []: let FileField say "This field is required."
                super().clean(None, initial)
                return []
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)]


class TranscriptUploadForm(forms.Form):
    # The metaclass moves declared fields to base_fields, so form.files (the request's
    # uploads) is not shadowed at run time; mypy sees only the class attribute.
    files = MultipleFileField(  # type: ignore[assignment]
        label="Transcript files",
        # An empty file is refused by the import, on its own, not with the whole batch.
        allow_empty_file=True,
        help_text=(
            "Zoom, Teams, Google Meet, YouTube captions (.vtt), Otter (.txt, .docx), Rev (.txt), "
            "subtitles (.srt), Word (.docx) or Markdown (.md). Several files at once are fine."
        ),
    )

    def clean_files(self) -> list[UploadedFile[bytes]]:
        files: list[UploadedFile[bytes]] = self.cleaned_data["files"]
        if len(files) > MAX_TRANSCRIPT_FILES:
            raise forms.ValidationError(
                f"Upload at most {MAX_TRANSCRIPT_FILES} files at a time; you chose {len(files)}."
            )
        return files


MAX_TRANSCRIPT_FILES = 50


class SpeakerMappingForm(forms.Form):
    """One choice per speaker: a session participant, an interviewer, or left as labelled."""

    def __init__(self, *args: Any, transcript: Transcript, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        session = transcript.session
        choices = [("", "Not mapped (keep the label)")]
        choices += [
            (f"p{p.pk}", f"{p.pseudonym} (participant)") for p in session.participants.all()
        ]
        choices += [
            (f"u{u.pk}", f"{u.get_full_name() or u.username} (interviewer)")
            for u in session.interviewers.all()
        ]
        self.speakers = list(transcript.speakers.all())
        # Two labels for one person (a typo in the file) are mapped to the same choice.
        look_alikes = near_identical_labels([s.label for s in self.speakers if s.label])
        for speaker in self.speakers:
            current = (
                f"p{speaker.participant_id}"
                if speaker.participant_id
                else f"u{speaker.interviewer_id}"
                if speaker.interviewer_id
                else ""
            )
            self.fields[f"speaker_{speaker.pk}"] = forms.ChoiceField(
                label=speaker.label or f"Speaker {speaker.position + 1} (no label)",
                choices=choices,
                required=False,
                initial=current,
                help_text=_look_alike_hint(look_alikes.get(speaker.label, [])),
            )

    def mapping(self) -> dict[Speaker, tuple[int | None, int | None]]:
        result = {}
        for speaker in self.speakers:
            value = self.cleaned_data.get(f"speaker_{speaker.pk}") or ""
            participant_id = int(value[1:]) if value.startswith("p") else None
            interviewer_id = int(value[1:]) if value.startswith("u") else None
            result[speaker] = (participant_id, interviewer_id)
        return result


def _look_alike_hint(others: list[str]) -> str:
    if not others:
        return ""
    names = " and ".join(f"“{label}”" for label in others)
    return f"Looks like {names}: if it is the same person, map both to them."


MAX_OBSERVED_AT_SECONDS = 24 * 60 * 60


class FieldNoteForm(forms.ModelForm[FieldNote]):
    observed_at = forms.CharField(
        required=False,
        label="Time into the session",
        help_text="Optional, e.g. 12:30 or 1:05:00.",
        max_length=10,
    )

    class Meta:
        model = FieldNote
        fields = ["kind", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.observed_at_ms is not None:
            seconds = self.instance.observed_at_ms // 1000
            hours, rest = divmod(seconds, 3600)
            minutes, seconds = divmod(rest, 60)
            self.initial["observed_at"] = (
                f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
            )

    def clean_observed_at(self) -> int | None:
        value = self.cleaned_data.get("observed_at", "").strip()
        if not value:
            return None
        parts = value.split(":")
        # isdigit() alone accepts "²", which int() then refuses.
        if not 2 <= len(parts) <= 3 or not all(p.isascii() and p.isdigit() for p in parts):
            raise forms.ValidationError("Write the time as minutes:seconds, e.g. 12:30.")
        numbers = [int(p) for p in parts]
        if any(n > 59 for n in numbers[1:]):
            raise forms.ValidationError("Minutes and seconds go up to 59.")
        seconds = 0
        for number in numbers:
            seconds = seconds * 60 + number
        if seconds > MAX_OBSERVED_AT_SECONDS:
            # The column is a 32-bit integer of milliseconds on PostgreSQL.
            raise forms.ValidationError("A time into the session can be at most 24:00:00.")
        return seconds * 1000

    def save(self, commit: bool = True) -> FieldNote:
        self.instance.observed_at_ms = self.cleaned_data.get("observed_at")
        return super().save(commit=commit)
