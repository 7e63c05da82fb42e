"""Shared form pieces: French messages, validators used across domains."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import SelectChoice, StringField
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError

from app.core import bounds

REQUIRED = "Ce champ est obligatoire."


class BaseForm(FlaskForm):
    """Every form of the portal: WTForms' own messages in French."""

    class Meta:
        locales = ["fr_FR", "fr"]
        bind_field = bounds.bind_field  # dates, integers and text within bounds


def required():
    return InputRequired(message=REQUIRED)


def max_length(n: int):
    return Length(max=n, message=f"Ce champ ne peut pas dépasser {n} caractères.")


class NormalizedEmailField(StringField):
    """Email trimmed and lower-cased: addresses are unique whatever their case."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data:
            self.data = self.data.strip().lower()


def email_validators(is_required: bool = True):
    return [
        required() if is_required else Optional(),
        Length(max=254, message="L'adresse électronique ne peut pas dépasser 254 caractères."),
        Email(message="Saisissez une adresse électronique valide, par exemple nom@exemple.fr."),
    ]


FRENCH_PHONE = re.compile(
    r"^(?:\+33|0033|0)[1-9](?:\d{8})$|^(?:\+262|\+269|\+590|\+594|\+596)\d{9}$"
)


def french_phone(form, field):
    """A French phone number (mainland or overseas), spaces and dots allowed."""
    if not field.data:
        return
    digits = re.sub(r"[\s.\-]", "", field.data)
    if not FRENCH_PHONE.match(digits):
        raise ValidationError(
            "Saisissez un numéro de téléphone valide, par exemple 06 12 34 56 78."
        )
    field.data = digits


def postal_code(form, field):
    if field.data and not re.fullmatch(r"\d{5}", field.data.strip()):
        raise ValidationError("Le code postal comporte 5 chiffres, par exemple 93200.")


def choices(pairs) -> list[SelectChoice]:
    """SelectField choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]
