"""Forms of the national administration of territories."""

from wtforms import HiddenField, StringField
from wtforms.validators import AnyOf, Regexp

from app.core.forms import (
    BaseForm,
    NormalizedEmailField,
    email_validators,
    max_length,
    required,
)


class TerritoryForm(BaseForm):
    name = StringField("Nom du territoire", validators=[required(), max_length(120)])
    slug = StringField(
        "Identifiant dans les adresses",
        validators=[
            required(),
            max_length(60),
            Regexp(
                r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                message="Minuscules, chiffres et tirets uniquement, par exemple « nord ».",
            ),
        ],
    )
    department_code = StringField(
        "Code du département",
        validators=[
            required(),
            Regexp(r"(?a)^(?:\d{2}|2A|2B|97[1-6])$", message="Par exemple 59, 2A ou 974."),
        ],
    )


class CoordinatorInvitationForm(BaseForm):
    email = NormalizedEmailField("Adresse électronique", validators=email_validators())
    first_name = StringField("Prénom", validators=[required(), max_length(100)])
    last_name = StringField("Nom", validators=[required(), max_length(100)])


class SwitchForm(BaseForm):
    """Open ("1") or close ("0") the service named in the URL."""

    enabled = HiddenField(validators=[AnyOf(["0", "1"])])
