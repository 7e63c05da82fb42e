"""Rules on values shared by the forms, the API schemas and the imports of every domain.

Each is a pure function: the normalised value (None for no value), or a ValueError carrying the
French message to show. A domain may word the message its own way (`message=`), never the rule.
WTForms fields use them through `app.core.forms.checked`.
"""

from __future__ import annotations

import re

# re.ASCII: \d is 0–9 only (not "١٢٣" or other scripts' digits, which no French number uses).
FRENCH_PHONE = re.compile(
    r"^(?:\+33|0033|0)[1-9](?:\d{8})$|^(?:\+262|\+269|\+590|\+594|\+596)\d{9}$", re.ASCII
)
FIVE_DIGITS = re.compile(r"\d{5}", re.ASCII)
PHONE_MESSAGE = "Saisissez un numéro de téléphone valide, par exemple 06 12 34 56 78."
POSTAL_CODE_MESSAGE = "Le code postal comporte 5 chiffres, par exemple 93200."


def french_phone(value: str | None, message: str = PHONE_MESSAGE) -> str | None:
    """A French phone number (mainland or overseas), written with or without spaces, dots or
    dashes; kept without them."""
    if not value:
        return None
    digits = re.sub(r"[\s.\-]", "", str(value))
    if not FRENCH_PHONE.match(digits):
        raise ValueError(message)
    return digits


def postal_code(value: str | None, message: str = POSTAL_CODE_MESSAGE) -> str | None:
    """Five digits, kept without the spaces around them."""
    if not value:
        return None
    value = str(value).strip()
    if not FIVE_DIGITS.fullmatch(value):
        raise ValueError(message)
    return value
