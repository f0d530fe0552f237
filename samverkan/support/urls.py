from django.urls import URLPattern, path

from samverkan.support import views

app_name = "support"

urlpatterns: list[URLPattern] = [
    path("klienter/", views.client_list, name="client_list"),
    path("klienter/ny/", views.client_create, name="client_create"),
    path("klienter/<int:pk>/", views.client_detail, name="client_detail"),
    path("klienter/<int:pk>/andra/", views.client_edit, name="client_edit"),
    path("klienter/<int:pk>/identitet/", views.client_add_identifier, name="client_add_identifier"),
    path("klienter/<int:pk>/alder/", views.client_add_age, name="client_add_age"),
    path(
        "klienter/<int:pk>/stod/", views.client_add_support_action, name="client_add_support_action"
    ),
    path("klienter/<int:pk>/lankning/", views.client_add_referral, name="client_add_referral"),
    path("klienter/<int:pk>/samtycke/", views.client_add_consent, name="client_add_consent"),
    path(
        "klienter/<int:pk>/pafarranden/", views.client_link_encounter, name="client_link_encounter"
    ),
    path("lankningar/<int:pk>/status/", views.referral_status, name="referral_status"),
    path("samtycken/<int:pk>/aterkalla/", views.consent_withdraw, name="consent_withdraw"),
    path("pafarranden-utan-klient/", views.unlinked_list, name="unlinked_list"),
    path("pafarranden-utan-klient/<int:pk>/", views.unlinked_detail, name="unlinked_detail"),
    path("orosanmalningar/", views.concern_inbox, name="concern_inbox"),
    path("orosanmalningar/<int:pk>/", views.concern_detail, name="concern_detail"),
    path("orosanmalningar/<int:pk>/skydd/", views.concern_assess, name="concern_assess"),
    path("orosanmalningar/<int:pk>/beslut/", views.concern_decide, name="concern_decide"),
    path("orosanmalningar/<int:pk>/utredning/", views.concern_finish, name="concern_finish"),
    path("orosanmalningar/<int:pk>/klient/", views.concern_link_client, name="concern_link_client"),
    path("orosanmalningar/<int:pk>/klient/sok/", views.concern_client_search, name="concern_client_search"),
    path("orosanmalningar/<int:pk>/avsluta/", views.concern_close, name="concern_close"),
]
