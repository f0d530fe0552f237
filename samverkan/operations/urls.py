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
    path("<int:pk>/checka-in/", views.shift_check_in, name="shift_check_in"),
    path("<int:pk>/checka-ut/", views.shift_check_out, name="shift_check_out"),
    path("<int:pk>/rattelse/", views.shift_correct, name="shift_correct"),
    path("<int:pk>/patraffanden/<int:encounter_id>/andra/", views.encounter_edit, name="encounter_edit"),
    path("<int:pk>/platsbesok/", views.visit_add, name="visit_add"),
    path("<int:pk>/platsbesok/<int:visit_id>/lamnat/", views.visit_left, name="visit_left"),
    path("<int:pk>/platsbesok/<int:visit_id>/andra/", views.visit_edit, name="visit_edit"),
    path("<int:pk>/deltagare/", views.participant_add, name="participant_add"),
    path("<int:pk>/deltagare/<int:user_id>/ta-bort/", views.participant_remove, name="participant_remove"),
    path("<int:pk>/logg/", views.log_add, name="log_add"),
    path("<int:pk>/patraffanden/", views.encounter_add, name="encounter_add"),
    path("<int:pk>/platser/", views.shift_venue_add, name="shift_venue_add"),
    path("<int:pk>/platser/sok/", views.venue_search, name="venue_search"),
    path("<int:pk>/deltagare/sok/", views.participant_search, name="participant_search"),
    path("platser/", views.venue_list, name="venue_list"),
    path("platser/ny/", views.venue_create, name="venue_create"),
    path("platser/<int:pk>/", views.venue_detail, name="venue_detail"),
    path("insatser/", views.operation_list, name="operation_list"),
]
