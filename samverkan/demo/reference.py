"""All reference data, seeded again after a flushed database (tests, demo resets)."""

from __future__ import annotations


def seed_all_reference() -> None:
    from samverkan.accounts.reference import seed_stockholm
    from samverkan.legal.reference import seed_concern_deadlines, seed_legal_bases, seed_offences
    from samverkan.retention.reference import seed_retention_rules
    from samverkan.support.reference import seed_support_units

    seed_stockholm()
    seed_offences()
    seed_legal_bases()
    seed_concern_deadlines()
    seed_support_units()
    seed_retention_rules()


def reference_present() -> bool:
    """Whether every reference table has its rows (the migrations seed them; a flush empties
    them): then ``seed_all_reference`` would change nothing, and the test suite's persona
    fixture, called before most tests, can skip its hundreds of queries."""
    from samverkan.accounts.models import Area, Collaboration
    from samverkan.legal.models import ConcernDeadline, LegalBasis, Offence, OffenceName
    from samverkan.retention.models import RetentionRule
    from samverkan.support.models import SupportUnit

    return all(
        model.objects.exists()
        for model in (Area, Collaboration, Offence, OffenceName, LegalBasis, ConcernDeadline, SupportUnit, RetentionRule)
    )
