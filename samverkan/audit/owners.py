"""Events about a record owned by another agency than the reader's: the owner's auditors see them.

A disclosed read is done by a user of one agency on a record of the other. The
reader's agency's auditors see the event as their own (it is their user's);
the owning agency's auditors must see it as well, because the record is theirs.
The gate marks such events (``owner_mark``) at the start of the detail; the
review adds the marked events to the auditor's own (``about_records_of``).
"""

from __future__ import annotations

from django.db.models import Q

from samverkan.accounts.models import Agency

PREFIX = "owner="


def owner_mark(agency_code: str) -> str:
    """The mark that names the agency owning the record an event is about ("" if unknown)."""
    return f"{PREFIX}{agency_code}; " if agency_code else ""


def about_records_of(agency: Agency) -> Q:
    """Events of other agencies' users about records ``agency`` owns."""
    return Q(detail__startswith=owner_mark(agency.code)) & ~Q(agency=agency)
