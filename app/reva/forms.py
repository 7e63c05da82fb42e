"""REVA forms. Every message in French; every value checked on the server."""

from __future__ import annotations

from datetime import date

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.forms import (
    BaseForm,
    NormalizedEmailField,
    choices,
    email_validators,
    max_length,
    required,
)
from app.reva import departments
from app.reva.models import LEVELS, Mastery


def not_blank(form, field):
    if field.data is not None and isinstance(field.data, str) and not field.data.strip():
        raise ValidationError("Ce champ est obligatoire.")


def department_field(label="Votre département"):
    return SelectField(
        label,
        choices=choices([("", "— Choisissez —"), *departments.choices()]),
        validators=[required()],
    )


class CatalogueSearchForm(BaseForm):
    class Meta:
        csrf = False

    q = StringField("Métier, diplôme ou code RNCP", validators=[Optional(), max_length(100)])
    level = SelectField(
        "Niveau",
        choices=choices([("", "Tous les niveaux"), *((str(k), v) for k, v in LEVELS.items())]),
        validators=[Optional()],
    )


class SignUpForm(BaseForm):
    """A new candidate: their account is created and a magic link sent."""

    first_name = StringField("Prénom", validators=[required(), not_blank, max_length(100)])
    last_name = StringField("Nom", validators=[required(), not_blank, max_length(100)])
    email = NormalizedEmailField("Adresse électronique", validators=email_validators())


class ExperienceForm(BaseForm):
    class Meta:
        csrf = False

    title = StringField("Intitulé du poste", validators=[Optional(), max_length(200)])
    duration_months = IntegerField(
        "Durée (en mois)",
        validators=[
            Optional(),
            NumberRange(min=1, max=600, message="Indiquez une durée entre 1 et 600 mois."),
        ],
    )
    description = TextAreaField("Ce que vous y faisiez", validators=[Optional(), max_length(2000)])


class CandidacyForm(BaseForm):
    """Goals, experiences and the organism (or none) of a new candidacy."""

    department = department_field()
    goals = TextAreaField(
        "Vos objectifs",
        validators=[required(), not_blank, max_length(2000)],
        description="Pourquoi cette certification ? Ce qu'elle changerait pour vous.",
    )
    experiences = FieldList(FormField(ExperienceForm), min_entries=3, max_entries=3)
    organism = RadioField("Votre accompagnement", validators=[required()], validate_choice=False)

    def validate_experiences(self, field):
        filled = [e for e in field.entries if e.form.title.data and e.form.title.data.strip()]
        if not filled:
            raise ValidationError("Décrivez au moins une expérience (intitulé et durée).")
        for entry in filled:
            if not entry.form.duration_months.data:
                entry.form.duration_months.errors.append("Indiquez la durée de cette expérience.")
                raise ValidationError("Indiquez la durée de chaque expérience décrite.")

    def experience_rows(self) -> list[dict]:
        return [
            {
                "title": e.form.title.data.strip(),
                "duration_months": e.form.duration_months.data,
                "description": (e.form.description.data or "").strip(),
            }
            for e in self.experiences.entries
            if e.form.title.data and e.form.title.data.strip()
        ]


class CommentForm(BaseForm):
    """Any transition: an optional comment (a reason where the workflow requires one)."""

    comment = TextAreaField("Commentaire ou motif", validators=[Optional(), max_length(2000)])


class PathForm(BaseForm):
    individual_hours = IntegerField(
        "Heures d'accompagnement individuel",
        validators=[required(), NumberRange(min=0, max=500, message="Entre 0 et 500 heures.")],
    )
    collective_hours = IntegerField(
        "Heures d'accompagnement collectif",
        validators=[required(), NumberRange(min=0, max=500, message="Entre 0 et 500 heures.")],
    )
    trainings = TextAreaField("Formations prévues", validators=[Optional(), max_length(2000)])


