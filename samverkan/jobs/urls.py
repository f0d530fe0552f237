from django.urls import path

from samverkan.jobs import views

app_name = "jobs"

urlpatterns = [
    path("", views.job_list, name="job_list"),
    path("<uuid:pk>/", views.job_detail, name="job_detail"),
    path("<uuid:pk>/status/", views.job_status, name="job_status"),
    path("<uuid:pk>/igen/", views.job_retry, name="job_retry"),
]
