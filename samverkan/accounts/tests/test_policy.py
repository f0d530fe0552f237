"""The access policy, cell by cell.

EXPECTED is DESIGN.md §4 written out for every role × record type × action.
It is deliberately a literal: a change to the policy must change this table
too, in the same review.

Codes: C collaboration-wide, O own agency, R created by own agency,
D only what a disclosure granted, G aggregates only, S a summary of the
collaboration's records (policy.SUMMARY_FIELDS), - denied.
"""

from __future__ import annotations

import pytest

from samverkan.accounts.models import Role, User
from samverkan.accounts.policy import (
    Action,
    RecordType,
    Scope,
    can,
    can_read_records,
    scope,
    user_scope,
)

CODES = {
    "C": Scope.COLLABORATION,
    "O": Scope.OWN_AGENCY,
    "R": Scope.CREATED_BY_OWN_AGENCY,
    "D": Scope.DISCLOSED,
    "G": Scope.AGGREGATE,
    "S": Scope.SUMMARY,
    "-": Scope.NONE,
}
ROLE_COLUMNS = {
    "PO": Role.POLICE_OFFICER,
    "PI": Role.POLICE_INVESTIGATOR,
    "PA": Role.POLICE_ANALYST,
    "SW": Role.SOCIAL_WORKER,
    "CO": Role.COORDINATOR,
    "MA": Role.MANAGER,
    "AU": Role.AUDITOR,
    "AD": Role.ADMIN,
}

