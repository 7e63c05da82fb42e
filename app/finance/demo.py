"""Demo data for the finance space (`flask seed demo`, never in production): an amendment that
extends the convention to the current year, its annexes and envelopes, a year of plausible
commitments and payments per start-up, a past committee with its decisions, a deadline ahead.

Everything goes through the write functions, so the demo obeys the rules it shows.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.accounts.models import Membership, User
from app.accounts.roles import Role
from app.extensions import db
from app.finance import agreement, clock, committees, ledger, queries, subsidies
from app.finance.models import Amendment, CostCentre, Decision, LegalAct

MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
DEMO_REFERENCE = "DEMO-AVENANT-PROLONGATION"
BUDGETS = {"carnet-de-bord": "600000", "dora": "550000", "reva": "700000"}
SUPPLIERS = [
    (
        LegalAct.FRAMEWORK_AGREEMENT,
        "Octo Technology",
        "Accord-cadre de développement agile — bon de commande",
    ),
    (LegalAct.PUBLIC_CONTRACT, "Scopyleft", "Coaching produit et design de services"),
    (LegalAct.PUBLIC_CONTRACT, "Numerique Gouv Hébergement", "Hébergement et infogérance"),
    (
        LegalAct.SUBSIDY,
        "Opérateur plan de relance",
        "Subvention au titre du plan de relance (art. 4.4)",
    ),
]


def _national(role: Role) -> User | None:
    return db.session.scalar(
        select(User)
        .join(Membership)
        .where(Membership.role == role, Membership.territory_id.is_(None))
        .order_by(User.id)
    )


def _clamp(day: date, latest: date) -> date:
    return min(day, latest)


def load_demo_finance() -> bool:
    """Load the finance demo once; returns False when it is already there."""
    convention = queries.current_convention()
    if convention is None:
        raise RuntimeError("Chargez d'abord les données de référence : flask seed reference")
    if db.session.scalar(select(Amendment).where(Amendment.document_reference == DEMO_REFERENCE)):
        return False
    delegant = _national(Role.FINANCE_DELEGANT)
    delegataire = _national(Role.FINANCE_DELEGATAIRE)
    today = clock.today()
    year = today.year
    fabrique = db.session.scalar(select(CostCentre).where(CostCentre.code == "SGSIFAB075"))

    amendment = agreement.add_amendment(
        delegant,
        convention,
        signed_on=date(year, 1, 10),
        object=f"Prolongation de la convention jusqu'au 31 décembre {year} et annexes {year}.",
        document_reference=DEMO_REFERENCE,
        extends_to=date(year, 12, 31),
    )
    for startup in queries.startups():
        startup.cost_centre_id = fabrique.id
        startup.activity_code = f"DEMO-{startup.slug[:4].upper()}"
        agreement.add_annex(
            delegant,
            startup,
            amendment=amendment,
            period_start=date(year, 1, 1),
            period_end=date(year, 12, 31),
            budget=Decimal(BUDGETS.get(startup.slug, "300000")),
            roadmap=f"Feuille de route {year} de {startup.name} : déploiement et mesure d'impact.",
        )
    db.session.flush()

    # A year of entries: one commitment every two months, each paid about a month later.
    ae_end, cp_end = _clamp(date(year, 11, 30), today), _clamp(date(year, 12, 1), today)
    for index, startup in enumerate(queries.startups()):
        for month in range(1, 12, 2):
            committed_on = date(year, month, 5 + index)
            if committed_on > ae_end:
                break
            act, supplier, label = SUPPLIERS[(month // 2 + index) % len(SUPPLIERS)]
            amount = Decimal(65000 + 5000 * ((month + index) % 4)) + Decimal("0.50") * index
            commitment = ledger.record_commitment(
                delegataire,
                startup,
                committed_on=committed_on,
                amount=amount,
                legal_act=act,
                supplier=supplier,
                object=f"{label} — {startup.name}",
                cost_centre=fabrique,
                chorus_number=f"1300{year}{index}{month:02d}",
            )
            paid_on = committed_on + timedelta(days=35)
            if paid_on <= cp_end:
                ledger.record_payment(
                    delegataire,
                    commitment,
                    paid_on=paid_on,
                    amount=(amount * Decimal("0.8")).quantize(Decimal("0.01")),
                    chorus_number=f"DP{year}{index}{month:02d}",
                )

    # Reporting agreed with subsidised operators (article 4.4): one late, one coming up.
    for offset, commitment in enumerate(
        c for startup in queries.startups() for c in queries.subsidies_of(startup.id)
    ):
        subsidies.expect_report(
            delegataire,
            commitment,
            due_on=max(commitment.committed_on, today + timedelta(days=20 if offset else -10)),
            expected="Bilan d'utilisation de la subvention et indicateurs d'usage",
        )

    # A past committee (about five months ago: the next one is due soon) with its decisions.
    held_on = min(max(today - timedelta(days=160), date(year, 1, 15)), today)
    committee = committees.hold(
        delegant,
        held_on=held_on,
        title=f"Comité d'investissement — {MONTHS[held_on.month - 1]} {held_on.year}",
        startups=queries.startups(),
    )
    for review in committee.reviews:
        committees.decide(
            delegant,
            review,
            decision=Decision.SCALE_OUT if review.startup.slug == "dora" else Decision.CONTINUE,
            next_year=year,
            next_ae=Decimal("50000"),
            next_cp=Decimal("50000"),
            comment="Résultats encourageants ; poursuite sur le semestre suivant.",
        )
    db.session.flush()
    return True
