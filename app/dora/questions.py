"""The themes of the search and the questions that personalise it, declared once.

Each answer maps to criteria of the data·inclusion vocabulary that the search applies:
`thematiques` (the sub-needs it keeps within the theme; several answers keep their
intersection), `publics` (the person belongs to them: a sheet for "tous publics", for one of
them, or for nobody in particular matches), `types` (the kinds of service that help),
`fees` ("gratuit": paying sheets are left out) and `modes` (reception modes the person can use).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from markupsafe import Markup, escape

from app.dora.models import Categorie, Thematique, category_of

# The experiment's themes first (the seed: mobility, childcare, housing), then every category.
FIRST_THEMES = ("mobilite", "famille--garde-denfants", "logement-hebergement")


@dataclass(frozen=True)
class Answer:
    value: str
    label: str
    thematiques: frozenset[str] | None = None
    publics: frozenset[str] = frozenset()
    types: frozenset[str] = frozenset()
    fees: str | None = None
    modes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Question:
    key: str
    label: str
    answers: tuple[Answer, ...]
    multiple: bool = False
    hint: str = ""
    themes: tuple[str, ...] = field(default=())  # () : every theme

    def answer(self, value: str) -> Answer | None:
        return next((a for a in self.answers if a.value == value), None)

    def applies_to(self, theme: str) -> bool:
        if not self.themes:
            return True
        return theme in self.themes or category_of(theme) in self.themes


def _t(*values: str) -> frozenset[str]:
    return frozenset(values)


MOB = "mobilite--"
HOUSING = "logement-hebergement--"

QUESTIONS: tuple[Question, ...] = (
    Question(
        "permis",
        "La personne a-t-elle le permis de conduire ?",
        (
            Answer(
                "oui",
                "Oui",
                thematiques=_t(
                    MOB + "acceder-a-un-vehicule",
                    MOB + "entretenir-reparer-son-vehicule",
                    MOB + "financer-ma-mobilite",
                    MOB + "etre-accompagne-dans-son-parcours-mobilite",
                    MOB + "mobilite-douce-partagee-collective",
                ),
            ),
            Answer(
                "non",
                "Non",
                thematiques=_t(
                    MOB + "preparer-un-permis",
                    MOB + "financer-ma-mobilite",
                    MOB + "etre-accompagne-dans-son-parcours-mobilite",
                    MOB + "mobilite-douce-partagee-collective",
                ),
            ),
        ),
        themes=("mobilite",),
    ),
    Question(
        "vehicule",
        "A-t-elle un véhicule en état de rouler ?",
        (
            Answer(
                "oui",
                "Oui",
                thematiques=_t(
                    MOB + "entretenir-reparer-son-vehicule",
                    MOB + "financer-ma-mobilite",
                    MOB + "etre-accompagne-dans-son-parcours-mobilite",
                    MOB + "preparer-un-permis",
                ),
            ),
            Answer(
                "non",
                "Non",
                thematiques=_t(
                    MOB + "acceder-a-un-vehicule",
                    MOB + "preparer-un-permis",
                    MOB + "financer-ma-mobilite",
                    MOB + "etre-accompagne-dans-son-parcours-mobilite",
                    MOB + "mobilite-douce-partagee-collective",
                ),
            ),
            Answer(
                "en-panne",
                "Oui, mais en panne",
                thematiques=_t(
                    MOB + "entretenir-reparer-son-vehicule",
                    MOB + "financer-ma-mobilite",
                    MOB + "acceder-a-un-vehicule",
                ),
            ),
        ),
        themes=("mobilite",),
    ),
    Question(
        "age_enfant",
        "Âge du plus jeune enfant à faire garder",
        (
            Answer("moins-3-ans", "Moins de 3 ans", publics=_t("familles")),
            Answer("3-11-ans", "De 3 à 11 ans", publics=_t("familles")),
            Answer(
                "12-ans-et-plus",
                "12 ans et plus",
                thematiques=_t(
                    "famille--garde-denfants", "famille--soutien-a-la-parentalite-et-a-leducation"
                ),
                publics=_t("familles", "jeunes"),
            ),
        ),
        themes=("famille",),
    ),
    Question(
        "horaires",
        "Quand la garde est-elle nécessaire ?",
        (
            Answer("journee", "En journée, en semaine", modes=_t("en-presentiel")),
            Answer(
                "decales",
                "Horaires décalés (tôt, tard, week-end) : aide pour une garde à domicile",
                types=_t("aide-financiere", "accompagnement", "information"),
            ),
        ),
        themes=("famille",),
    ),
    Question(
        "logement",
        "La personne a-t-elle un logement aujourd'hui ?",
        (
            Answer(
                "oui",
                "Oui",
                thematiques=_t(
                    HOUSING + "se-maintenir-dans-le-logement",
                    HOUSING + "reduire-les-impayes-de-loyer",
                    HOUSING + "changer-de-logement",
                    HOUSING + "acheter-un-logement",
                    HOUSING + "sinformer-sur-les-demarches-liees-a-lacces-au-logement",
                ),
            ),
            Answer(
                "heberge",
                "Hébergée chez un tiers",
                thematiques=_t(
                    HOUSING + "louer-un-logement",
                    HOUSING + "rechercher-une-solution-dhebergement-temporaire",
                    HOUSING + "sinformer-sur-les-demarches-liees-a-lacces-au-logement",
                ),
            ),
            Answer(
                "sans-solution",
                "Sans solution pour ce soir",
                thematiques=_t(HOUSING + "rechercher-une-solution-dhebergement-temporaire"),
                publics=_t("personnes-en-situation-durgence"),
            ),
        ),
        themes=("logement-hebergement",),
    ),
    Question(
        "impayes",
        "A-t-elle des impayés de loyer ?",
        (
            Answer(
                "oui",
                "Oui",
                thematiques=_t(
                    HOUSING + "reduire-les-impayes-de-loyer",
                    HOUSING + "se-maintenir-dans-le-logement",
                    HOUSING + "changer-de-logement",
                ),
            ),
            Answer("non", "Non"),
        ),
        themes=("logement-hebergement",),
    ),
    Question(
        "public",
        "La personne est…",
        (
            Answer("demandeur-emploi", "Demandeuse d'emploi", publics=_t("demandeurs-emploi")),
            Answer("rsa", "Bénéficiaire du RSA", publics=_t("beneficiaires-des-minimas-sociaux")),
            Answer("jeune", "Âgée de moins de 26 ans", publics=_t("jeunes")),
            Answer(
                "handicap",
                "En situation de handicap",
                publics=_t("personnes-en-situation-de-handicap"),
            ),
        ),
        multiple=True,
        hint="Plusieurs réponses possibles ; aucune : tous les publics.",
    ),
    Question(
        "payer",
        "Peut-elle payer une participation ?",
        (Answer("oui", "Oui"), Answer("non", "Non : services gratuits seulement", fees="gratuit")),
    ),
    Question(
        "deplacer",
        "Peut-elle se déplacer jusqu'au lieu d'accueil ?",
        (Answer("oui", "Oui"), Answer("non", "Non : à distance seulement", modes=_t("a-distance"))),
    ),
)
BY_KEY = {q.key: q for q in QUESTIONS}


def theme_choices() -> list[tuple[str, str]]:
    """The experiment's themes first, then every category and every thematique."""
    first = [(t, theme_label(t)) for t in FIRST_THEMES]
    rest = [(c.value, c.label) for c in Categorie if c.value not in FIRST_THEMES]
    rest += [(t.value, t.label) for t in Thematique if t.value not in FIRST_THEMES]
    return first + rest


