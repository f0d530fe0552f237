"""All reference data, seeded again after a flushed database (tests, demo resets)."""

from __future__ import annotations


def seed_all_reference() -> None:
    from samverkan.accounts.reference import seed_stockholm
    from samverkan.legal.reference import seed_concern_deadlines, seed_legal_bases, seed_offences
    from samverkan.support.reference import seed_support_units

    seed_stockholm()
    seed_offences()
    seed_legal_bases()
    seed_concern_deadlines()
    seed_support_units()
