from django.urls import URLPattern, URLResolver, include, path

from insights.views import (
    agreement,
    codebook,
    coding,
    dashboard,
    exports,
    frameworks,
    journey,
    journey_maps,
    quotes,
    reader,
    redactions,
    refi_qda,
    reports,
    search,
    themes,
)

app_name = "insights"

# /studies/<slug>/themes/...
theme_urls = [
    path("", themes.theme_list, name="theme-list"),
    path("aggregate/", themes.theme_aggregate, name="theme-aggregate"),
    path("<int:theme_id>/", themes.theme_detail, name="theme-detail"),
    path("<int:theme_id>/confirm/", themes.theme_confirm, name="theme-confirm"),
    path("<int:theme_id>/reject/", themes.theme_reject, name="theme-reject"),
    path("<int:theme_id>/rename/", themes.theme_rename, name="theme-rename"),
    path("<int:theme_id>/summary/", themes.theme_summary, name="theme-summary"),
    path("<int:theme_id>/quotes/", themes.theme_quotes, name="theme-quotes"),
    path("<int:theme_id>/split/", themes.theme_split, name="theme-split"),
    path("<int:theme_id>/merge/", themes.theme_merge, name="theme-merge"),
]

# /studies/<slug>/recommendations/...
recommendation_urls = [
    path("", themes.recommendation_list, name="recommendation-list"),
    path("new/", themes.recommendation_create, name="recommendation-create"),
    path("<int:recommendation_id>/edit/", themes.recommendation_edit, name="recommendation-edit"),
]

# /studies/<slug>/reports/...
report_urls = [
    path("", reports.report_list, name="report-list"),
    path("build/", reports.report_build, name="report-build"),
    path("<int:number>/", reports.report_detail, name="report-detail"),
    path("<int:number>/publish/", reports.report_publish, name="report-publish"),
]

# /studies/<slug>/...
project_urls: list[URLPattern | URLResolver] = [
    path("codebook/", codebook.codebook, name="codebook"),
    path("codebook/new/", codebook.code_create, name="code-create"),
    path("codebook/merge/", codebook.code_merge, name="code-merge"),
    path("codebook/copy/", codebook.codebook_copy, name="codebook-copy"),
    path("codebook/export/", refi_qda.codebook_export, name="codebook-export"),
    path("codebook/import/", refi_qda.codebook_import, name="codebook-import"),
    path("export/qdpx/", refi_qda.project_export_qdpx, name="project-export-qdpx"),
    path("codebook/<int:code_id>/edit/", codebook.code_edit, name="code-edit"),
    path("codebook/<int:code_id>/delete/", codebook.code_delete, name="code-delete"),
    path("quotes/", quotes.quote_list, name="quote-list"),
    path("quotes/export/", exports.quote_export, name="quote-export"),
    path("quotes/<int:highlight_id>/context/", journey.quote_context, name="quote-context"),
    path("dashboard/", dashboard.project_dashboard_page, name="project-dashboard"),
    path("journey/compare/", journey_maps.journey_map_compare, name="journey-map-compare"),
    path("journey/<str:state>/", journey_maps.journey_map, name="journey-map"),
    path("journey/<str:state>/cells/", journey_maps.journey_cell_edit, name="journey-cell-edit"),
    path(
        "journey/<str:state>/publish/",
        journey_maps.journey_map_publish_view,
        name="journey-map-publish",
    ),
    path("agreement/", agreement.agreement, name="agreement"),
    path("agreement/recompute/", agreement.agreement_recompute, name="agreement-recompute"),
    path("agreement/blind-coding/", agreement.blind_coding, name="blind-coding"),
    path("highlights/", coding.highlight_create, name="highlight-create"),
    path("highlights/<int:highlight_id>/", coding.highlight_update, name="highlight-update"),
    path(
        "highlights/<int:highlight_id>/memo-share/",
        coding.highlight_memo_share,
        name="highlight-memo-share",
    ),
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
    path("themes/", include(theme_urls)),
    path("recommendations/", include(recommendation_urls)),
    path("reports/", include(report_urls)),
]

urlpatterns = [
    # /frameworks/
    path("frameworks/", frameworks.framework_list, name="framework-list"),
    path("search/", search.search_page, name="search"),
    # /journey/…: insights by stage across the studies a user may read
    path("journey/", journey.journey_overview, name="journey-overview"),
    path(
        "journey/<slug:framework_slug>/<slug:stage_slug>/",
        journey.journey_stage,
        name="journey-stage",
    ),
    # /refi-qda/
    path("refi-qda/import/", refi_qda.project_import_qdpx, name="project-import-qdpx"),
    path("studies/<slug:slug>/", include(project_urls)),
]
