from django.urls import path

from samverkan.jobs import audit_export, views

app_name = "jobs"

urlpatterns = [
    path("", views.job_list, name="job_list"),
    path("export/logg/", audit_export.start_audit_export, name="audit_export"),
    path("<uuid:pk>/", views.job_detail, name="job_detail"),
    path("<uuid:pk>/status/", views.job_status, name="job_status"),
    path("<uuid:pk>/igen/", views.job_retry, name="job_retry"),
    path("<uuid:pk>/fil/", views.job_file, name="job_file"),
]
