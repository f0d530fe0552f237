from django.urls import path

from samverkan.notices import views

app_name = "notices"

urlpatterns = [
    path("", views.notice_list, name="list"),
    path("<int:pk>/oppna/", views.notice_open, name="open"),
    path("alla-lasta/", views.notice_read_all, name="read_all"),
]
