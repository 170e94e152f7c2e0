from django.urls import include, path

from insights.views import (
    agreement,
    codebook,
    coding,
    frameworks,
    quotes,
    reader,
    redactions,
    search,
)

app_name = "insights"

# /studies/<slug>/...
project_urls = [
    path("codebook/", codebook.codebook, name="codebook"),
    path("codebook/new/", codebook.code_create, name="code-create"),
    path("codebook/merge/", codebook.code_merge, name="code-merge"),
    path("codebook/copy/", codebook.codebook_copy, name="codebook-copy"),
    path("codebook/<int:code_id>/edit/", codebook.code_edit, name="code-edit"),
    path("codebook/<int:code_id>/delete/", codebook.code_delete, name="code-delete"),
    path("quotes/", quotes.quote_list, name="quote-list"),
    path("agreement/", agreement.agreement, name="agreement"),
    path("agreement/reveal/", agreement.codings_reveal, name="codings-reveal"),
    path("highlights/", coding.highlight_create, name="highlight-create"),
    path("highlights/<int:highlight_id>/", coding.highlight_update, name="highlight-update"),
    path(
        "highlights/<int:highlight_id>/delete/",
        coding.highlight_delete,
        name="highlight-delete",
    ),
    path(
        "sessions/<int:session_id>/transcripts/<int:transcript_id>/",
        reader.transcript_detail,
        name="transcript-detail",
    ),
    path("sessions/<int:session_id>/notes/coding/", reader.session_notes, name="session-notes"),
    path("redactions/", coding.redaction_add, name="redaction-create"),
    path(
        "redactions/<int:redaction_id>/delete/",
        coding.redaction_remove,
        name="redaction-delete",
    ),
    path(
        "sessions/<int:session_id>/transcripts/<int:transcript_id>/redactions/",
        redactions.transcript_redactions,
        name="transcript-redactions",
    ),
    path(
        "sessions/<int:session_id>/notes/redactions/",
        redactions.note_redactions,
        name="note-redactions",
    ),
]

urlpatterns = [
    # /frameworks/
    path("frameworks/", frameworks.framework_list, name="framework-list"),
    path("search/", search.search_page, name="search"),
    path("studies/<slug:slug>/", include(project_urls)),
]
