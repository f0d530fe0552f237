"""The API's tests build records with the disclosure tests' fixtures (both agencies' records)."""

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
