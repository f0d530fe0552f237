from django.urls import path

from samverkan.intel import network_views, views

app_name = "intel"

urlpatterns = [
    path("tips/", views.tip_list, name="tip_list"),
    path("tips/nytt/", views.tip_create, name="tip_create"),
    path("tips/<int:pk>/", views.tip_detail, name="tip_detail"),
    path("tips/<int:pk>/bedom/", views.tip_assess, name="tip_assess"),
    path("tips/<int:pk>/koppla/", views.tip_link, name="tip_link"),
    path("tips/<int:pk>/stang/", views.tip_close, name="tip_close"),
    path("tips/<int:pk>/pass/", views.tip_shift, name="tip_shift"),
    path("tips/<int:pk>/kalla/", views.tip_source, name="tip_source"),
    path("tips/<int:pk>/till-underrattelser/", views.tip_to_intel, name="tip_to_intel"),
    path("uppgifter/", views.item_list, name="item_list"),
    path("uppgifter/ny/", views.item_create, name="item_create"),
    path("uppgifter/<int:pk>/", views.item_detail, name="item_detail"),
    path("import/", views.import_upload, name="import_upload"),
    path("import/<int:pk>/", views.import_detail, name="import_detail"),
    path("entiteter/", views.entity_list, name="entity_list"),
    path("entiteter/<int:pk>/", views.entity_detail, name="entity_detail"),
    path("natverk/", network_views.network_list, name="network_list"),
    path("natverk/lanka/", network_views.network_link_run, name="network_link_run"),
    path("natverk/granskning/", network_views.review_queue, name="review_queue"),
    path("natverk/<str:key>/", network_views.network_detail, name="network_detail"),
    path("natverk/<str:key>/graf/", network_views.network_graph, name="network_graph"),
    path("natverk/<str:key>/graf.json", network_views.network_graph_json, name="network_graph_json"),
    path("natverk/<str:key>/lank/<int:pk>/", network_views.network_link_detail, name="network_link"),
    path("natverk/<str:key>/export/<str:fmt>/", network_views.network_export, name="network_export"),
    path("natverk/<str:key>/indikator/<int:pk>/", network_views.indicator_review, name="indicator_review"),
    path("natverk/<str:key>/tips/", network_views.network_tip, name="network_tip"),
    path("natverk/<str:key>/pass/", network_views.network_shift, name="network_shift"),
    path("natverk/<str:key>/anmalan/", network_views.network_crime_report, name="network_crime_report"),
]
