"""Carnet de bord forms. Every message in French; every value checked on the server."""

from __future__ import annotations

from datetime import date

from stdnum.fr import nir as stdnum_nir
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional, ValidationError

from app.carnet.models import (
    ActionStatus,
    AppointmentStatus,
    BarrierStatus,
    BarrierTheme,
    ContractType,
    ObjectiveStatus,
    Situation,
    Visibility,
)
from app.core.forms import (
    BaseForm,
    NormalizedEmailField,
    choices,
    email_validators,
    french_phone,
    max_length,
    postal_code,
    required,
)


def normalize_nir(value: str | None) -> str | None:
    if not value:
        return None
    return "".join(value.split()).upper()


def validate_nir(value: str) -> str:
    """A NIR of 13 characters (no key) or 15 (key checked). Raises ValueError in French."""
    compact = normalize_nir(value) or ""
    if len(compact) not in (13, 15):
        raise ValueError("Le NIR comporte 13 caractères, ou 15 avec la clé.")
    body = compact[:13]
    try:
        key = stdnum_nir.calc_check_digits(body)
    except Exception as error:  # stdnum raises on letters outside 2A/2B
        raise ValueError(
            "Le NIR n'est pas valide : vérifiez les 13 premiers caractères."
        ) from error
    if not stdnum_nir.is_valid(body + key):
        raise ValueError("Le NIR n'est pas valide : vérifiez les 13 premiers caractères.")
    if len(compact) == 15 and compact[13:] != key:
        raise ValueError("La clé du NIR (2 derniers chiffres) ne correspond pas au numéro.")
    return compact


def nir_field(form, field):
    if not field.data:
        field.data = None
        return
    try:
        field.data = validate_nir(field.data)
    except ValueError as error:
        raise ValidationError(str(error)) from error


def past_date(form, field):
    if field.data and field.data > date.today():
        raise ValidationError("La date ne peut pas être dans le futur.")
    if field.data and field.data.year < 1900:
        raise ValidationError("Vérifiez l'année saisie.")


def not_blank(form, field):
    if field.data is not None and not str(field.data).strip():
        raise ValidationError("Ce champ ne peut pas être vide.")


def DateInput(label, validators=()):  # noqa: N802 (a field factory)
    return DateField(label, validators=list(validators), format="%Y-%m-%d")


class IdentityFields(BaseForm):
    first_name = StringField("Prénom", validators=[required(), not_blank, max_length(100)])
    last_name = StringField("Nom", validators=[required(), not_blank, max_length(100)])
    birth_date = DateInput("Date de naissance", [required(), past_date])


class NotebookCreateForm(IdentityFields):
    email = NormalizedEmailField(
        "Adresse électronique (facultatif)", validators=email_validators(False)
    )
    mobile = StringField(
        "Téléphone portable (facultatif)", validators=[Optional(), max_length(20), french_phone]
    )
    address = StringField("Adresse (facultatif)", validators=[Optional(), max_length(200)])
    postal_code = StringField(
        "Code postal (facultatif)", validators=[Optional(), max_length(5), postal_code]
    )
    commune = StringField("Commune (facultatif)", validators=[Optional(), max_length(120)])
    situation = SelectField(
        "Situation", choices=choices(Situation.choices()), validators=[required()]
    )
    caf_number = StringField(
        "Numéro d'allocataire CAF (facultatif)", validators=[Optional(), max_length(20)]
    )
    france_travail_id = StringField(
        "Identifiant France Travail (facultatif)", validators=[Optional(), max_length(20)]
    )
    nir = StringField(
        "NIR — numéro de sécurité sociale (facultatif)",
        validators=[Optional(), max_length(21), nir_field],
    )
    invite = BooleanField(
        "Envoyer à la personne un lien pour accéder à son carnet (adresse électronique requise)"
    )

    def validate_invite(self, field):
        if field.data and not self.email.data:
            raise ValidationError(
                "Indiquez l'adresse électronique de la personne pour lui envoyer un lien."
            )


class JoinSearchForm(BaseForm):
    first_name = StringField("Prénom", validators=[Optional(), max_length(100)])
    last_name = StringField("Nom", validators=[Optional(), max_length(100)])
    birth_date = DateInput("Date de naissance", [Optional(), past_date])
    nir = StringField("ou NIR", validators=[Optional(), max_length(21), nir_field])

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        if self.nir.data or (self.first_name.data and self.last_name.data and self.birth_date.data):
            return True
        self.nir.errors = list(self.nir.errors) + [
            "Saisissez le nom, le prénom et la date de naissance, ou le NIR."
        ]
        return False


