from django.urls import URLPattern, path

from samverkan.sharing import purposes, views

app_name = "sharing"

urlpatterns: list[URLPattern] = [
    path("", views.inbox, name="inbox"),
    path("skickade/", views.outbox, name="outbox"),
    path("begar/", views.request_disclosure, name="request"),
    path("muntliga/", views.oral, name="oral"),
    path("antal/", views.counts, name="counts"),
    path("syfte/", purposes.give_purpose, name="purpose"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/beslut/", views.decide, name="decide"),
    path("<int:pk>/ta-emot/", views.accept, name="accept"),
    path("<int:pk>/aterkalla/", views.withdraw, name="withdraw"),
]
