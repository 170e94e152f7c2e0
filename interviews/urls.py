from django.urls import include, path

from interviews.views import (
    audit,
    enrollments,
    fieldnotes,
    imports,
    participants,
    projects,
    sessions,
    transcripts,
)

app_name = "interviews"

# /studies/<slug>/...
project_urls = [
    path("", projects.project_detail, name="project-detail"),
    path("edit/", projects.project_edit, name="project-edit"),
    path("members/", projects.project_members, name="project-members"),
    path("members/<int:membership_id>/remove/", projects.member_remove, name="member-remove"),
    path("audit/", audit.project_audit, name="project-audit"),
    path("attributes/", projects.attribute_list, name="attribute-list"),
    path(
        "attributes/<int:attribute_id>/delete/",
        projects.attribute_delete,
        name="attribute-delete",
    ),
    path("enroll/", enrollments.enrollment_add, name="enrollment-add"),
    path(
        "enrollments/<int:enrollment_id>/",
        enrollments.enrollment_detail,
        name="enrollment-detail",
    ),
    path(
        "enrollments/<int:enrollment_id>/move/",
        enrollments.enrollment_move,
        name="enrollment-move",
    ),
    path(
        "participants/import/",
        imports.participant_import,
        name="project-participant-import",
    ),
    path("sessions/new/", sessions.session_create, name="session-create"),
    path("sessions/<int:session_id>/", sessions.session_detail, name="session-detail"),
    path("sessions/<int:session_id>/edit/", sessions.session_edit, name="session-edit"),
    path(
        "sessions/<int:session_id>/transcripts/upload/",
        transcripts.transcript_upload,
        name="transcript-upload",
    ),
    path(
        "sessions/<int:session_id>/transcripts/<int:transcript_id>/speakers/",
        transcripts.transcript_speakers,
        name="transcript-speakers",
    ),
    path(
        "sessions/<int:session_id>/transcripts/<int:transcript_id>/delete/",
        transcripts.transcript_delete,
        name="transcript-delete",
    ),
    path(
        "sessions/<int:session_id>/notes/new/", fieldnotes.fieldnote_create, name="fieldnote-create"
    ),
    path(
        "sessions/<int:session_id>/notes/<int:note_id>/edit/",
        fieldnotes.fieldnote_edit,
        name="fieldnote-edit",
    ),
    path(
        "sessions/<int:session_id>/notes/<int:note_id>/delete/",
        fieldnotes.fieldnote_delete,
        name="fieldnote-delete",
    ),
    path("transcripts/import/", transcripts.transcript_import_sessions, name="transcript-import"),
]

# /participants/<pseudonym>/...
participant_urls = [
    path("", participants.participant_detail, name="participant-detail"),
    path("edit/", participants.participant_edit, name="participant-edit"),
    path("enroll/", participants.participant_enroll, name="participant-enroll"),
    path("consents/new/", participants.consent_create, name="consent-create"),
    path(
        "consents/<int:consent_id>/withdraw/",
        participants.consent_withdraw,
        name="consent-withdraw",
    ),
    path("erase/", participants.participant_erase, name="participant-erase"),
]

urlpatterns = [
    # /studies/
    path("studies/", projects.project_list, name="project-list"),
    path("studies/new/", projects.project_create, name="project-create"),
    path("studies/<slug:slug>/", include(project_urls)),
    # /participants/
    path("participants/", participants.participant_list, name="participant-list"),
    path("participants/new/", participants.participant_create, name="participant-create"),
    path("participants/import/", imports.participant_import, name="participant-import"),
    path("participants/<str:pseudonym>/", include(participant_urls)),
]
