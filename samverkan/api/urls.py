from django.urls import path

from samverkan.api import views

app_name = "api"

urlpatterns = [
    path("", views.tokens, name="tokens"),
    path("<int:pk>/aterkalla/", views.revoke, name="revoke"),
]
