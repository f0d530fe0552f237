from django.urls import include, path, re_path
from django.views.i18n import set_language

from samverkan.accounts.admin import user_admin_site
from samverkan.api.v1 import api, unknown_path

urlpatterns = [
    path("", include("samverkan.web.urls")),
    path("konto/", include("samverkan.accounts.urls")),
    path("pass/", include("samverkan.operations.urls")),
    path("stod/", include("samverkan.support.urls")),
    path("anmalningar/", include("samverkan.investigations.urls")),
    path("utlamnanden/", include("samverkan.sharing.urls")),
    path("resultat/", include("samverkan.reports.urls")),
    path("logg/", include("samverkan.audit.urls")),
    path("underrattelser/", include("samverkan.intel.urls")),
    path("planering/", include("samverkan.planning.urls")),
    path("jobb/", include("samverkan.jobs.urls")),
    path("registerutdrag/", include("samverkan.extracts.urls")),
    path("bevarande/", include("samverkan.retention.urls")),
    path("aviseringar/", include("samverkan.notices.urls")),
    path("api/v1/", api.urls),
    re_path(r"^api/v1/(?P<rest>.*)$", unknown_path),  # after the API: any other path there, in its error shape
    path("konto/api-nycklar/", include("samverkan.api.urls")),
    path("anvandare/", user_admin_site.urls),
    path("i18n/setlang/", set_language, name="set_language"),
]

handler400 = "samverkan.web.views.error_400"
handler403 = "samverkan.web.views.error_403"
handler404 = "samverkan.web.views.error_404"
handler500 = "samverkan.web.views.error_500"
