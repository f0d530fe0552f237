"""What social services can disclose to the police, declared once (``sharing.gate``).

Each field's reader turns the client's own records into what the police see
when that field is granted. The police never receive a ``Client`` or any row
of its file: only a projection built from these readers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from samverkan.accounts.models import AgencyKind
from samverkan.accounts.policy import RecordType
from samverkan.lib.age import is_minor
from samverkan.sharing.gate import Disclosable, DisclosableField, Summary
from samverkan.sharing.rules import SubjectAge
from samverkan.support.models import (
    Client,
    ClientEncounter,
    Consent,
    ConsentScope,
    Referral,
    SupportAction,
)

F = DisclosableField


def _day(value: dt.date | None) -> str:
    return date_format(value, "Y-m-d") if value else "\N{EN DASH}"


def _moment(value: dt.datetime) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"


# --- Readers of a client's parts --------------------------------------------------------


def _identifiers(client: Client) -> list[str]:
    lines = []
    for ident in client.identifiers.order_by("pk"):
        line = str(ident.get_kind_display())
        if ident.kind != "none":
            line += f": {ident.display}"
        if ident.birth_date:
            line += " · " + gettext("Born %(date)s") % {"date": _day(ident.birth_date)}
        lines.append(line)
    return lines or [gettext("No identity number recorded.")]


def _ages(client: Client) -> list[str]:
    lines = [
        f"{_day(a.assessed_on)}: {a.display} ({a.get_basis_display()})"
        for a in client.age_assessments.order_by("assessed_on", "pk")
    ]
    return lines or [gettext("No age recorded.")]


def _encounters(client: Client) -> list[str]:
    lines = []
    for link in client.encounter_links.select_related("encounter__venue").order_by(
        "encounter__occurred_at", "pk"
    ):
        encounter = link.encounter
        age = gettext("age unknown") if link.age_years is None else gettext(
            "%(years)s years old"
        ) % {"years": link.age_years}
        lines.append(
            f"{_moment(encounter.occurred_at)}, {encounter.venue.name}, "
            f"{encounter.get_role_display()}, {age}"
        )
    return lines or [gettext("Not linked to any encounter.")]


def _consents(client: Client) -> list[str]:
    lines = []
    for consent in client.consents.order_by("given_on", "pk"):
        line = gettext("%(scope)s, given %(date)s by %(giver)s") % {
            "scope": consent.get_scope_display(),
            "date": _day(consent.given_on),
            "giver": consent.get_given_by_display(),
        }
        if consent.withdrawn_at:
            line += " · " + gettext("withdrawn %(date)s") % {
                "date": _day(timezone.localdate(consent.withdrawn_at))
            }
        lines.append(line)
    return lines or [gettext("No consent recorded.")]


def _support_entry(action: SupportAction) -> str:
    text = f"{_day(action.happened_on)} {action.get_kind_display()} ({action.performed_by.display_name})"
    return f"{text}: {action.note}" if action.note else text


def _referral_entry(referral: Referral) -> str:
    parts = [
        referral.unit.name,
        str(referral.get_status_display()),
        gettext("sent %(date)s") % {"date": _day(referral.sent_on)},
    ]
    if referral.received_on:
        parts.append(gettext("received %(date)s") % {"date": _day(referral.received_on)})
    if referral.closed_on:
        parts.append(gettext("closed %(date)s") % {"date": _day(referral.closed_on)})
    if referral.declined_on:
        parts.append(
            gettext("declined %(date)s: %(reason)s")
            % {"date": _day(referral.declined_on), "reason": referral.decline_reason}
        )
    text = ", ".join(parts)
    return f"{text}. {referral.note}" if referral.note else text


# --- The facts the legal rules need ------------------------------------------------------


def _age(years: int | None) -> SubjectAge:
    if years is None:
        return SubjectAge.UNKNOWN
    return SubjectAge.MINOR if is_minor(years) else SubjectAge.ADULT


def _client_of(record: Any) -> Client:
    return record if isinstance(record, Client) else record.client


def client_age(record: Any, encounter_id: int | None, on: dt.date) -> SubjectAge:
    """The age when met at the named encounter (frozen there), else on the day."""
    client = _client_of(record)
    if encounter_id is not None:
        link = ClientEncounter.objects.filter(client=client, encounter_id=encounter_id).first()
        if link is not None:
            return _age(link.age_years)
    return _age(client.age_on(on).years)


def consents_to_police(record: Any, at: dt.datetime) -> bool:
    """Whether the client's consent to share with the police was in force at ``at``."""
    return (
        Consent.objects.filter(
            client=_client_of(record),
            scope=ConsentScope.SHARE_WITH_POLICE,
            given_on__lte=timezone.localdate(at),
        )
        .filter(Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gt=at))
        .exists()
    )


