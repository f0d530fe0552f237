from django.urls import path

from samverkan.api import views

app_name = "api"

urlpatterns = [
    path("", views.tokens, name="tokens"),
    path("<int:pk>/aterkalla/", views.revoke, name="revoke"),
    path("tjanstekonton/", views.service_accounts, name="service_accounts"),
    path("tjanstekonton/<int:pk>/nyckel/", views.service_token, name="service_token"),
    path("tjanstekonton/<int:pk>/nyckel/<int:token_pk>/aterkalla/", views.service_revoke, name="service_revoke"),
    path("tjanstekonton/<int:pk>/stang-av/", views.service_deactivate, name="service_deactivate"),
]
