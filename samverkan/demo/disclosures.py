"""The demo's disclosure: one client disclosed to the officer who asked, and to nobody else.

Need-to-know (docs/need-to-know.md): the police officer (``polis.inre``)
asked social services for a child met on the most recent shift with a minor;
the social worker (``soc.handlaggare``) approved the pseudonym, the ages and the
language on OSL 10:21 (an offence against a child under BrB 6) for the
officer alone, and the officer accepted. Signed in as ``polis.inre`` the demo
shows the client (after the purpose question); as ``polis.utredare`` it does
not. Made through the real actions, so the audit log shows it too.
"""

from __future__ import annotations

from samverkan.accounts.models import User
from samverkan.legal.models import LegalBasis, Offence
from samverkan.operations.models import AgeBand, EncounterRole
from samverkan.sharing.actions import (
    do_accept_disclosure,
    do_decide_disclosure,
    do_request_disclosure,
)
from samverkan.sharing.models import Disclosure
from samverkan.support.models import ClientEncounter

FIELDS = ["pseudonym", "ages", "language"]


def build_disclosures() -> Disclosure | None:
    """The demo's one delivered disclosure (``None`` when there is no child to ask about)."""
    officer = User.objects.get(username="polis.inre")
    worker = User.objects.get(username="soc.handlaggare")
    social = worker.agency
    assert social is not None
    link = (
        ClientEncounter.objects.filter(
            client__agency=social,
            encounter__role=EncounterRole.EXPLOITED,
            encounter__age_band=AgeBand.UNDER_18,
        )
        .select_related("client", "encounter")
        .order_by("-encounter__occurred_at", "-pk")
        .first()
    )
    if link is None:
        return None
    offence = Offence.objects.get(key="brb-6-9")
    d = do_request_disclosure(
        owning_agency=social,
        record_type="client",
        fields=FIELDS,
        purpose="Förundersökning om köp av sexuell handling av barn: identifiera målsäganden.",
        encounter=link.encounter,
        offence=offence,
        acting_user=officer,
    )
    d = do_decide_disclosure(
        d,
        approve=True,
        record_id=link.client_id,
        legal_basis=LegalBasis.objects.get(code="osl-10-21"),
        fields=FIELDS,
        assessment="Brott mot barn enligt BrB 6 kap.; uppgifterna behövs för förundersökningen.",
        offence=offence,
        recipients=[officer],
        acting_user=worker,
    )
    return do_accept_disclosure(d, acting_user=officer)
