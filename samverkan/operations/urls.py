from django.urls import path

from samverkan.operations import views

app_name = "operations"

urlpatterns = [
    path("", views.shift_list, name="shift_list"),
    path("kalender/", views.shift_calendar, name="shift_calendar"),
    path("nytt/", views.shift_create, name="shift_create"),
    path("<int:pk>/", views.shift_detail, name="shift_detail"),
    path("<int:pk>/andra/", views.shift_edit, name="shift_edit"),
    path("<int:pk>/starta/", views.shift_start, name="shift_start"),
    path("<int:pk>/avsluta/", views.shift_complete, name="shift_complete"),
    path("<int:pk>/stall-in/", views.shift_cancel, name="shift_cancel"),
    path("<int:pk>/delta/", views.shift_join, name="shift_join"),
    path("<int:pk>/deltagare/", views.participant_add, name="participant_add"),
    path("<int:pk>/deltagare/<int:user_id>/ta-bort/", views.participant_remove, name="participant_remove"),
    path("<int:pk>/logg/", views.log_add, name="log_add"),
    path("<int:pk>/patraffanden/", views.encounter_add, name="encounter_add"),
    path("<int:pk>/platser/", views.shift_venue_add, name="shift_venue_add"),
    path("platser/", views.venue_list, name="venue_list"),
    path("platser/ny/", views.venue_create, name="venue_create"),
    path("platser/<int:pk>/", views.venue_detail, name="venue_detail"),
    path("insatser/", views.operation_list, name="operation_list"),
]
