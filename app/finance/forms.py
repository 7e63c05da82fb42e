"""Finance forms. Field names match the `RuleError.field` the write functions raise, so that a
refused rule shows beside its field."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.forms import BaseForm, choices, max_length, required
from app.finance.models import Decision, LegalAct
from app.finance.rules import RuleError, parse_amount


class FinanceForm(BaseForm):
    """Several forms share a page: each prefixes its fields (`PREFIX-amount`) so ids stay unique."""

    PREFIX = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", self.PREFIX)
        super().__init__(*args, **kwargs)


def offered(field) -> set[str]:
    """The values a select offered (choices are set by the view)."""
    return {choice.value for choice in field.choices}


class AmountField(StringField):
    """An amount in euros and cents, parsed into an exact Decimal (`.amount`)."""

    def __init__(self, label=None, validators=None, signed=False, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.signed = signed
        self.amount = None

    def pre_validate(self, form):
        self.amount = None
        text = (self.data or "").strip()
        if not text:
            return
        negative = self.signed and text.startswith("-")
        try:
            value = parse_amount(text[1:] if negative else text, self.name)
        except RuleError as error:
            raise ValidationError(error.message) from None
        self.amount = -value if negative else value


def _date(label, optional=False):
    return DateField(label, validators=[Optional() if optional else required()], format="%Y-%m-%d")


class CommitmentForm(FinanceForm):
    PREFIX = "engagement"
    committed_on = _date("Date de l'engagement")
    amount = AmountField(
        "Montant (€)", validators=[required()], description="Par exemple 12 500,00"
    )
    legal_act = SelectField(
        "Acte juridique",
        choices=choices((a.value, a.label) for a in LegalAct),
        validators=[required()],
    )
    supplier = StringField("Fournisseur ou opérateur", validators=[required(), max_length(200)])
    object = TextAreaField("Objet", validators=[required(), max_length(2000)])
    cost_centre = SelectField("Centre de coût", validators=[required()], validate_choice=False)
    chorus_number = StringField("N° CHORUS (une fois retranscrit)", validators=[max_length(40)])

    def validate_cost_centre(self, field):
        if field.data not in offered(field):
            raise ValidationError(
                "Centre de coût inconnu : choisissez-en un dans la liste de la DNUM."
            )


class PaymentForm(FinanceForm):
    PREFIX = "paiement"
    commitment = SelectField("Engagement payé", validators=[required()], validate_choice=False)
    paid_on = _date("Date du paiement")
    amount = AmountField("Montant (€)", validators=[required()])
    chorus_number = StringField("N° CHORUS", validators=[max_length(40)])

    def validate_commitment(self, field):
        if field.data not in offered(field):
            raise ValidationError("Choisissez un engagement qui reste à payer.")


class CancellationForm(FinanceForm):
    PREFIX = "annulation"
    target = SelectField("Écriture annulée", validators=[required()], validate_choice=False)
    cancelled_on = _date("Date de l'annulation")
    amount = AmountField("Montant annulé (€)", validators=[required()])
    reason = TextAreaField("Motif", validators=[required(), max_length(1000)])

    def validate_target(self, field):
        if field.data not in offered(field):
            raise ValidationError("Choisissez un engagement ou un paiement de la liste.")


class AllocationForm(FinanceForm):
    PREFIX = "allocation"
    year = IntegerField(
        "Année budgétaire",
        validators=[required(), NumberRange(2021, 2100, "Saisissez une année entre 2021 et 2100.")],
    )
    source = SelectField(
        "Origine",
        choices=choices(
            [("amendment", "Avenant (annexe)"), ("balance", "Décision sur le solde (art. 4.2)")]
        ),
        validators=[required()],
    )
    amendment = SelectField("Avenant", validators=[Optional()], validate_choice=False)
    ae_delta = AmountField(
        "Variation des AE (€)", signed=True, description="Négative pour remonter des crédits au BOP"
    )
    cp_delta = AmountField("Variation des CP (€)", signed=True)
    reason = TextAreaField("Motif", validators=[required(), max_length(1000)])

    def validate_amendment(self, field):
        if self.source.data == "amendment" and field.data not in offered(field) - {""}:
            raise ValidationError("Choisissez l'avenant qui porte ce changement.")


class ConventionForm(FinanceForm):
    PREFIX = "convention"
    title = StringField("Intitulé", validators=[required(), max_length(255)])
    object = TextAreaField("Objet (article 1)", validators=[required(), max_length(5000)])


class AmendmentForm(FinanceForm):
    PREFIX = "avenant"
    signed_on = _date("Date de signature")
    object = TextAreaField("Objet de l'avenant", validators=[required(), max_length(2000)])
    document_reference = StringField("Référence du document", validators=[max_length(120)])
    extends_to = _date("Prolonge la convention jusqu'au (facultatif)", optional=True)


class AnnexForm(FinanceForm):
    PREFIX = "annexe"
    startup = SelectField("Startup", validators=[required()], validate_choice=False)
    amendment = SelectField("Avenant qui l'apporte", validators=[Optional()], validate_choice=False)
    period_start = _date("Début de la période")
    period_end = _date("Fin de la période")
    budget = AmountField("Budget (€)", validators=[required()])
    roadmap = TextAreaField("Feuille de route", validators=[max_length(10000)])

    def validate_startup(self, field):
        if field.data not in offered(field):
            raise ValidationError("Choisissez une startup de la liste.")


class AnnexEditForm(FinanceForm):
    PREFIX = "annexe"
    period_start = _date("Début de la période")
    period_end = _date("Fin de la période")
    roadmap = TextAreaField("Feuille de route", validators=[max_length(10000)])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CommitteeForm(FinanceForm):
    PREFIX = "comite"
    held_on = _date("Date du comité")
    title = StringField("Intitulé", validators=[required(), max_length(200)])
    startups = MultiCheckboxField("Startups examinées", validate_choice=False)


class DecisionForm(BaseForm):
    decision = SelectField(
        "Décision", choices=choices((d.value, d.label) for d in Decision), validators=[required()]
    )
    next_year = IntegerField(
        "Année budgétaire du prochain semestre",
        validators=[required(), NumberRange(2021, 2100, "Saisissez une année entre 2021 et 2100.")],
    )
    next_ae = AmountField("Budget des six prochains mois en AE (€)")
    next_cp = AmountField("Budget des six prochains mois en CP (€)")
    comment = TextAreaField("Motivation", validators=[max_length(2000)])


class CommentForm(BaseForm):
    body = TextAreaField("Commentaire", validators=[required(), max_length(2000)])


class ImputationForm(FinanceForm):
    PREFIX = "imputation"
    cost_centre = SelectField("Centre de coût", validators=[required()], validate_choice=False)
    activity_code = StringField("Code activité", validators=[max_length(20)])

    def validate_cost_centre(self, field):
        if field.data not in offered(field):
            raise ValidationError(
                "Centre de coût inconnu : choisissez-en un dans la liste de la DNUM."
            )


class SubsidyReportForm(FinanceForm):
    PREFIX = "compte-rendu"
    commitment = SelectField("Subvention", validators=[required()], validate_choice=False)
    due_on = _date("Échéance")
    expected = StringField("Ce qui est attendu", validators=[required(), max_length(300)])

    def validate_commitment(self, field):
        if field.data not in offered(field):
            raise ValidationError("Choisissez une subvention de la liste.")


class ChorusForm(FinanceForm):
    """The CHORUS number of one ledger row (rendered inline, one per row without a number)."""

    PREFIX = "chorus"
    entry = HiddenField(validators=[required()])
    number = StringField("N° CHORUS", validators=[required(), max_length(40)])


class LedgerImportForm(BaseForm):
    """Step 1: the CSV file (read in the view); step 2 re-posts its content, signed."""

    file = FileField("Fichier CSV (export du registre, 256 Ko et 500 écritures au plus)")
    content = HiddenField()
    signature = HiddenField()
