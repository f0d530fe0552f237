from django.urls import path

from samverkan.accounts import views

app_name = "accounts"

urlpatterns = [
    path("logga-in/", views.login_view, name="login"),
    path("logga-in/kod/", views.verify_view, name="verify"),
    path("logga-in/koppla-app/", views.enrol_view, name="enrol"),
    path("logga-ut/", views.logout_view, name="logout"),
]
