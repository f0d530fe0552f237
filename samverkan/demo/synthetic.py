"""What the demo (``generate``) and the national-scale data (``scale``) make alike.

Both write synthetic history directly; the small rules they share are here so
that a case number, a birth date or a buyer's offence looks the same in both.
"""

from __future__ import annotations

import datetime as dt
import random


def case_number(serial: int, year: int) -> str:
    """The police's case number of the ``serial``-th synthetic report, in ``year``."""
    return f"K{100000 + serial}-{year % 100:02d}"


def birth_date(rng: random.Random, day: dt.date, age: int) -> dt.date:
    """A birth date that makes a person exactly ``age`` years old on ``day``."""
    return day - dt.timedelta(days=365 * age + rng.randint(30, 330))


def buyer_offence(rng: random.Random, *, with_a_child: bool, attempts: float) -> str:
    """The offence of a reported purchase: 6:9 with a child, else 6:11 (a share of them attempts)."""
    if with_a_child:
        return "brb-6-9"
    return "brb-6-11-forsok" if rng.random() < attempts else "brb-6-11"
