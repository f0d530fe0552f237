"""Every URL pattern of the project, and how to fill its path values, for the fuzz test and the leak crawl.

``routes()`` walks the resolved URLconf. ``FILL`` says, for each pattern
(its full route string, as ``routes()`` prints it), which kind of value each
path parameter takes: a kind of ``samverkan.tests.world.World.ids`` (ids of
both agencies' records), or a tuple of literal values. A pattern without
parameters needs no entry; a pattern with parameters and no entry fails both
tests with its name, so a new route cannot go unfuzzed and uncrawled.

Adding a route is one line here, e.g. for ``path("<int:pk>/besok/", ...)``
under ``pass/``::

    "pass/<int:pk>/besok/": {"pk": "shift"},

(if the route's records are a new kind, add them to ``world.build_world`` with
``world.add("kind", *ids)``, canaries in their free-text fields).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Any
from urllib.parse import quote

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

from samverkan.intel.exports import EXPORTS as NETWORK_EXPORTS
from samverkan.reports.exports import CONTENT_TYPES as REPORT_EXPORTS
from samverkan.tests.world import World

REPORT_FORMATS = tuple(REPORT_EXPORTS)
UUID = "00000000-0000-4000-8000-000000000001"
RECORD_TYPES = ("client", "support_action", "referral", "crime_report", "suspect", "nothing")
NETWORK_FORMATS = tuple(NETWORK_EXPORTS)

# Route → parameter → a kind of World.ids, or literal values.
FILL: dict[str, Mapping[str, str | tuple[str, ...]]] = {
    # operations
    "pass/<int:pk>/": {"pk": "shift"},
    "pass/<int:pk>/andra/": {"pk": "shift"},
    "pass/<int:pk>/starta/": {"pk": "shift"},
    "pass/<int:pk>/avsluta/": {"pk": "shift"},
    "pass/<int:pk>/stall-in/": {"pk": "shift"},
    "pass/<int:pk>/delta/": {"pk": "shift"},
    "pass/<int:pk>/deltagare/": {"pk": "shift"},
    "pass/<int:pk>/deltagare/<int:user_id>/ta-bort/": {"pk": "shift", "user_id": "participant"},
    "pass/<int:pk>/logg/": {"pk": "shift"},
    "pass/<int:pk>/patraffanden/": {"pk": "shift"},
    "pass/<int:pk>/platser/": {"pk": "shift"},
    "pass/<int:pk>/platser/sok/": {"pk": "shift"},
    "pass/<int:pk>/deltagare/sok/": {"pk": "shift"},
    "pass/platser/<int:pk>/": {"pk": "venue"},
    "pass/<int:pk>/platsbesok/": {"pk": "shift"},
    "pass/<int:pk>/checka-in/": {"pk": "shift"},
    "pass/<int:pk>/checka-ut/": {"pk": "shift"},
    "pass/<int:pk>/rattelse/": {"pk": "shift"},
    "pass/<int:pk>/patraffanden/<int:encounter_id>/andra/": {"pk": "shift", "encounter_id": "encounter"},
    "pass/<int:pk>/platsbesok/<int:visit_id>/lamnat/": {"pk": "shift", "visit_id": ("1", "2")},
    "pass/<int:pk>/platsbesok/<int:visit_id>/andra/": {"pk": "shift", "visit_id": ("1", "2")},
    # support
    "stod/klienter/<int:pk>/": {"pk": "client"},
    "stod/klienter/<int:pk>/andra/": {"pk": "client"},
    "stod/klienter/<int:pk>/identitet/": {"pk": "client"},
    "stod/klienter/<int:pk>/alder/": {"pk": "client"},
    "stod/klienter/<int:pk>/stod/": {"pk": "client"},
    "stod/klienter/<int:pk>/lankning/": {"pk": "client"},
    "stod/klienter/<int:pk>/samtycke/": {"pk": "client"},
    "stod/klienter/<int:pk>/pafarranden/": {"pk": "client"},
    "stod/lankningar/<int:pk>/status/": {"pk": "referral"},
    "stod/samtycken/<int:pk>/aterkalla/": {"pk": "consent"},
    "stod/orosanmalningar/<int:pk>/": {"pk": "concern"},
    "stod/orosanmalningar/<int:pk>/skydd/": {"pk": "concern"},
    "stod/orosanmalningar/<int:pk>/beslut/": {"pk": "concern"},
    "stod/orosanmalningar/<int:pk>/utredning/": {"pk": "concern"},
    "stod/orosanmalningar/<int:pk>/klient/": {"pk": "concern"},
    "stod/orosanmalningar/<int:pk>/klient/sok/": {"pk": "concern"},
    "stod/orosanmalningar/<int:pk>/avsluta/": {"pk": "concern"},
    "stod/pafarranden-utan-klient/<int:pk>/": {"pk": "encounter"},
    # investigations
    "anmalningar/<int:pk>/": {"pk": "crime_report"},
    "anmalningar/<int:pk>/status/": {"pk": "crime_report"},
    "anmalningar/<int:pk>/misstankt/ny/": {"pk": "crime_report"},
    "anmalningar/<int:pk>/part/ny/": {"pk": "crime_report"},
    "anmalningar/misstankt/<int:pk>/": {"pk": "suspect"},
    "anmalningar/misstankt/<int:pk>/ratta/": {"pk": "suspect"},
    "anmalningar/misstankt/<int:pk>/samtycke/": {"pk": "suspect"},
    "anmalningar/samtycke/<int:pk>/aterkalla/": {"pk": ("1", "2")},
    # register extracts
    "registerutdrag/<int:pk>/": {"pk": "extract"},
    "registerutdrag/<int:pk>/undanta/": {"pk": "extract"},
    "registerutdrag/<int:pk>/ta-med/": {"pk": "extract"},
    "registerutdrag/<int:pk>/godkann/": {"pk": "extract"},
    "registerutdrag/<int:pk>/utdrag.<str:fmt>": {"pk": "extract", "fmt": ("pdf", "json", "xml")},
    # background jobs (a job is its starter's only; ids are UUIDs)
    "jobb/<uuid:pk>/": {"pk": (UUID,)},
    "jobb/<uuid:pk>/status/": {"pk": (UUID,)},
    "jobb/<uuid:pk>/igen/": {"pk": (UUID,)},
    "jobb/<uuid:pk>/fil/": {"pk": (UUID,)},
    # notifications (each its recipient's only)
    "aviseringar/<int:pk>/oppna/": {"pk": "notice"},
    # the API and its tokens
    "^api/v1/(?P<rest>.*)$": {"rest": ("jobs/", "ingenting/har/", "shifts", "../konto/")},
    "api/v1/shifts/<shift_id>/": {"shift_id": "shift"},
    "api/v1/shifts/<shift_id>/start/": {"shift_id": "shift"},
    "api/v1/shifts/<shift_id>/complete/": {"shift_id": "shift"},
    "api/v1/shifts/<shift_id>/encounters/": {"shift_id": "shift"},
    "api/v1/shifts/<shift_id>/visits/": {"shift_id": "shift"},
    "api/v1/venues/<venue_id>/": {"venue_id": "venue"},
    "api/v1/tips/<tip_id>/": {"tip_id": "tip"},
    "api/v1/networks/<key>/": {"key": "network"},
    "api/v1/networks/<key>/members/": {"key": "network"},
    "api/v1/disclosures/<disclosure_id>/": {"disclosure_id": "disclosure"},
    "api/v1/disclosures/<disclosure_id>/accept/": {"disclosure_id": "disclosure"},
    "api/v1/disclosures/<disclosure_id>/withdraw/": {"disclosure_id": "disclosure"},
    "api/v1/disclosures/<disclosure_id>/decide/": {"disclosure_id": "disclosure"},
    "api/v1/concern-reports/<report_id>/": {"report_id": "concern"},
    "api/v1/concern-reports/<report_id>/assess/": {"report_id": "concern"},
    "api/v1/concern-reports/<report_id>/decide/": {"report_id": "concern"},
    "api/v1/concern-reports/<report_id>/finish/": {"report_id": "concern"},
    "api/v1/concern-reports/<report_id>/client/": {"report_id": "concern"},
    "api/v1/concern-reports/<report_id>/close/": {"report_id": "concern"},
    "api/v1/shifts/<shift_id>/cancel/": {"shift_id": "shift"},
    "api/v1/shifts/<shift_id>/staff/": {"shift_id": "shift"},
    "api/v1/shifts/<shift_id>/staff/candidates/": {"shift_id": "shift"},
    "api/v1/shifts/<shift_id>/staff/<user_id>/": {"shift_id": "shift", "user_id": "participant"},
    "api/v1/shifts/<shift_id>/check-in/": {"shift_id": "shift"},
    "api/v1/shifts/<shift_id>/check-out/": {"shift_id": "shift"},
    "api/v1/shifts/<shift_id>/encounters/<encounter_id>/": {"shift_id": "shift", "encounter_id": "encounter"},
    "api/v1/shifts/<shift_id>/visits/<visit_id>/": {"shift_id": "shift", "visit_id": ("1", "2")},
    "api/v1/shifts/<shift_id>/visits/<visit_id>/left/": {"shift_id": "shift", "visit_id": ("1", "2")},
    "api/v1/shifts/<shift_id>/log/": {"shift_id": "shift"},
    "api/v1/shifts/<shift_id>/correct/": {"shift_id": "shift"},
    "api/v1/shifts/<shift_id>/venues/": {"shift_id": "shift"},
    "api/v1/clients/<client_id>/": {"client_id": "client"},
    "api/v1/clients/<client_id>/identifiers/": {"client_id": "client"},
    "api/v1/clients/<client_id>/ages/": {"client_id": "client"},
    "api/v1/clients/<client_id>/encounters/": {"client_id": "client"},
    "api/v1/referrals/<referral_id>/status/": {"referral_id": "referral"},
    "api/v1/suspects/<suspect_id>/": {"suspect_id": "suspect"},
    "api/v1/crime-reports/<report_id>/status/": {"report_id": "crime_report"},
    "api/v1/crime-reports/<report_id>/parties/": {"report_id": "crime_report"},
    "api/v1/suspects/<suspect_id>/consents/": {"suspect_id": "suspect"},
    "api/v1/suspect-consents/<consent_id>/withdraw/": {"consent_id": ("1", "2")},
    "api/v1/clients/<client_id>/support-actions/": {"client_id": "client"},
    "api/v1/clients/<client_id>/referrals/": {"client_id": "client"},
    "api/v1/clients/<client_id>/consents/": {"client_id": "client"},
    "api/v1/consents/<consent_id>/withdraw/": {"consent_id": "consent"},
    "api/v1/crime-reports/<report_id>/suspects/": {"report_id": "crime_report"},
    "api/v1/records/<record_type>/": {"record_type": RECORD_TYPES},
    "api/v1/records/<record_type>/<record_id>/": {"record_type": RECORD_TYPES, "record_id": "client"},
    "api/v1/jobs/<job_id>/": {"job_id": (UUID,)},
    "api/v1/jobs/<job_id>/file/": {"job_id": (UUID,)},
    "konto/api-nycklar/<int:pk>/aterkalla/": {"pk": ("1", "2")},
    "konto/api-nycklar/tjanstekonton/<int:pk>/nyckel/": {"pk": ("1", "2")},
    "konto/api-nycklar/tjanstekonton/<int:pk>/nyckel/<int:token_pk>/aterkalla/": {"pk": ("1",), "token_pk": ("1", "2")},
    "konto/api-nycklar/tjanstekonton/<int:pk>/stang-av/": {"pk": ("1", "2")},
    # sharing
    "utlamnanden/<int:pk>/": {"pk": "disclosure"},
    "utlamnanden/<int:pk>/beslut/": {"pk": "disclosure"},
    "utlamnanden/<int:pk>/ta-emot/": {"pk": "disclosure"},
    "utlamnanden/<int:pk>/aterkalla/": {"pk": "disclosure"},
    # intel
    "underrattelser/tips/<int:pk>/": {"pk": "tip"},
    "underrattelser/tips/<int:pk>/bedom/": {"pk": "tip"},
    "underrattelser/tips/<int:pk>/koppla/": {"pk": "tip"},
    "underrattelser/tips/<int:pk>/stang/": {"pk": "tip"},
    "underrattelser/tips/<int:pk>/pass/": {"pk": "tip"},
    "underrattelser/tips/<int:pk>/kalla/": {"pk": "tip"},
    "underrattelser/tips/<int:pk>/till-underrattelser/": {"pk": "tip"},
    "underrattelser/uppgifter/<int:pk>/": {"pk": "item"},
    "underrattelser/import/<int:pk>/": {"pk": "import"},
    "underrattelser/entiteter/<int:pk>/": {"pk": "entity"},
    "underrattelser/natverk/<str:key>/": {"key": "network"},
    "underrattelser/natverk/<str:key>/graf/": {"key": "network"},
    "underrattelser/natverk/<str:key>/graf.json": {"key": "network"},
    "underrattelser/natverk/<str:key>/lank/<int:pk>/": {"key": "network", "pk": "network_link"},
    "underrattelser/natverk/<str:key>/export/<str:fmt>/": {"key": "network", "fmt": NETWORK_FORMATS},
    "underrattelser/natverk/<str:key>/indikator/<int:pk>/": {"key": "network", "pk": "indicator"},
    "underrattelser/natverk/<str:key>/tips/": {"key": "network"},
    "underrattelser/natverk/<str:key>/pass/": {"key": "network"},
    "underrattelser/natverk/<str:key>/anmalan/": {"key": "network"},
    # retention: legal holds on a record of each type (ids of clients and crime reports), lifting one
    "bevarande/hall/<str:record_type>/<int:pk>/": {"record_type": RECORD_TYPES, "pk": "client"},
    "bevarande/hall/<int:pk>/hav/": {"pk": "legal_hold"},
    # user administration (Django's admin site, no case data)
    "anvandare/r/<path:content_type_id>/<path:object_id>/": {"content_type_id": "content_type", "object_id": "user"},
    "anvandare/accounts/user/<id>/password/": {"id": "user"},
    **{
        f"anvandare/accounts/{model}/<path:object_id>/{suffix}": {"object_id": kind}
        for model, kind in (
            ("user", "user"), ("agency", "agency"), ("area", "area"), ("areamapping", "areamapping"),
            ("collaboration", "collaboration"),
        )
        for suffix in ("", "history/", "delete/", "change/")
    },
    "anvandare/^(?P<app_label>accounts)/$": {"app_label": ("accounts",)},
    "anvandare/(?P<url>.*)$": {"url": ("accounts/nothing/", "x")},
}


# Pages that show records only in answer to a POST: what the leak crawl posts to them too.
REVEAL: dict[str, Mapping[str, str]] = {
    "stod/klienter/": {"q": ""},  # the client search is POSTed, so a personnummer stays out of URLs
    "underrattelser/tips/<int:pk>/kalla/": {"purpose": "Kontroll av källans trovärdighet"},
}


# Forms that start an export job (POST only): what the leak crawl posts to each, before it
# downloads the file from the job's page (``jobb/<uuid>/fil/``) and searches it.
EXPORT_JOBS: dict[str, Sequence[Mapping[str, str]]] = {
    "resultat/export/": [
        *({"fmt": fmt} for fmt in REPORT_FORMATS),
        *({"fmt": fmt, "public": "on"} for fmt in ("csv", "json")),
    ],
    "jobb/export/logg/": [{}],
}


@dataclass(frozen=True)
class Route:
    route: str  # the full pattern, e.g. "pass/<int:pk>/"
    name: str | None
    params: tuple[str, ...]  # path parameters, in order
    int_params: frozenset[str]
    callback: Callable[..., Any]

    @property
    def methods(self) -> frozenset[str]:
        """The HTTP methods the view accepts, where a decorator says (else GET and POST)."""
        allowed = _declared_methods(self.callback)
        return frozenset(allowed) if allowed else frozenset({"GET", "POST"})


def _declared_methods(view: Callable[..., Any]) -> list[str] | None:
    # require_http_methods keeps the list in the closure of its inner function.
    seen: set[int] = set()
    current: Any = view
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        for cell in getattr(current, "__closure__", None) or ():
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            if isinstance(value, list) and value and all(isinstance(m, str) and m.isupper() for m in value):
                return value
        current = getattr(current, "__wrapped__", None)
    return None


def _walk(patterns: Sequence[Any], prefix: str, namespace: str | None) -> Iterator[Route]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            full = prefix + str(pattern.pattern)
            if isinstance(pattern.pattern, RoutePattern):
                converters = pattern.pattern.converters
                params = tuple(re.findall(r"<(?:\w+:)?(\w+)>", str(pattern.pattern)))
                ints = frozenset(n for n, c in converters.items() if type(c).__name__ == "IntConverter")
            else:
                assert isinstance(pattern.pattern, RegexPattern)
                params = tuple(pattern.pattern.regex.groupindex)
                ints = frozenset()
            prefix_params = tuple(re.findall(r"<(?:\w+:)?(\w+)>", prefix))
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield Route(full, name, prefix_params + params, ints, pattern.callback)


def routes(urlconf: str | None = None) -> list[Route]:
    return list(_walk(get_resolver(urlconf).url_patterns, "", None))


def unfilled(found: Sequence[Route]) -> list[str]:
    """Routes with path parameters that ``FILL`` does not know how to fill."""
    return [
        r.route for r in found
        if r.params and (r.route not in FILL or set(FILL[r.route]) != set(r.params))
    ]


def check_covered(found: Sequence[Route]) -> None:
    missing = unfilled(found)
    if missing:
        raise AssertionError(
            "These URL patterns have path parameters that samverkan/tests/routes.py FILL does not know how to "
            "fill, so they are neither fuzzed nor crawled; add a line for each (see the module's docstring):\n  "
            + "\n  ".join(missing)
        )


def build(route: Route, values: Mapping[str, Any]) -> str:
    """The path of ``route`` with ``values`` for its parameters (quoted)."""
    text = route.route
    if "(?P<" in text or text.startswith("^") or "^" in text:
        for name, value in values.items():
            text = re.sub(r"\(\?P<" + name + r">[^)]*\)", quote(str(value), safe="/"), text)
        text = text.replace("^", "").replace("$", "")
    else:
        for name, value in values.items():
            text = re.sub(r"<(?:\w+:)?" + name + ">", quote(str(value), safe="/"), text)
    return "/" + text


def fill_values(route: Route, world: World, *, per_kind: int = 4) -> dict[str, list[Any]]:
    """Each parameter's values: ids of both agencies' records (a few of each side) or the literal values."""
    out: dict[str, list[Any]] = {}
    for name in route.params:
        spec = FILL[route.route][name]
        if isinstance(spec, tuple):
            out[name] = list(spec)
        else:
            ids = world.ids.get(spec, [])
            if not ids:
                raise AssertionError(f"{route.route}: the world has no records of kind {spec!r} for {name}")
            half = max(1, per_kind // 2)
            out[name] = list(dict.fromkeys([*ids[:half], *ids[-half:]]))
    return out


def paths(route: Route, world: World, *, per_kind: int = 4) -> list[str]:
    """Every path of ``route`` over the world's values (a product over its parameters)."""
    if not route.params:
        return [build(route, {})]
    values = fill_values(route, world, per_kind=per_kind)
    names = list(values)
    return [build(route, dict(zip(names, combo, strict=True))) for combo in product(*(values[n] for n in names))]
