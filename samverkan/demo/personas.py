"""The fixed cast of demo users: one per role and agency, plus outsiders.

The same cast serves the demo (``load_demo``) and the tests, so that what a
tester sees in the browser is what the persona tests prove.
"""

from __future__ import annotations

from typing import NamedTuple

from django.db import transaction

from samverkan.accounts.models import Agency, AgencyKind, Collaboration, Membership, Role, User
from samverkan.demo.reference import reference_present, seed_all_reference

STOCKHOLM_POLICE = "polisregion-stockholm"
STOCKHOLM_SOCIAL = "stockholms-stad"
OUTSIDE_POLICE = "polisregion-vast"
OUTSIDE_SOCIAL = "goteborgs-stad"


class Persona(NamedTuple):
    username: str
    first_name: str
    agency: str
    role: Role


PERSONAS: tuple[Persona, ...] = (
    Persona("polis.inre", "Polisinspektör", STOCKHOLM_POLICE, Role.POLICE_OFFICER),
    Persona("polis.utredare", "Utredare", STOCKHOLM_POLICE, Role.POLICE_INVESTIGATOR),
    Persona("polis.analytiker", "Analytiker", STOCKHOLM_POLICE, Role.POLICE_ANALYST),
    Persona("polis.samordnare", "Samordnare polis", STOCKHOLM_POLICE, Role.COORDINATOR),
    Persona("polis.chef", "Chef polis", STOCKHOLM_POLICE, Role.MANAGER),
    Persona("polis.granskare", "Granskare polis", STOCKHOLM_POLICE, Role.AUDITOR),
    Persona("polis.admin", "Administratör polis", STOCKHOLM_POLICE, Role.ADMIN),
    Persona("soc.handlaggare", "Socialsekreterare", STOCKHOLM_SOCIAL, Role.SOCIAL_WORKER),
    Persona("soc.samordnare", "Samordnare soc", STOCKHOLM_SOCIAL, Role.COORDINATOR),
    Persona("soc.chef", "Chef soc", STOCKHOLM_SOCIAL, Role.MANAGER),
    Persona("soc.granskare", "Granskare soc", STOCKHOLM_SOCIAL, Role.AUDITOR),
    Persona("soc.admin", "Administratör soc", STOCKHOLM_SOCIAL, Role.ADMIN),
    # Outsiders: another region's collaboration, behind the wall from Stockholm's records.
    Persona("vast.polis", "Polis Väst", OUTSIDE_POLICE, Role.POLICE_OFFICER),
    Persona("gbg.handlaggare", "Socialsekreterare Göteborg", OUTSIDE_SOCIAL, Role.SOCIAL_WORKER),
)

OUTSIDE_AGENCIES = (
    (OUTSIDE_POLICE, "Polisregion Väst", AgencyKind.POLICE),
    (OUTSIDE_SOCIAL, "Göteborgs stad, socialtjänsten", AgencyKind.SOCIAL_SERVICES),
)


@transaction.atomic
def ensure_personas(password: str) -> list[User]:
    """Create (or reset) every persona with ``password``; idempotent."""
    if not reference_present():
        seed_all_reference()  # gone after a flushed test database
    for code, name, kind in OUTSIDE_AGENCIES:
        Agency.objects.get_or_create(code=code, defaults={"name": name, "kind": kind})
    west, _ = Collaboration.objects.get_or_create(
        code="goteborg",
        defaults={"name": "Samverkan mot prostitution i Göteborg", "valid_from": "2021-01-01"},
    )
    west.agencies.add(*Agency.objects.filter(code__in=[OUTSIDE_POLICE, OUTSIDE_SOCIAL]))

    users = []
    for persona in PERSONAS:
        user, _ = User.objects.get_or_create(username=persona.username)
        user.first_name = persona.first_name
        user.last_name = "(demo)"
        user.is_active = True
        user.set_password(password)
        user.save()
        Membership.objects.update_or_create(
            user=user,
            defaults={"agency": Agency.objects.get(code=persona.agency), "role": persona.role},
        )
        users.append(user)
    return users
