from django.urls import path

from samverkan.planning import views

app_name = "planning"

urlpatterns = [
    path("karta/", views.map_page, name="map"),
    path("karta/punkter.json", views.map_data, name="map_data"),
    path("monster/", views.patterns, name="patterns"),
    path("forslag/", views.proposal, name="proposal"),
]
