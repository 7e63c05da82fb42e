"""The questionnaire: a few questions, at most once per 30 days, skippable."""

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import RadioField
from wtforms.validators import InputRequired

from app.carnet import bp, surveys
from app.core.forms import BaseForm, choices

YES_NO = choices([("oui", "Oui"), ("non", "Non")])


def _question(label):
    return RadioField(
        label, choices=YES_NO, validators=[InputRequired(message="Choisissez une réponse.")]
    )


class BeneficiarySurveyForm(BaseForm):
    recommends = _question(
        "Recommanderiez-vous le carnet de bord à une personne dans votre situation ?"
    )
    avoided_repeating = _question(
        "Le carnet vous a-t-il évité de répéter votre situation à chaque professionnel ?"
    )
    helped_lift_barrier = _question(
        "Le carnet vous a-t-il aidé·e à régler un problème (lever un frein) ?"
    )


class ProfessionalSurveyForm(BaseForm):
    recommends = _question("Recommanderiez-vous le carnet de bord à vos collègues ?")
    discovered_information = _question(
        "Avez-vous découvert grâce au carnet une information utile sur une personne (un frein que vous ne connaissiez pas) ?"
    )
    time_saved_percent = RadioField(
        "Quelle part du temps de collecte d'informations le carnet vous fait-il gagner ?",
        choices=choices(
            [
                ("0", "Aucune"),
                ("25", "Environ un quart"),
                ("50", "Environ la moitié"),
                ("75", "Environ les trois quarts"),
                ("100", "Presque tout"),
            ]
        ),
        validators=[InputRequired(message="Choisissez une réponse.")],
    )


def _form(kind):
    return BeneficiarySurveyForm() if kind == "beneficiary" else ProfessionalSurveyForm()


@bp.route("/questionnaire", methods=["GET", "POST"])
def survey():
    user = current_user._get_current_object()
    kind = surveys.respondent_kind(user, g.territory)
    if kind is None:
        abort(404)
    if not surveys.is_due(user, g.territory):
        flash("Merci, vous avez déjà répondu ce mois-ci.", "info")
        return redirect(url_for("carnet.index"), 303 if request.method == "POST" else 302)
    form = _form(kind)
    if request.method == "POST":
        if request.form.get("skip"):
            surveys.record(user, g.territory, None)
            flash("Le questionnaire vous sera reproposé dans un mois.", "info")
            return redirect(url_for("carnet.index"), 303)
        if form.validate():
            answers = {
                name: (field.data == "oui") if name != "time_saved_percent" else int(field.data)
                for name, field in form._fields.items()
                if name != "csrf_token"
            }
            surveys.record(user, g.territory, answers)
            flash(
                "Merci pour vos réponses : elles aident à améliorer le carnet de bord.", "success"
            )
            return redirect(url_for("carnet.index"), 303)
        return render_template("carnet/survey.html", form=form, kind=kind), 422
    return render_template("carnet/survey.html", form=form, kind=kind)
