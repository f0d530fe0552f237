"""The police's case numbers (diarienummer): how both agencies write and check one.

A requester names a police record by its case number, so the format is shared
reference, not the police's own code.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CASE_NUMBER_RE = re.compile(r"^(?:\d{4}-)?K\d{1,9}-\d{2}$|^\d{4,14}$")


def normalise_case_number(text: str) -> str:
    return "".join(text.split()).upper()


def validate_case_number(value: str) -> None:
    if not CASE_NUMBER_RE.match(value):
        raise ValidationError(
            _(
                "Enter the case number as K, the serial number, a hyphen and the two-digit "
                "year, for example K123456-21, or as digits only."
            ),
            code="case_number",
        )
