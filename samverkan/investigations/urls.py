from django.urls import URLPattern, path

from samverkan.investigations import views

app_name = "investigations"

urlpatterns: list[URLPattern] = [
    path("", views.report_list, name="report_list"),
    path("ny/", views.report_create, name="report_create"),
    path("<int:pk>/", views.report_detail, name="report_detail"),
    path("<int:pk>/status/", views.report_status, name="report_status"),
    path("<int:pk>/misstankt/ny/", views.suspect_add, name="suspect_add"),
    path("<int:pk>/part/ny/", views.party_add, name="party_add"),
    path("misstankt/<int:pk>/", views.suspect_detail, name="suspect_detail"),
    path("misstankt/<int:pk>/ratta/", views.suspect_correct, name="suspect_correct"),
    path("misstankt/<int:pk>/samtycke/", views.suspect_consent_add, name="suspect_consent_add"),
    path(
        "samtycke/<int:pk>/aterkalla/",
        views.suspect_consent_withdraw,
        name="suspect_consent_withdraw",
    ),
]