class JuryForm(BaseForm):
    jury_date = DateField("Date du jury", validators=[required()])
    jury_place = StringField("Lieu", validators=[required(), not_blank, max_length(255)])

    def validate_jury_date(self, field):
        if field.data and field.data < date.today():
            raise ValidationError("La date du jury ne peut pas être passée.")


class JuryResultForm(BaseForm):
    result = RadioField(
        "Résultat du jury",
        choices=choices(
            [
                ("record_full_validation", "Validation totale"),
                ("record_partial_validation", "Validation partielle"),
                ("record_failure", "Non validation"),
            ]
        ),
        validators=[required()],
    )
    blocks = SelectMultipleField(
        "Blocs validés (validation partielle)",
        coerce=int,
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        validate_choice=True,
    )
    comment = TextAreaField("Commentaire", validators=[Optional(), max_length(2000)])

    def validate_blocks(self, field):
        if self.result.data == "record_partial_validation" and not field.data:
            raise ValidationError("Cochez les blocs validés par le jury.")


class SkillForm(BaseForm):
    title = StringField("Compétence", validators=[required(), not_blank, max_length(200)])
    description = TextAreaField(
        "Comment vous l'avez acquise (exemples)", validators=[Optional(), max_length(2000)]
    )


class EndorseForm(BaseForm):
    competence_id = SelectField(
        "Compétence de la certification", coerce=int, validators=[required()]
    )


class ShareForm(BaseForm):
    label = StringField(
        "Pour qui ? (ex. : employeur, réseau)", validators=[required(), not_blank, max_length(100)]
    )
    skill_ids = SelectMultipleField(
        "Compétences à partager",
        coerce=int,
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )
    expires_on = DateField("Valable jusqu'au (facultatif)", validators=[Optional()])

    def validate_skill_ids(self, field):
        if not field.data:
            raise ValidationError("Choisissez au moins une compétence à partager.")

    def validate_expires_on(self, field):
        if field.data and field.data < date.today():
            raise ValidationError("La date de fin ne peut pas être passée.")


class AttachmentForm(BaseForm):
    file = FileField("Pièce jointe (PDF, JPEG ou PNG, 10 Mo au plus)")


class CatalogueImportForm(BaseForm):
    file = FileField("Fichier CSV du catalogue")
    confirm = BooleanField("Importer pour de bon (sinon : vérification seule)")


MASTERY_CHOICES = [(m.value, m.label) for m in Mastery]


def parse_assessments(formdata, competence_ids: list[int]) -> tuple[dict, dict]:
    """Read `mastery-<id>` / `comment-<id>` fields: (marks, errors by competence id)."""
    marks, errors = {}, {}
    for competence_id in competence_ids:
        value = formdata.get(f"mastery-{competence_id}", "")
        comment = formdata.get(f"comment-{competence_id}", "")
        if not value:
            continue
        if value not in {m.value for m in Mastery}:
            errors[competence_id] = "Choisissez acquise, partiellement acquise ou pas encore."
        elif len(comment) > 2000:
            errors[competence_id] = "Le commentaire ne peut pas dépasser 2000 caractères."
        else:
            marks[competence_id] = (Mastery(value), comment)
    return marks, errors


class SurveyForm(BaseForm):
    recruited = RadioField(
        "Avez-vous été recruté·e (ou promu·e) grâce aux compétences valorisées ici ?",
        choices=choices([("oui", "Oui"), ("non", "Non"), ("", "Je ne sais pas / sans objet")]),
        validators=[Optional()],
        validate_choice=True,
    )
    confidence = RadioField(
        "Depuis le début de votre VAE, vous sentez-vous…",
        choices=choices(
            [
                ("1", "beaucoup moins confiant·e"),
                ("2", "moins confiant·e"),
                ("3", "pareil"),
                ("4", "plus confiant·e"),
                ("5", "beaucoup plus confiant·e"),
            ]
        ),
        validators=[Optional()],
    )
