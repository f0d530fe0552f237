from django.urls import URLPattern

app_name = "investigations"

urlpatterns: list[URLPattern] = []