def _client_title(client: Client) -> str:
    return gettext("Client %(id)s") % {"id": client.pk}


def _client_summary(client: Client) -> Summary:
    lines = [_client_title(client)]
    if client.protected_identity:
        lines.append(gettext("Protected personal data"))
    return Summary(client.pk, client.pseudonym, lines)


def _support_summary(action: SupportAction) -> Summary:
    return Summary(
        action.pk,
        f"{action.get_kind_display()} {_day(action.happened_on)}",
        [gettext("Client %(id)s") % {"id": action.client_id}],
    )


def _referral_summary(referral: Referral) -> Summary:
    return Summary(
        referral.pk,
        str(referral),
        [gettext("Client %(id)s") % {"id": referral.client_id}, _day(referral.sent_on)],
    )


SS = AgencyKind.SOCIAL_SERVICES

CLIENT: Disclosable[Client] = Disclosable(
    record_type=RecordType.CLIENT,
    owner_kind=SS,
    model=Client,
    fields=(
        F("pseudonym", _("Pseudonym"), lambda c: c.pseudonym),
        F("identifiers", _("Identity numbers"), _identifiers),
        F("ages", _("Stated and assessed ages"), _ages),
        F("language", _("Language"), lambda c: c.language or "\N{EN DASH}"),
        F("contact", _("Contact details"), lambda c: c.contact or "\N{EN DASH}"),
        F("encounters", _("Encounters, with the age at each"), _encounters),
        F("consents", _("Consents"), _consents),
    ),
    owner_path="agency",
    encounter_paths=("encounter_links__encounter",),
    title_field="pseudonym",
    untitled=_client_title,
    summary=_client_summary,
    subject_age=client_age,
    consent=consents_to_police,
    url_name="support:client_detail",
    needs_purpose=lambda c: c.protected_identity,
)

# The support pages show a disclosed support action or referral as a whole
# entry, so the entry is the one thing that can be granted.
def _entry_of_a_client(
    record_type: RecordType,
    model: type[Any],
    label: Any,
    read: Any,
    *,
    encounter_path: str,
    untitled: Any,
    summary: Any,
    select_related: tuple[str, ...],
) -> Disclosable[Any]:
    """A record of a client's file disclosed as one entry; its page is the client's."""
    return Disclosable(
        record_type=record_type,
        owner_kind=SS,
        model=model,
        fields=(F("entry", label, read, long_text=True),),
        owner_path="agency",
        encounter_paths=(encounter_path,),
        title_field="",
        untitled=untitled,
        summary=summary,
        subject_age=client_age,
        consent=consents_to_police,
        url_name="support:client_detail",
        url_id=lambda record: record.client_id,
        select_related=select_related,
        needs_purpose=lambda record: record.client.protected_identity,
    )


SUPPORT_ACTION = _entry_of_a_client(
    RecordType.SUPPORT_ACTION,
    SupportAction,
    _("The entry: what was done, when, by whom, and the note"),
    _support_entry,
    encounter_path="encounter",
    untitled=lambda a: gettext("Support"),
    summary=_support_summary,
    select_related=("performed_by",),
)

REFERRAL = _entry_of_a_client(
    RecordType.REFERRAL,
    Referral,
    _("The referral: unit, status, dates and note"),
    _referral_entry,
    encounter_path="client__encounter_links__encounter",
    untitled=lambda r: gettext("Referral"),
    summary=_referral_summary,
    select_related=("unit",),
)

RECORDS: tuple[Disclosable[Any], ...] = (CLIENT, SUPPORT_ACTION, REFERRAL)