EXPECTED = """
record               action     PO  PI  PA  SW  CO  MA  AU  AD
shift                view        C   C   C   C   C   -   -   -
shift                list        C   C   C   C   C   -   -   -
shift                create      C   C   C   C   C   -   -   -
shift                update      C   C   C   C   C   -   -   -
shift                delete      -   -   -   -   -   -   -   -
shift                export      -   -   -   -   -   -   -   -
shift                aggregate   C   C   C   C   C   G   -   -
venue                view        C   C   C   C   C   -   -   -
venue                list        C   C   C   C   C   -   -   -
venue                create      C   C   C   C   C   -   -   -
venue                update      C   C   C   C   C   -   -   -
venue                delete      -   -   -   -   -   -   -   -
venue                export      -   -   -   -   -   -   -   -
venue                aggregate   C   C   C   C   C   G   -   -
encounter            view        C   C   C   C   C   -   -   -
encounter            list        C   C   C   C   C   -   -   -
encounter            create      C   C   C   C   -   -   -   -
encounter            update      C   C   C   C   -   -   -   -
encounter            delete      -   -   -   -   -   -   -   -
encounter            export      -   -   -   -   -   -   -   -
encounter            aggregate   C   C   C   C   C   G   -   -
client               view        D   D   D   O   -   -   -   -
client               list        D   D   D   O   -   -   -   -
client               create      -   -   -   O   -   -   -   -
client               update      -   -   -   O   -   -   -   -
client               delete      -   -   -   -   -   -   -   -
client               export      -   -   -   -   -   -   -   -
client               aggregate   -   -   -   O   -   G   -   -
support_action       view        D   D   D   O   -   -   -   -
support_action       list        D   D   D   O   -   -   -   -
support_action       create      -   -   -   O   -   -   -   -
support_action       update      -   -   -   O   -   -   -   -
support_action       delete      -   -   -   -   -   -   -   -
support_action       export      -   -   -   -   -   -   -   -
support_action       aggregate   -   -   -   O   -   G   -   -
referral             view        D   D   D   O   -   -   -   -
referral             list        D   D   D   O   -   -   -   -
referral             create      -   -   -   O   -   -   -   -
referral             update      -   -   -   O   -   -   -   -
referral             delete      -   -   -   -   -   -   -   -
referral             export      -   -   -   -   -   -   -   -
referral             aggregate   -   -   -   O   -   G   -   -
child_concern_report view        R   R   R   O   -   -   -   -
child_concern_report list        R   R   R   O   -   -   -   -
child_concern_report create      O   O   O   -   -   -   -   -
child_concern_report update      -   -   -   -   -   -   -   -
child_concern_report delete      -   -   -   -   -   -   -   -
child_concern_report export      -   -   -   -   -   -   -   -
child_concern_report aggregate   -   -   -   O   -   G   -   -
concern_handling     view        -   -   -   O   -   -   -   -
concern_handling     list        -   -   -   O   -   -   -   -
concern_handling     create      -   -   -   O   -   -   -   -
concern_handling     update      -   -   -   O   -   -   -   -
concern_handling     delete      -   -   -   -   -   -   -   -
concern_handling     export      -   -   -   -   -   -   -   -
concern_handling     aggregate   -   -   -   O   -   G   -   -
crime_report         view        O   O   O   D   -   -   -   -
crime_report         list        O   O   O   D   -   -   -   -
crime_report         create      O   O   -   -   -   -   -   -
crime_report         update      O   O   -   -   -   -   -   -
crime_report         delete      -   -   -   -   -   -   -   -
crime_report         export      -   -   -   -   -   -   -   -
crime_report         aggregate   O   O   O   -   -   G   -   -
suspect              view        O   O   O   D   -   -   -   -
suspect              list        O   O   O   D   -   -   -   -
suspect              create      O   O   -   -   -   -   -   -
suspect              update      O   O   -   -   -   -   -   -
suspect              delete      -   -   -   -   -   -   -   -
suspect              export      -   -   -   -   -   -   -   -
suspect              aggregate   O   O   O   -   -   G   -   -
tip                  view        -   -   O   -   S   -   -   -
tip                  list        -   -   O   -   S   -   -   -
tip                  create      O   O   O   O   O   -   -   -
tip                  update      -   -   O   -   -   -   -   -
tip                  delete      -   -   -   -   -   -   -   -
tip                  export      -   -   -   -   -   -   -   -
tip                  aggregate   -   -   -   -   -   -   -   -
intel_item           view        -   O   O   -   -   -   -   -
intel_item           list        -   O   O   -   -   -   -   -
intel_item           create      -   O   O   -   -   -   -   -
intel_item           update      -   O   O   -   -   -   -   -
intel_item           delete      -   -   -   -   -   -   -   -
intel_item           export      -   O   O   -   -   -   -   -
intel_item           aggregate   -   -   -   -   -   -   -   -
entity               view        -   O   O   -   -   -   -   -
entity               list        -   O   O   -   -   -   -   -
entity               create      -   O   O   -   -   -   -   -
entity               update      -   O   O   -   -   -   -   -
entity               delete      -   -   -   -   -   -   -   -
entity               export      -   O   O   -   -   -   -   -
entity               aggregate   -   -   -   -   -   -   -   -
network              view        -   O   O   -   S   -   -   -
network              list        -   O   O   -   S   -   -   -
network              create      -   O   O   -   -   -   -   -
network              update      -   O   O   -   -   -   -   -
network              delete      -   -   -   -   -   -   -   -
network              export      -   O   O   -   -   -   -   -
network              aggregate   -   -   -   -   -   -   -   -
disclosure           view        O   O   O   O   -   -   -   -
disclosure           list        O   O   O   O   -   -   -   -
disclosure           create      O   O   O   O   -   -   -   -
disclosure           update      O   O   O   O   -   -   -   -
disclosure           delete      -   -   -   -   -   -   -   -
disclosure           export      -   -   -   -   -   -   -   -
disclosure           aggregate   -   -   -   -   -   G   -   -
audit_event          view        -   -   -   -   -   -   O   -
audit_event          list        -   -   -   -   -   -   O   -
audit_event          create      -   -   -   -   -   -   -   -
audit_event          update      -   -   -   -   -   -   -   -
audit_event          delete      -   -   -   -   -   -   -   -
audit_event          export      -   -   -   -   -   -   O   -
audit_event          aggregate   -   -   -   -   -   -   -   -
user                 view        -   -   -   -   -   -   -   O
user                 list        -   -   -   -   -   -   -   O
user                 create      -   -   -   -   -   -   -   O
user                 update      -   -   -   -   -   -   -   O
user                 delete      -   -   -   -   -   -   -   O
user                 export      -   -   -   -   -   -   -   -
user                 aggregate   -   -   -   -   -   -   -   -
register_extract     view        -   O   -   O   -   -   -   -
register_extract     list        -   O   -   O   -   -   -   -
register_extract     create      -   O   -   O   -   -   -   -
register_extract     update      -   O   -   O   -   -   -   -
register_extract     delete      -   -   -   -   -   -   -   -
register_extract     export      -   O   -   O   -   -   -   -
register_extract     aggregate   -   -   -   -   -   -   -   -
retention_rule       view        -   -   -   -   -   -   -   O
retention_rule       list        -   -   -   -   -   -   -   O
retention_rule       create      -   -   -   -   -   -   -   -
retention_rule       update      -   -   -   -   -   -   -   O
retention_rule       delete      -   -   -   -   -   -   -   -
retention_rule       export      -   -   -   -   -   -   -   -
retention_rule       aggregate   -   -   -   -   -   -   -   -
legal_hold           view        O   O   O   O   -   -   -   -
legal_hold           list        O   O   O   O   -   -   -   -
legal_hold           create      O   O   O   O   -   -   -   -
legal_hold           update      O   O   O   O   -   -   -   -
legal_hold           delete      -   -   -   -   -   -   -   -
legal_hold           export      -   -   -   -   -   -   -   -
legal_hold           aggregate   -   -   -   -   -   -   -   -
"""


