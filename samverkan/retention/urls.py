from django.urls import URLPattern, path

from samverkan.retention import views

app_name = "retention"

urlpatterns: list[URLPattern] = [
    path("", views.rules, name="rules"),
    path("gallra/", views.start_purge, name="start_purge"),
    path("hall/<str:record_type>/<int:pk>/", views.place_hold, name="place_hold"),
    path("hall/<int:pk>/hav/", views.lift_hold, name="lift_hold"),
]
