from django.urls import path

from jobs import views

app_name = "jobs"

# /jobs/<pk>/…
urlpatterns = [
    path("jobs/<int:pk>/", views.job_detail, name="job-detail"),
    path("jobs/<int:pk>/status/", views.job_status, name="job-status"),
    path("jobs/<int:pk>/download/", views.job_download, name="job-download"),
    path("jobs/<int:pk>/retry/", views.job_retry_view, name="job-retry"),
]
