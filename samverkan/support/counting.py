"""How an encounter is counted: the person it counts as and the age it counts at.

Shared by the results statistics (``reports.definitions``) and the shift planning's
patterns (``planning.patterns``), which sit on the same floor and may not import each
other: one predicate for a minor, one unit for a person found, declared here, in the
app that holds what is established of a client's age (``ClientEncounter.age_band``).

- The age band of an encounter is the best established one: the linked client's
  established band at the encounter, or, while none is established (or nobody is
  linked), the band recorded. An uncertain age counts as a minor (presumption of
  childhood).
- A person found is the client linked to the encounter; an encounter that no client
  is linked to counts as one person of its own (its id negated).
"""

from __future__ import annotations

from django.db.models import F, Q
from django.db.models.functions import Coalesce

from samverkan.operations.models import MINOR_AGE_BANDS, AgeBand, EncounterRole


def aged(*bands: str) -> Q:
    """Encounters whose best established age band is one of ``bands``."""
    return Q(client_link__age_band__in=bands) | (Q(client_link__age_band__isnull=True) & Q(age_band__in=bands))


MINOR_AT_ENCOUNTER = aged(*MINOR_AGE_BANDS)
ADULT_AT_ENCOUNTER = aged(AgeBand.ADULT)
AGE_UNCERTAIN_AT_ENCOUNTER = aged(AgeBand.UNCERTAIN)
# A person found in prostitution (not a buyer, not anyone else met).
EXPLOITED = Q(role=EncounterRole.EXPLOITED)


def person_found() -> Coalesce:
    """The person an encounter counts as: its client, or the encounter itself (negated)."""
    return Coalesce("client_link__client_id", -F("pk"))
