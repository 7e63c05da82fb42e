from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import EqualTo, Length, Optional

from app.accounts.roles import INVITABLE_BY_COORDINATOR
from app.core.forms import (
    BaseForm,
    NormalizedEmailField,
    choices,
    email_validators,
    french_phone,
    max_length,
    required,
)


class PasswordLoginForm(BaseForm):
    email = NormalizedEmailField("Adresse électronique", validators=email_validators())
    password = PasswordField("Mot de passe", validators=[required(), max_length(200)])
    next = HiddenField()


class MagicLinkForm(BaseForm):
    email = NormalizedEmailField("Adresse électronique", validators=email_validators())
    next = HiddenField()


class ConfirmForm(BaseForm):
    """A bare form: its CSRF token is what a confirmation button posts."""


class SetPasswordForm(BaseForm):
    password = PasswordField(
        "Mot de passe (12 caractères minimum)",
        validators=[
            Optional(),
            Length(
                min=12, max=200, message="Le mot de passe doit compter entre 12 et 200 caractères."
            ),
        ],
    )
    confirm = PasswordField(
        "Confirmez le mot de passe",
        validators=[EqualTo("password", message="Les deux mots de passe ne sont pas identiques.")],
    )


class InvitationForm(BaseForm):
    email = NormalizedEmailField("Adresse électronique", validators=email_validators())
    first_name = StringField("Prénom", validators=[required(), max_length(100)])
    last_name = StringField("Nom", validators=[required(), max_length(100)])
    phone = StringField(
        "Téléphone (facultatif)", validators=[Optional(), max_length(20), french_phone]
    )
    role = SelectField(
        "Rôle",
        choices=choices((r.value, r.label) for r in INVITABLE_BY_COORDINATOR),
        validators=[required()],
    )
    structure_id = SelectField("Structure (facultatif)", coerce=str, validators=[Optional()])


class ChangePasswordForm(BaseForm):
    current = PasswordField("Mot de passe actuel", validators=[Optional(), max_length(200)])
    password = PasswordField(
        "Nouveau mot de passe (12 caractères minimum)",
        validators=[
            required(),
            Length(
                min=12, max=200, message="Le mot de passe doit compter entre 12 et 200 caractères."
            ),
        ],
    )
    confirm = PasswordField(
        "Confirmez le nouveau mot de passe",
        validators=[EqualTo("password", message="Les deux mots de passe ne sont pas identiques.")],
    )
