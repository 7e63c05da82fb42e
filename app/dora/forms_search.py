"""Forms of the search side: the orientation, the structure's answer through its link, the
"no solution / I know one" feedback and the time-saved question."""

from __future__ import annotations

from wtforms import BooleanField, DateField, RadioField, StringField, TextAreaField
from wtforms.validators import Optional, ValidationError

from app.core.forms import (
    BaseForm,
    NormalizedEmailField,
    choices,
    email_validators,
    french_phone,
    max_length,
    required,
)
from app.dora.forms import MultiCheckboxField
from app.dora.models import ContactPreference


class OrientationForm(BaseForm):
    first_name = StringField("Prénom de la personne", validators=[required(), max_length(100)])
    last_name = StringField("Nom de la personne", validators=[required(), max_length(100)])
    email = NormalizedEmailField(
        "Adresse électronique (facultatif)", validators=email_validators(False)
    )
    phone = StringField("Téléphone (facultatif)", validators=[Optional(), french_phone])
    contact_preference = RadioField(
        "Comment la structure peut-elle joindre la personne ?",
        choices=choices(ContactPreference.choices()),
        default=ContactPreference.CASEWORKER.value,
        validators=[required()],
    )
    situation = TextAreaField(
        "Situation de la personne (facultatif)",
        validators=[Optional(), max_length(2000)],
    )
    criteria = MultiCheckboxField("Critères remplis", choices=[], validate_choice=False)
    reason = TextAreaField("Motif de l'orientation", validators=[required(), max_length(2000)])
    person_agreed = BooleanField(
        "La personne est d'accord pour être orientée et pour que ces informations soient "
        "transmises à la structure.",
    )

    def validate_person_agreed(self, field):
        if not field.data:
            raise ValidationError("Cochez cette case : la personne doit avoir donné son accord.")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # The chosen way to be reached needs its detail (the fields are optional otherwise).
        wanted = {
            ContactPreference.EMAIL.value: (
                self.email,
                "Indiquez l'adresse électronique de la personne.",
            ),
            ContactPreference.PHONE.value: (self.phone, "Indiquez le téléphone de la personne."),
        }.get(self.contact_preference.data)
        if wanted and not wanted[0].data and not wanted[0].errors:
            wanted[0].errors = [*wanted[0].errors, wanted[1]]
            return False
        return valid

    def validate_criteria(self, field):
        allowed = {choice.value for choice in field.choices}
        if set(field.data or []) - allowed:
            raise ValidationError("Critère inconnu : cochez parmi ceux proposés.")


class RefuseForm(BaseForm):
    refusal_reason = TextAreaField(
        "Raison du refus (transmise à l'accompagnateur·rice)",
        validators=[required(), max_length(1000)],
    )


class StartForm(BaseForm):
    started_on = DateField(
        "Date à laquelle la personne a commencé",
        validators=[required()],
    )


class FeedbackForm(BaseForm):
    need = StringField(
        "Ce qu'il fallait à la personne",
        validators=[Optional(), max_length(300)],
        description="Sans nom ni détail permettant de reconnaître la personne.",
    )
    comment = TextAreaField("Commentaire (facultatif)", validators=[Optional(), max_length(1000)])
    structure_name = StringField("Structure", validators=[Optional(), max_length(150)])
    service_name = StringField("Service à ajouter", validators=[Optional(), max_length(150)])


class TimeSavedForm(BaseForm):
    answer = RadioField(
        "Avez-vous gagné du temps pour trouver une solution grâce à DORA ?",
        choices=choices(
            [("oui", "Oui"), ("non", "Non"), ("passer", "Je ne souhaite pas répondre")]
        ),
        validators=[required()],
    )
