"""The API's tests build records with the disclosure tests' fixtures (both agencies' records)."""

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from samverkan.sharing.tests.conftest import (  # noqa: F401  (fixtures)
    _english,
    bases,
    encounter,
    make_client,
    make_report,
    offences,
    officer,
    reference,
    shift,
    stockholm,
    venue,
    worker,
)


@pytest.fixture(autouse=True)
def _fresh_throttle() -> Iterator[None]:
    """Each test starts with no requests counted: a token's id comes back in the next test's
    database (a rolled-back sequence), and its count must not come with it."""
    cache.clear()
    yield
    cache.clear()
