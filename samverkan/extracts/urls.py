from django.urls import URLPattern, path

from samverkan.extracts import views

app_name = "extracts"

urlpatterns: list[URLPattern] = [
    path("", views.extract_list, name="list"),
    path("<int:pk>/", views.extract_detail, name="detail"),
    path("<int:pk>/undanta/", views.part_withhold, name="withhold"),
    path("<int:pk>/ta-med/", views.part_release, name="release"),
    path("<int:pk>/godkann/", views.extract_approve, name="approve"),
    path("<int:pk>/utdrag.<str:fmt>", views.extract_download, name="download"),
]
