"""Shared form pieces: French messages, validators used across domains."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectChoice, StringField
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError

from app.core import bounds, validators

REQUIRED = "Ce champ est obligatoire."


class BaseForm(FlaskForm):
    """Every form of the portal: WTForms' own messages in French."""

    class Meta:
        locales = ["fr_FR", "fr"]

        def build_csrf(self, form):
            # The CSRF field renders without an id: a page with several forms would otherwise
            # repeat id="csrf_token" (invalid HTML), whether through the field or hidden_tag().
            csrf = super().build_csrf(form)
            if csrf is None:
                return None
            setup = csrf.setup_form

            def setup_without_id(bound_form):
                fields = setup(bound_form)
                for _name, unbound in fields:
                    unbound.kwargs.setdefault("render_kw", {"id": False})
                return fields

            csrf.setup_form = setup_without_id
            return csrf

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


def checked(check):
    """A WTForms validator from a check returning the normalised value or raising ValueError
    with its French message (`app.core.validators`): the field keeps the normalised value."""

    def validator(form, field):
        try:
            field.data = check(field.data)
        except ValueError as error:
            raise ValidationError(str(error)) from error

    return validator


french_phone = checked(validators.french_phone)
postal_code = checked(validators.postal_code)


def choices(pairs) -> list[SelectChoice]:
    """SelectField choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


# Fields the forms macro (`includes/forms.html`) writes itself when plain: WTForms' widgets cost
# most of a form's rendering, and these produce the same markup.
PLAIN_FIELD_TYPES = frozenset(
    {
        "StringField",
        "DateField",
        "DateTimeLocalField",
        "NormalizedEmailField",
        "TextAreaField",
        "SelectField",
    }
)
_PLAIN_FLAGS = ("minlength", "pattern", "disabled", "readonly", "min", "max", "step")
_WRITTEN = frozenset({"aria-describedby", "autocomplete", "class", "id", "name", "type", "value"})
_WRITTEN |= {"maxlength", "required"}


def is_plain(field, attrs) -> bool:
    """The field can be written by the macro: no error, no render_kw, none of the flags or
    attributes it would have to merge (those go through WTForms' widget)."""
    return (
        not field.errors
        and not field.render_kw
        and field.type in PLAIN_FIELD_TYPES
        and not any(getattr(field.flags, flag) for flag in _PLAIN_FLAGS)
        and not any(
            name in _WRITTEN or isinstance(value, bool) or value is None
            for name, value in (attrs or {}).items()
        )
    )


def init_app(app) -> None:
    app.jinja_env.globals["plain_field"] = is_plain
