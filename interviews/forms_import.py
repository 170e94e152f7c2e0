"""Forms of the participant import: the upload, and the confirmation of a previewed file."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile

from interviews.importers.participants import (
    ImportFileError,
    check_filename,
    check_size,
    is_upload_token,
)


class ParticipantImportForm(forms.Form):
    file = forms.FileField(
        label="Spreadsheet",
        help_text="A .csv or .xlsx file with one participant per row and a header row.",
        widget=forms.FileInput(
            attrs={
                "accept": ".csv,.xlsx,text/csv,"
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
        error_messages={
            "required": "Choose a .csv or .xlsx file to import.",
            "empty": "The file is empty: there is nothing to import.",
        },
    )

    def clean_file(self) -> UploadedFile[bytes]:
        upload: UploadedFile[bytes] = self.cleaned_data["file"]
        try:
            check_filename(upload.name or "")
            check_size(upload.size or 0)
        except ImportFileError as error:
            raise forms.ValidationError(str(error)) from None
        return upload


class ImportConfirmForm(forms.Form):
    """Carries only the token of the stored upload and its file name; the rows stay server-side."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=36)
    filename = forms.CharField(widget=forms.HiddenInput, max_length=255)

    def clean_token(self) -> str:
        token: str = self.cleaned_data["token"]
        if not is_upload_token(token):
            raise forms.ValidationError("This is not a valid import token.")
        return token
