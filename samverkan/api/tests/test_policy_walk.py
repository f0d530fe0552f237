"""Every endpoint as every persona, checked against the policy table (not against a hand list).

For each disclosable record type the list endpoint must return exactly what the policy and the
gate give the persona (own scope: the restricted queryset; disclosed scope: the grants; none: 404),
and no answer of any endpoint may carry the other agency's secret marker.
"""

from __future__ import annotations

from typing import Any

from samverkan.accounts.models import AgencyKind, User
from samverkan.accounts.policy import Action, RecordType, Scope, user_scope
from samverkan.api.tests.test_api import call, token_for
from samverkan.api.v1 import api
from samverkan.sharing import gate
from samverkan.sharing.tests.conftest import SECRET_CONTACT, SECRET_NARRATIVE


def _all_ids(token: str, path: str) -> set[int] | int:
    ids: set[int] = set()
    cursor = ""
    while True:
        answer = call(token, f"{path}?limit=200&cursor={cursor}")
        if answer.status_code != 200:
            return int(answer.status_code)
        page = answer.json()
        ids |= {item["id"] for item in page["items"]}
        if not page["next"]:
            return ids
        cursor = page["next"]


def test_each_persona_lists_exactly_what_the_policy_gives(
    personas: dict[str, User], make_client: Any, make_report: Any
) -> None:
    make_client("Policyklient")
    make_report()
    checked = 0
    paths = api.get_openapi_schema()["paths"]
    plain_gets = [path.removeprefix("/api/v1") for path, ops in paths.items() if "{" not in path and "get" in ops]
    for user in personas.values():
        if user.membership is None:
            continue
        token = token_for(user, days=1)
        for record_type, registered in gate.registry().items():
            scope = user_scope(user, RecordType(record_type), Action.LIST)
            got = _all_ids(token, f"/records/{record_type}/")
            if scope in (Scope.NONE, Scope.AGGREGATE):
                expected: set[int] | int = 404
            elif scope is Scope.DISCLOSED:
                expected = set(gate.grants(user, record_type))
            else:
                manager: Any = registered.model._default_manager
                expected = set(manager.visible_to(user, Action.LIST).values_list("pk", flat=True))
            assert got == expected, (user.username, record_type, scope)
            checked += 1
        # No answer of any GET endpoint carries the other agency's secrets.
        secret = SECRET_NARRATIVE if user.agency and user.agency.kind == AgencyKind.SOCIAL_SERVICES else SECRET_CONTACT
        for path in plain_gets:
            answer = call(token, path)
            assert secret not in answer.content.decode(), (user.username, path)
    assert checked >= len(personas) * 3