def _parse() -> dict[tuple[Role, RecordType, Action], Scope]:
    lines = [line.split() for line in EXPECTED.strip().splitlines()]
    header, rows = lines[0], lines[1:]
    roles = [ROLE_COLUMNS[c] for c in header[2:]]
    table = {}
    for record, action, *codes in rows:
        assert len(codes) == len(roles), record
        for role, code in zip(roles, codes, strict=True):
            table[(role, RecordType(record), Action(action))] = CODES[code]
    return table


TABLE = _parse()


def test_expected_table_covers_every_cell() -> None:
    every = {(r, t, a) for r in Role for t in RecordType for a in Action}
    assert set(TABLE) == every


@pytest.mark.parametrize(("role", "record", "action"), sorted(TABLE, key=str))
def test_policy_cell(role: Role, record: RecordType, action: Action) -> None:
    assert scope(role, record, action) is TABLE[(role, record, action)]


def test_unknown_or_missing_role_is_denied_everything() -> None:
    for record in RecordType:
        for action in Action:
            assert scope(None, record, action) is Scope.NONE
            assert scope("superhero", record, action) is Scope.NONE


def test_admin_has_no_case_data() -> None:
    for record in RecordType:
        if record in (RecordType.USER, RecordType.RETENTION_RULE):
            continue
        for action in Action:
            assert scope(Role.ADMIN, record, action) is Scope.NONE


def test_no_role_may_delete_case_data_or_touch_the_log() -> None:
    for role in Role:
        for record in RecordType:
            if record is RecordType.USER:
                continue
            assert scope(role, record, Action.DELETE) is Scope.NONE
        for action in (Action.CREATE, Action.UPDATE, Action.DELETE):
            assert scope(role, RecordType.AUDIT_EVENT, action) is Scope.NONE


def test_the_police_read_the_concern_reports_they_filed_but_never_their_handling() -> None:
    for role in (Role.POLICE_OFFICER, Role.POLICE_INVESTIGATOR, Role.POLICE_ANALYST):
        assert scope(role, RecordType.CHILD_CONCERN_REPORT, Action.VIEW) is Scope.CREATED_BY_OWN_AGENCY
        for action in Action:
            assert scope(role, RecordType.CONCERN_HANDLING, action) is Scope.NONE
    # Social services handle their own agency's; nobody else reaches a record of it.
    for role in Role:
        reach = {scope(role, RecordType.CONCERN_HANDLING, a) for a in Action} - {Scope.NONE}
        expected = {Role.SOCIAL_WORKER: {Scope.OWN_AGENCY}, Role.MANAGER: {Scope.AGGREGATE}}
        assert reach == expected.get(role, set()), role


@pytest.mark.django_db
def test_user_scope_follows_membership_and_activity(personas: dict[str, User]) -> None:
    officer = personas["polis.inre"]
    assert user_scope(officer, RecordType.SHIFT, Action.VIEW) is Scope.COLLABORATION
    assert can(officer, RecordType.CRIME_REPORT, Action.CREATE)
    assert not can_read_records(personas["polis.chef"], RecordType.CRIME_REPORT)
    officer.is_active = False
    assert user_scope(officer, RecordType.SHIFT, Action.VIEW) is Scope.NONE
    assert user_scope(None, RecordType.SHIFT, Action.VIEW) is Scope.NONE
    nobody = User.objects.create(username="no.membership")
    assert user_scope(nobody, RecordType.SHIFT, Action.VIEW) is Scope.NONE
