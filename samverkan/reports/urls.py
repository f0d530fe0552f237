from django.urls import path

from samverkan.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.results_page, name="results"),
    path("export/", views.results_export, name="export"),
]
