"""Reference data taken from the agreement (seed document), loaded idempotently."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from app.finance.models import Convention, CostCentre, Party, Startup

CONVENTION = {
    "code": "DGEFP-DNUM-2021",
    "title": "Convention de délégation de gestion — Incubation des startups d'État DGEFP",
    "starts_on": date(2021, 6, 1),
    "ends_on": date(2022, 12, 31),
    "notice_months": 3,
    "chorus_programme": "363",
    "chorus_programme_label": "Compétitivité",
    "chorus_functional_domain": "0363-04-01",
    "chorus_financial_centre": "0363-DNUM-CSOC",
    "chorus_financial_centre_label": "UO Dnum Min Sociaux",
}

# Article 1; the délégant may reword it afterwards (set only when the convention is created).
OBJECT = (
    "Définir un cadre général de collaboration entre les parties en vue du développement de "
    "services publics numériques selon la méthode des startups d'État et de territoires ; "
    "organiser le changement de modèle des startups d'État DGEFP dont la gestion est déléguée à "
    "la DNUM, qui intègre progressivement par avenant et annexe les projets concernés."
)

PARTIES = [
    (
        "DGEFP",
        "Délégation générale à l'emploi et à la formation professionnelle",
        "delegant",
        "10-18 place des cinq martyrs du Lycée Buffon – 75015 Paris",
    ),
    (
        "DNUM",
        "Direction du Numérique des Ministères sociaux",
        "delegataire",
        "39-43, quai André Citroën – 75902 Paris Cedex 15",
    ),
    (
        "DINUM",
        "Direction Interministérielle du Numérique",
        "dinum",
        "20 avenue de Ségur – TSA 30 719 – 75334 Paris Cedex 07",
    ),
]

STARTUPS = [
    (
        "carnet-de-bord",
        "Carnet de bord",
        1,
        date(2021, 6, 1),
        date(2021, 10, 31),
        "300000",
        "Réduire les temps de parcours et le risque de décrochage en partageant la connaissance "
        "des personnes accompagnées et de leur parcours.",
    ),
    (
        "dora",
        "Dora",
        1,
        date(2021, 6, 1),
        date(2021, 10, 31),
        "300000",
        "Permettre aux accompagnateurs de mobiliser rapidement l'offre d'insertion adaptée aux "
        "besoins des bénéficiaires.",
    ),
    (
        "reva",
        "REVA",
        2,
        date(2021, 6, 1),
        date(2021, 11, 30),
        "400000",
        "Simplifier l'accès à la VAE et élargir la reconnaissance des acquis et compétences.",
    ),
]

# Every DNUM cost centre listed in article 4.1 of the agreement.
COST_CENTRES = [
    ("SGSIARS075", "SCNSIMARS", "SCN SI des ARS"),
    ("SGSIDIR075", "DSI direction", "DSI DIRECTION"),
    ("SGSIPSN075", "SIPSN", "SD projets et services numériques"),
    ("SGSISMS075", "SIBSMS", "Bur. Proj. serv. numériq. santé/médicoso"),
    ("SGSITRV075", "SIBTRV", "Bur. Proj. serv. numériq. travail"),
    ("SGSICSJ075", "SIBCS2J", "Bur. Proj. serv. num. cohés. Soc Sp Jeun"),
    ("SGSIFSU075", "SIBFS", "Bur. Proj. serv. numériq. Fonct. Support"),
    ("SGSIVDD075", "SIBVDD", "Bur. Proj. serv. numériq. Valor. données"),
    ("SGSIDOP075", "SIDO", "Département opérations"),
    ("SGSIETN075", "SIETN", "SD envirt travail numérique des agents"),
    ("SGSIASN075", "SIBASN", "Bur. Applications. collab. et serv. numé"),
    ("SGSIBPT075", "SIBPT", "Bur. Proj. tech. envirnmt trav. numériq."),
    ("SGSISRU075", "SIBSRU", "Bur. centre serv. supp./relat. utilisat."),
    ("SGSIBAC075", "SIBAC", "Bureau animation et coordination"),
    ("SGSIDAR075", "SIDAR", "Département appui et ressources"),
    ("SGSIMTN075", "SIMITN", "Mission transformation numérique"),
    ("SGSIFAB075", "SIFABNUM", "Mission fabrique numérique"),
    ("SGSIMCN075", "SIMCNUM", "Mission confiance numérique"),
]


def _upsert(model, key: dict, values: dict, initial: dict | None = None):
    """Create or update by key; `initial` values are set only on creation (editable later)."""
    row = db.session.scalar(select(model).filter_by(**key))
    if row is None:
        row = model(**key, **(initial or {}))
        db.session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    return row


def load_reference() -> None:
    """Create or update the convention, its parties, start-ups (with their original annex) and
    cost centres."""
    values = dict(CONVENTION)
    title = values.pop("title")
    convention = _upsert(
        Convention, {"code": values.pop("code")}, values, {"title": title, "object": OBJECT}
    )
    db.session.flush()
    for code, name, role, address in PARTIES:
        _upsert(
            Party,
            {"code": code},
            {"name": name, "role": role, "address": address, "convention_id": convention.id},
        )
    for code, designation, label in COST_CENTRES:
        _upsert(CostCentre, {"code": code}, {"designation": designation, "centre_label": label})
    for slug, name, annex, start, end, budget, purpose in STARTUPS:
        _upsert(
            Startup,
            {"slug": slug},
            {
                "name": name,
                "annex_number": annex,
                "period_start": start,
                "period_end": end,
                "budget": Decimal(budget),
                "purpose": purpose,
                "convention_id": convention.id,
            },
        )
    db.session.commit()