@lru_cache(maxsize=256)
def theme_options(selected: str) -> Markup:
    """The theme `<option>`s (about a hundred), `selected` chosen: rendered once per theme and
    process rather than on every search."""
    return Markup(  # noqa: S704 (every value escaped)
        "".join(
            f'<option value="{escape(value)}"{" selected" if value == selected else ""}>'
            f"{escape(label)}"
            for value, label in theme_choices()
        )
    )


_LABELS = {c.value: c.label for c in Categorie} | {t.value: t.label for t in Thematique}
_LABELS["famille--garde-denfants"] = "Garde d'enfant"


def theme_label(theme: str) -> str:
    return _LABELS.get(theme, theme)


def is_theme(theme: str) -> bool:
    return theme in _LABELS


def questions_for(theme: str) -> list[Question]:
    return [q for q in QUESTIONS if q.applies_to(theme)]


@lru_cache(maxsize=256)
def theme_thematiques(theme: str) -> frozenset[str]:
    """The thematiques a theme covers: a category covers all of its own."""
    if "--" in theme:
        return frozenset({theme})
    return frozenset(t.value for t in Thematique if category_of(t.value) == theme)


@dataclass
class Criteria:
    thematiques: frozenset[str]
    publics: frozenset[str] = frozenset()
    types: frozenset[str] | None = None
    fees: str | None = None
    modes: frozenset[str] = frozenset()
    met: list[str] = field(default_factory=list)  # "question : answer" labels


def criteria_for(theme: str, answers: dict[str, list[str]]) -> Criteria:
    """The criteria the search applies for a theme and the (already validated) answers."""
    criteria = Criteria(thematiques=theme_thematiques(theme))
    for question in questions_for(theme):
        for value in answers.get(question.key, []):
            answer = question.answer(value)
            if answer is None:
                continue
            criteria.met.append(f"{question.label} {answer.label}")
            if answer.thematiques is not None:
                criteria.thematiques &= answer.thematiques
            criteria.publics |= answer.publics
            if answer.types:
                criteria.types = (criteria.types or frozenset()) | answer.types
            criteria.fees = answer.fees or criteria.fees
            criteria.modes |= answer.modes
    return criteria


def validate_answers(theme: str, raw: dict[str, list[str]]) -> tuple[dict, dict[str, str]]:
    """(answers kept, errors by question key): an unknown value is refused, never ignored."""
    answers: dict[str, list[str]] = {}
    errors: dict[str, str] = {}
    for question in questions_for(theme):
        values = [v for v in raw.get(question.key, []) if v]
        if not values:
            continue
        if len(values) > 1 and not question.multiple:
            errors[question.key] = "Choisissez une seule réponse."
        elif any(question.answer(v) is None for v in values):
            errors[question.key] = "Cette réponse n'est pas proposée : choisissez dans la liste."
        else:
            answers[question.key] = sorted(set(values))
    return answers, errors