class ListFilterForm(BaseForm):
    class Meta:
        csrf = False

    q = StringField("Rechercher (nom ou prénom)", validators=[Optional(), max_length(100)])
    birth_date = DateInput("Date de naissance", [Optional()])
    theme = SelectField(
        "Frein",
        choices=choices([("", "Tous les freins")] + BarrierTheme.choices()),
        validators=[Optional()],
    )
    without_referent = BooleanField("Sans référent")
    inactive = BooleanField("Sans modification depuis 30 jours")


class BarrierForm(BaseForm):
    theme = SelectField("Thème", choices=choices(BarrierTheme.choices()), validators=[required()])
    situation = TextAreaField("Situation", validators=[required(), not_blank, max_length(2000)])
    visibility = SelectField(
        "Partage",
        choices=choices(
            [("", "Par défaut (résumé seulement pour la santé)")] + Visibility.choices()
        ),
        validators=[Optional()],
    )


class BarrierEditForm(BaseForm):
    situation = TextAreaField("Situation", validators=[required(), not_blank, max_length(2000)])
    status = SelectField("État", choices=choices(BarrierStatus.choices()), validators=[Optional()])
    visibility = SelectField(
        "Partage", choices=choices(Visibility.choices()), validators=[Optional()]
    )


class ObjectiveForm(BaseForm):
    title = StringField("Objectif", validators=[required(), not_blank, max_length(300)])


class ObjectiveStatusForm(BaseForm):
    status = SelectField(
        "État de l'objectif", choices=choices(ObjectiveStatus.choices()), validators=[required()]
    )


class ActionForm(BaseForm):
    title = StringField("Action", validators=[required(), not_blank, max_length(300)])
    start_date = DateInput("Date de début, ou de réalisation (facultatif)", [Optional()])
    # What the person did before the notebook existed (the seed's "actions antérieures").
    done = BooleanField("Déjà réalisée (par exemple avant l'ouverture du carnet)")
    dora_service_id = HiddenField()

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.done.data and not self.start_date.errors:
            when = self.start_date.data
            if when is None:
                self.start_date.errors.append("Indiquez la date à laquelle elle a été réalisée.")
            elif when > date.today():
                self.start_date.errors.append(
                    "Une action déjà réalisée a une date passée (ou celle d'aujourd'hui)."
                )
            else:
                return valid
            return False
        return valid


class ActionStatusForm(BaseForm):
    status = SelectField(
        "État de l'action", choices=choices(ActionStatus.choices()), validators=[required()]
    )


class InterviewForm(BaseForm):
    date = DateInput("Date de l'entretien", [required(), past_date])
    text = TextAreaField("Récapitulatif", validators=[required(), not_blank, max_length(5000)])


class DiagnosticForm(BaseForm):
    work_situation = StringField(
        "Situation professionnelle", validators=[Optional(), max_length(200)]
    )
    education_level = StringField("Niveau de formation", validators=[Optional(), max_length(100)])
    contract_type = SelectField("Contrat d'accompagnement", choices=choices(ContractType.choices()))
    contract_start = DateInput("Début du contrat", [Optional()])
    contract_end = DateInput("Fin du contrat", [Optional()])
    diagnostic = TextAreaField("Diagnostic partagé", validators=[Optional(), max_length(5000)])

    def validate_contract_end(self, field):
        if field.data and self.contract_start.data and field.data < self.contract_start.data:
            raise ValidationError("La fin du contrat doit suivre son début.")


class ContactForm(BaseForm):
    email = NormalizedEmailField("Adresse électronique", validators=email_validators(False))
    mobile = StringField(
        "Téléphone portable", validators=[Optional(), max_length(20), french_phone]
    )
    address = StringField("Adresse", validators=[Optional(), max_length(200)])
    postal_code = StringField("Code postal", validators=[Optional(), max_length(5), postal_code])
    commune = StringField("Commune", validators=[Optional(), max_length(120)])


class DecisionForm(BaseForm):
    decision = SelectField(
        "Décision",
        choices=choices(
            [
                ("accorder", "Accorder"),
                ("refuser", "Refuser"),
                ("retirer", "Retirer"),
                ("renouveler", "Renouveler"),
                ("structure", "Toute la structure"),
            ]
        ),
        validators=[required()],
    )


class RenewalForm(BaseForm):
    """The person's answer to "renew this sharing?" (app/carnet/renewals.py)."""

    decision = SelectField(
        "Décision",
        choices=choices([("renouveler", "Renouveler"), ("laisser", "Ne pas renouveler")]),
        validators=[required()],
    )


class ConfirmForm(BaseForm):
    """A bare form whose CSRF token a confirmation button posts."""


class AppointmentForm(BaseForm):
    at = DateTimeLocalField(
        "Date et heure du rendez-vous", validators=[required()], format="%Y-%m-%dT%H:%M"
    )


class AppointmentStatusForm(BaseForm):
    status = SelectField(
        "Présence", choices=choices(AppointmentStatus.choices()), validators=[required()]
    )
