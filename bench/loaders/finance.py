"""Finance: N ledger entries of the current year over the agreement's start-ups — N/2
commitments, each paid once within 45 days (by today and 1 December at the latest) — with the
amendment extending the convention to this year, each start-up's envelope allocated a quarter
above its commitments, and the finance roles. The dashboard and a start-up's page are measured."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from bench.loaders import Account, Loaded, Loader, Page, register
from bench.loaders.people import PASSWORD, People, insert_rows

SUPPLIERS = [
    ("framework_agreement", "Octo Technology", "Développement agile — bon de commande"),
    ("public_contract", "Scopyleft", "Coaching produit et design de services"),
    ("public_contract", "Numerique Gouv Hébergement", "Hébergement et infogérance"),
    ("subsidy", "Opérateur plan de relance", "Subvention au titre du plan de relance"),
]


def _day(rng, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, max(0, (last - first).days)))


def load(entries: int, rng) -> Loaded:
    from app.accounts.roles import Role
    from app.extensions import db
    from app.finance import clock
    from app.finance.models import (
        AllocationChange,
        Amendment,
        Commitment,
        Convention,
        CostCentre,
        Envelope,
        Payment,
        Startup,
    )

    now = datetime.now(UTC)
    today = clock.today()
    year = today.year
    convention = db.session.scalar(select(Convention).order_by(Convention.id.desc()))
    startups = list(db.session.scalars(select(Startup).order_by(Startup.id)))
    cost_centre = db.session.scalar(select(CostCentre).order_by(CostCentre.id))
    people = People()
    roles = {
        "delegataire": Role.FINANCE_DELEGATAIRE,
        "delegant": Role.FINANCE_DELEGANT,
        "dinum": Role.FINANCE_DINUM,
    }
    emails = {}
    for key, role in roles.items():
        emails[key] = f"finance.{key}@bench.fr"
        people.add(emails[key], "Finances", key.capitalize(), role)
    people.insert()

    first_day = min(today, date(year, 1, 2))
    amendment_id = db.session.scalar(select(func.coalesce(func.max(Amendment.id), 0))) + 1
    number = db.session.scalar(
        select(func.coalesce(func.max(Amendment.number), 0)).where(
            Amendment.convention_id == convention.id
        )
    )
    insert_rows(
        Amendment,
        [
            {
                "id": amendment_id,
                "convention_id": convention.id,
                "number": number + 1,
                "signed_on": first_day,
                "object": f"Prolongation de la convention jusqu'au 31 décembre {year}.",
                "document_reference": "BENCH-AVENANT",
                "extends_to": date(year, 12, 31),
                "created_at": now,
            }
        ],
    )
    last_commitment = min(today, date(year, 11, 30))
    last_payment = min(today, date(year, 12, 1))
    first_commitment = db.session.scalar(select(func.coalesce(func.max(Commitment.id), 0))) + 1
    first_envelope = db.session.scalar(select(func.coalesce(func.max(Envelope.id), 0))) + 1
    commitments, payments, envelopes, changes = [], [], [], []
    for k, startup in enumerate(startups):
        envelope_id = first_envelope + k
        committed = paid = Decimal("0")
        for _ in range(k, entries // 2, len(startups)):
            act, supplier, label = rng.choice(SUPPLIERS)
            on = _day(rng, first_day, last_commitment)
            amount = Decimal(rng.randint(100_000, 5_000_000)) / 100
            commitment_id = first_commitment + len(commitments)
            commitments.append(
                {
                    "id": commitment_id,
                    "startup_id": startup.id,
                    "envelope_id": envelope_id,
                    "committed_on": on,
                    "amount": amount,
                    "legal_act": act,
                    "supplier": supplier,
                    "object": f"{label} — {startup.name}",
                    "functional_domain": convention.chorus_functional_domain,
                    "financial_centre": convention.chorus_financial_centre,
                    "cost_centre_id": cost_centre.id,
                    "activity_code": startup.activity_code,
                    "chorus_number": f"1300{commitment_id:06d}",
                    "created_at": now,
                }
            )
            committed += amount
            share = Decimal(rng.choice((50, 80, 100))) / 100
            payment = (amount * share).quantize(Decimal("0.01"))
            payments.append(
                {
                    "commitment_id": commitment_id,
                    "envelope_id": envelope_id,
                    "paid_on": min(on + timedelta(days=rng.randint(10, 45)), last_payment),
                    "amount": payment,
                    "chorus_number": f"DP{commitment_id:06d}",
                    "created_at": now,
                }
            )
            paid += payment
        ae = (committed * Decimal("1.25")).quantize(Decimal("1")) + 100_000
        cp = (committed * Decimal("1.25")).quantize(Decimal("1")) + 100_000
        envelopes.append(
            {
                "id": envelope_id,
                "startup_id": startup.id,
                "year": year,
                "ae_allocated": ae,
                "cp_allocated": cp,
                "ae_consumed": committed,
                "cp_consumed": paid,
            }
        )
        changes.append(
            {
                "envelope_id": envelope_id,
                "effective_on": first_day,
                "source": "amendment",
                "ae_delta": ae,
                "cp_delta": cp,
                "reason": f"Annexe {year} de l'avenant de prolongation",
                "amendment_id": amendment_id,
                "created_at": now,
            }
        )
    for model, batch in (
        (Envelope, envelopes),
        (AllocationChange, changes),
        (Commitment, commitments),
        (Payment, payments),
    ):
        insert_rows(model, batch)
    db.session.flush()

    delegataire = emails["delegataire"]
    return Loaded(
        accounts=[Account(emails[key], PASSWORD, role.value) for key, role in roles.items()],
        pages=[
            Page("tableau de bord (finances)", delegataire, "/finance/"),
            Page(
                "page d'une startup (finances)",
                delegataire,
                f"/finance/startups/{startups[1].slug}",
            ),
        ],
    )


register(
    Loader(
        name="finance",
        option="finance_entries",
        default=2_000,
        help="entries of the finance ledger (commitments and payments)",
        load=load,
    )
)
