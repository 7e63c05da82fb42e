"""Every read of the finance space, each named after its rule. Balances are aggregate queries
over the append-only ledger; lists select what they show, in a fixed number of queries."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Integer, and_, bindparam, extract, func, literal, select, union_all
from sqlalchemy.orm import aliased, selectinload

from app.core import paging
from app.extensions import db
from app.finance.models import (
    AllocationChange,
    Annex,
    Cancellation,
    ChorusRetranscription,
    Commitment,
    Committee,
    CommitteeReview,
    Convention,
    CostCentre,
    Envelope,
    LegalAct,
    Payment,
    Startup,
    SubsidyReport,
)
from app.finance.rules import Deadline, deadlines_of

ZERO = Decimal("0")


def current_convention() -> Convention | None:
    return db.session.scalar(
        select(Convention)
        .options(selectinload(Convention.amendments), selectinload(Convention.parties))
        .order_by(Convention.id.desc())
    )


def cost_centres() -> list[CostCentre]:
    return list(db.session.scalars(select(CostCentre).order_by(CostCentre.code)))


def startups() -> list[Startup]:
    return list(
        db.session.scalars(
            select(Startup).options(selectinload(Startup.cost_centre)).order_by(Startup.id)
        )
    )


def startup_by_slug(slug: str) -> Startup | None:
    return db.session.scalar(select(Startup).where(Startup.slug == slug))


def annexes_of_convention() -> list[Annex]:
    return list(
        db.session.scalars(
            select(Annex)
            .options(selectinload(Annex.startup), selectinload(Annex.amendment))
            .order_by(Annex.number)
        )
    )


def _sum(column) -> func:
    return func.coalesce(func.sum(column), 0)


def commitment_remaining(commitment_id: int) -> Decimal:
    """What a commitment still allows to pay or cancel: its amount, less its cancellations,
    less its payments net of their own cancellations."""
    amount = db.session.scalar(select(Commitment.amount).where(Commitment.id == commitment_id))
    cancelled = db.session.scalar(
        select(_sum(Cancellation.amount)).where(Cancellation.commitment_id == commitment_id)
    )
    paid = db.session.scalar(
        select(_sum(Payment.amount)).where(Payment.commitment_id == commitment_id)
    )
    paid_back = db.session.scalar(
        select(_sum(Cancellation.amount))
        .join(Payment, Payment.id == Cancellation.payment_id)
        .where(Payment.commitment_id == commitment_id)
    )
    return Decimal(amount) - Decimal(cancelled) - Decimal(paid) + Decimal(paid_back)


def payment_cancelled(payment_id: int) -> Decimal:
    return Decimal(
        db.session.scalar(
            select(_sum(Cancellation.amount)).where(Cancellation.payment_id == payment_id)
        )
    )


def _envelope_totals(as_of: date | None = None):
    """Subqueries: per envelope, commitments, AE cancellations, payments, CP cancellations
    (those dated on or before `as_of`, if given)."""

    def per_envelope(model, on_column, *where):
        if as_of is not None:
            where = (*where, on_column <= as_of)
        return (
            select(model.envelope_id, _sum(model.amount).label("total"))
            .where(*where)
            .group_by(model.envelope_id)
            .subquery()
        )

    return (
        per_envelope(Commitment, Commitment.committed_on),
        per_envelope(
            Cancellation, Cancellation.cancelled_on, Cancellation.commitment_id.is_not(None)
        ),
        per_envelope(Payment, Payment.paid_on),
        per_envelope(Cancellation, Cancellation.cancelled_on, Cancellation.payment_id.is_not(None)),
    )


@dataclass
class Consumption:
    startup: Startup | None
    ae_allocated: Decimal = ZERO
    cp_allocated: Decimal = ZERO
    committed: Decimal = ZERO
    paid: Decimal = ZERO

    @property
    def ae_remaining(self) -> Decimal:
        return self.ae_allocated - self.committed

    @property
    def cp_remaining(self) -> Decimal:
        return self.cp_allocated - self.paid

    @property
    def ae_rate(self) -> float:
        return float(self.committed / self.ae_allocated) if self.ae_allocated else 0.0

    @property
    def cp_rate(self) -> float:
        return float(self.paid / self.cp_allocated) if self.cp_allocated else 0.0


@dataclass
class Dashboard:
    year: int
    rows: list[Consumption]
    total: Consumption = field(default_factory=lambda: Consumption(None))


def consumption(
    year: int,
    cost_centre_id: int | None = None,
    as_of: date | None = None,
    startup_id: int | None = None,
) -> Dashboard:
    """Per start-up (those carried by the cost centre, if one is chosen; the one start-up, if
    given) and in total: allocated, committed and paid in AE/CP for a budget year (as of a date,
    if given: the allocation changes in effect and the entries dated by then), computed from the
    ledger in one query."""
    params = {"year": year}
    if cost_centre_id:
        params["cost_centre_id"] = cost_centre_id
    if startup_id:
        params["startup_id"] = startup_id
    if as_of is None:  # the pages' case: the statement is built once
        stmt = _consumption_statement("cost_centre_id" in params, "startup_id" in params)
    else:
        stmt = _consumption_select(
            year, params.get("cost_centre_id"), as_of, params.get("startup_id")
        )
        params = {}
    dashboard = Dashboard(year=year, rows=[])
    for startup, ae, cp, committed, paid in db.session.execute(stmt, params):
        row = Consumption(startup, Decimal(ae), Decimal(cp), Decimal(committed), Decimal(paid))
        dashboard.rows.append(row)
        dashboard.total.ae_allocated += row.ae_allocated
        dashboard.total.cp_allocated += row.cp_allocated
        dashboard.total.committed += row.committed
        dashboard.total.paid += row.paid
    return dashboard


@functools.cache
def _consumption_statement(by_cost_centre: bool, by_startup: bool):
    return _consumption_select(
        bindparam("year", type_=Integer),
        bindparam("cost_centre_id", type_=Integer) if by_cost_centre else None,
        None,
        bindparam("startup_id", type_=Integer) if by_startup else None,
    )


def _consumption_select(year, cost_centre_id, as_of: date | None, startup_id):
    commitments, ae_cancelled, payments, cp_cancelled = _envelope_totals(as_of)
    if as_of is None:
        ae_allocated, cp_allocated = Envelope.ae_allocated, Envelope.cp_allocated
    else:  # the allocation as it stood that day: the changes in effect by then
        allocated = (
            select(
                AllocationChange.envelope_id,
                _sum(AllocationChange.ae_delta).label("ae"),
                _sum(AllocationChange.cp_delta).label("cp"),
            )
            .where(AllocationChange.effective_on <= as_of)
            .group_by(AllocationChange.envelope_id)
            .subquery()
        )
        ae_allocated, cp_allocated = allocated.c.ae, allocated.c.cp
    stmt = (
        select(
            Startup,
            func.coalesce(ae_allocated, 0),
            func.coalesce(cp_allocated, 0),
            func.coalesce(commitments.c.total, 0) - func.coalesce(ae_cancelled.c.total, 0),
            func.coalesce(payments.c.total, 0) - func.coalesce(cp_cancelled.c.total, 0),
        )
        .outerjoin(Envelope, and_(Envelope.startup_id == Startup.id, Envelope.year == year))
        .outerjoin(commitments, commitments.c.envelope_id == Envelope.id)
        .outerjoin(ae_cancelled, ae_cancelled.c.envelope_id == Envelope.id)
        .outerjoin(payments, payments.c.envelope_id == Envelope.id)
        .outerjoin(cp_cancelled, cp_cancelled.c.envelope_id == Envelope.id)
        .order_by(Startup.id)
    )
    if as_of is not None:
        stmt = stmt.outerjoin(allocated, allocated.c.envelope_id == Envelope.id)
    if cost_centre_id is not None:
        stmt = stmt.where(Startup.cost_centre_id == cost_centre_id)
    if startup_id is not None:
        stmt = stmt.where(Startup.id == startup_id)
    return stmt


def envelope_of(startup_id: int, year: int) -> Envelope | None:
    return db.session.scalar(
        select(Envelope).where(Envelope.startup_id == startup_id, Envelope.year == year)
    )


def budget_years() -> list[int]:
    return sorted(set(db.session.scalars(select(Envelope.year).distinct())), reverse=True)


def allocation_history(startup_id: int) -> list:
    """A start-up's allocation changes, latest first, as the columns the page shows."""
    return db.session.execute(
        select(
            AllocationChange.effective_on,
            AllocationChange.created_at,
            Envelope.year,
            AllocationChange.source,
            AllocationChange.ae_delta,
            AllocationChange.cp_delta,
            AllocationChange.reason,
        )
        .join(Envelope, Envelope.id == AllocationChange.envelope_id)
        .where(Envelope.startup_id == startup_id)
        .order_by(AllocationChange.id.desc())
    ).all()


@dataclass
class CommitmentLine:
    commitment: Commitment
    paid: Decimal
    cancelled: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.commitment.amount - self.cancelled - self.paid


def commitments_of(startup_id: int, year: int) -> list[CommitmentLine]:
    """A start-up's commitments of a budget year with what was paid (net) and cancelled."""
    paid = (
        select(Payment.commitment_id, _sum(Payment.amount).label("total"))
        .group_by(Payment.commitment_id)
        .subquery()
    )
    paid_back = (
        select(Payment.commitment_id, _sum(Cancellation.amount).label("total"))
        .join(Cancellation, Cancellation.payment_id == Payment.id)
        .group_by(Payment.commitment_id)
        .subquery()
    )
    cancelled = (
        select(Cancellation.commitment_id, _sum(Cancellation.amount).label("total"))
        .where(Cancellation.commitment_id.is_not(None))
        .group_by(Cancellation.commitment_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            Commitment,
            func.coalesce(paid.c.total, 0) - func.coalesce(paid_back.c.total, 0),
            func.coalesce(cancelled.c.total, 0),
        )
        .join(Envelope, Envelope.id == Commitment.envelope_id)
        .outerjoin(paid, paid.c.commitment_id == Commitment.id)
        .outerjoin(paid_back, paid_back.c.commitment_id == Commitment.id)
        .outerjoin(cancelled, cancelled.c.commitment_id == Commitment.id)
        .options(selectinload(Commitment.cost_centre))
        .where(Commitment.startup_id == startup_id, Envelope.year == year)
        .order_by(Commitment.committed_on, Commitment.id)
    )
    return [CommitmentLine(c, Decimal(p), Decimal(x)) for c, p, x in rows]


def open_commitments_of(startup_id: int) -> list[CommitmentLine]:
    """Commitments with something left to pay, any year (a year-N commitment may be paid in N+1)."""
    years = db.session.scalars(select(Envelope.year).where(Envelope.startup_id == startup_id)).all()
    lines = [line for year in sorted(years) for line in commitments_of(startup_id, year)]
    return [line for line in lines if line.remaining > 0]


def payments_of(startup_id: int, year: int) -> list[tuple[Payment, Decimal]]:
    """A start-up's payments charged to a budget year, with what was cancelled of each."""
    cancelled = (
        select(Cancellation.payment_id, _sum(Cancellation.amount).label("total"))
        .where(Cancellation.payment_id.is_not(None))
        .group_by(Cancellation.payment_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Payment, func.coalesce(cancelled.c.total, 0))
        .join(Envelope, Envelope.id == Payment.envelope_id)
        .outerjoin(cancelled, cancelled.c.payment_id == Payment.id)
        .where(Envelope.startup_id == startup_id, Envelope.year == year)
        .order_by(Payment.paid_on, Payment.id)
    )
    return [(p, Decimal(c)) for p, c in rows]


# The ledger as rows, for the list, the chart and the exports.


@dataclass(frozen=True)
class LedgerRow:
    kind: str  # commitment, payment, commitment_cancellation, payment_cancellation
    id: int
    on: date
    startup: str
    activity_code: str
    functional_domain: str
    financial_centre: str
    cost_centre: str
    legal_act: str
    supplier: str
    object: str
    commitment_id: int
    ae: Decimal  # signed effect on AE consumed
    cp: Decimal  # signed effect on CP consumed
    chorus_number: str
    reason: str

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]


KIND_LABELS = {
    "commitment": "Engagement",
    "payment": "Paiement",
    "commitment_cancellation": "Annulation d'engagement",
    "payment_cancellation": "Annulation de paiement",
}


LEDGER_COLUMNS = (
    "kind",
    "id",
    "on",
    "startup",
    "activity_code",
    "functional_domain",
    "financial_centre",
    "cost_centre",
    "legal_act",
    "supplier",
    "object",
    "commitment_id",
    "ae",
    "cp",
    "chorus_number",
    "reason",
    "rank",  # the kind's place in KIND_LABELS: same-day entries in a stable order
)


_RANK = {kind: index for index, kind in enumerate(KIND_LABELS)}


def _ledger_entries(year, startup_id=None, only=None):
    """Every entry charged to the budget year's envelopes (of one start-up, if given; among the
    `only` subquery's (rank, id) pairs, if given): the four kinds of entry as one `UNION ALL`
    subquery with the columns of LEDGER_COLUMNS."""
    c = Commitment
    on_commitment, on_payment = aliased(ChorusRetranscription), aliased(ChorusRetranscription)
    rank = _RANK

    def chorus(own, retranscribed):
        return func.coalesce(func.nullif(own, ""), retranscribed.number, "")

    common = (
        Startup.name,
        c.activity_code,
        c.functional_domain,
        c.financial_centre,
        CostCentre.code,
        c.legal_act,
        c.supplier,
        c.object,
        c.id,
    )

    def entries(kind, id_, on, ae, cp, chorus_number, reason, envelope_column, *joins):
        columns = (
            literal(kind),
            id_,
            on,
            *common,
            ae,
            cp,
            chorus_number,
            reason,
            literal(rank[kind]),
        )
        stmt = (
            select(
                *(column.label(name) for column, name in zip(columns, LEDGER_COLUMNS, strict=True))
            )
            .select_from(c)
            .join(Startup, Startup.id == c.startup_id)
            .join(CostCentre, CostCentre.id == c.cost_centre_id)
        )
        for target, on_clause, outer in joins:  # before the envelope: PostgreSQL needs them first
            stmt = stmt.join(target, on_clause, isouter=outer)
        stmt = stmt.join(Envelope, Envelope.id == envelope_column).where(Envelope.year == year)
        if startup_id is not None:
            stmt = stmt.where(Envelope.startup_id == startup_id)
        if only is not None:
            stmt = stmt.where(id_.in_(select(only.c.id).where(only.c.rank == rank[kind])))
        return stmt

    return union_all(
        entries(
            "commitment",
            c.id,
            c.committed_on,
            c.amount,
            literal(0),
            chorus(c.chorus_number, on_commitment),
            literal(""),
            c.envelope_id,
            (on_commitment, on_commitment.commitment_id == c.id, True),
        ),
        entries(
            "payment",
            Payment.id,
            Payment.paid_on,
            literal(0),
            Payment.amount,
            chorus(Payment.chorus_number, on_payment),
            literal(""),
            Payment.envelope_id,
            (Payment, Payment.commitment_id == c.id, False),
            (on_payment, on_payment.payment_id == Payment.id, True),
        ),
        entries(
            "commitment_cancellation",
            Cancellation.id,
            Cancellation.cancelled_on,
            -Cancellation.amount,
            literal(0),
            literal(""),
            Cancellation.reason,
            Cancellation.envelope_id,
            (Cancellation, Cancellation.commitment_id == c.id, False),
        ),
        entries(
            "payment_cancellation",
            Cancellation.id,
            Cancellation.cancelled_on,
            literal(0),
            -Cancellation.amount,
            literal(""),
            Cancellation.reason,
            Cancellation.envelope_id,
            (Payment, Payment.commitment_id == c.id, False),
            (Cancellation, Cancellation.payment_id == Payment.id, False),
        ),
    ).subquery("ledger")


def _ledger_row(r) -> LedgerRow:
    # Unpacked by position (LEDGER_COLUMNS' order): a row's attributes are looked up by name.
    (kind, id_, on, startup, activity, domain, financial, centre, act, supplier, object_) = r[:11]
    commitment_id, ae, cp, chorus_number, reason = r[11:16]
    return LedgerRow(
        kind,
        id_,
        on,
        startup,
        activity,
        domain,
        financial,
        centre,
        # the enum (the union's columns take the types of its first select)
        act.label if hasattr(act, "label") else str(act),
        supplier,
        object_,
        commitment_id,
        Decimal(ae),
        Decimal(cp),
        chorus_number or "",
        reason or "",
    )


def ledger_rows(year: int, startup_id: int | None = None) -> list[LedgerRow]:
    """Every entry charged to the budget year's envelopes, in date order (one query): for the
    exports, which are complete."""
    ledger = _ledger_entries(year, startup_id)
    stmt = select(ledger).order_by(ledger.c.on, ledger.c.rank, ledger.c.id)
    return [_ledger_row(r) for r in db.session.execute(stmt)]


def _ledger_keys(year, startup_id):
    """The (rank, id, date) of each entry of a start-up's envelope of the budget year: what the
    ledger is sorted and counted on, read from the entries' tables alone."""

    def keys(kind, model, on_column, *where):
        return (
            select(literal(_RANK[kind]).label("rank"), model.id.label("id"), on_column.label("on"))
            .join(Envelope, Envelope.id == model.envelope_id)
            .where(Envelope.year == year, Envelope.startup_id == startup_id, *where)
        )

    return union_all(
        keys("commitment", Commitment, Commitment.committed_on),
        keys("payment", Payment, Payment.paid_on),
        keys(
            "commitment_cancellation",
            Cancellation,
            Cancellation.cancelled_on,
            Cancellation.commitment_id.is_not(None),
        ),
        keys(
            "payment_cancellation",
            Cancellation,
            Cancellation.cancelled_on,
            Cancellation.payment_id.is_not(None),
        ),
    ).subquery("ledger_keys")


def _latest_first(ledger):
    return ledger.c.on.desc(), ledger.c.rank.desc(), ledger.c.id.desc()


@functools.cache
def _ledger_page_statements():
    """The count and the page of a start-up's ledger, built once (their parameters: `year`,
    `startup_id`, `limit`, `offset`). The page is sorted and cut on the entries' keys alone,
    then only its rows are joined to what they show."""
    year, startup_id = bindparam("year", type_=Integer), bindparam("startup_id", type_=Integer)
    keys = _ledger_keys(year, startup_id)
    count = select(func.count()).select_from(keys)
    page = (
        select(keys)
        .order_by(*_latest_first(keys))
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
        .cte("ledger_page")
    )
    ledger = _ledger_entries(year, startup_id, only=page)
    return count, select(ledger).order_by(*_latest_first(ledger))


def ledger_page(
    year: int, startup_id: int, page: int, page_size: int
) -> tuple[list[LedgerRow], int, int]:
    """One page of a start-up's entries of the budget year, latest first, the number of entries
    and the page shown (the last one if `page` lies beyond it): two queries, whatever the size of
    the ledger."""
    count, rows = _ledger_page_statements()
    params = {"year": year, "startup_id": startup_id}
    total = db.session.scalar(count, params)
    page = paging.within(page, total, page_size)
    params.update(limit=page_size, offset=paging.offset(page, page_size))
    return [_ledger_row(r) for r in db.session.execute(rows, params)], total, page


def cumulative_by_month(
    year: int, cost_centre_id: int | None = None
) -> list[tuple[int, Decimal, Decimal]]:
    """(month, committed so far, paid so far) at the end of each month of the budget year, net
    of cancellations, for the start-ups of the cost centre if one is chosen: one aggregate query
    (twelve rows at most per kind of entry), whatever the size of the ledger."""
    params = {"year": year}
    if cost_centre_id:
        params["cost_centre_id"] = cost_centre_id
    rows = db.session.execute(_monthly_statement("cost_centre_id" in params), params)
    ae = [ZERO] * 13
    cp = [ZERO] * 13
    for month, ae_total, cp_total in rows:
        ae[int(month)] += Decimal(ae_total)
        cp[int(month)] += Decimal(cp_total)
    series, total_ae, total_cp = [], ZERO, ZERO
    for month in range(1, 13):
        total_ae += ae[month]
        total_cp += cp[month]
        series.append((month, total_ae, total_cp))
    return series


@functools.cache
def _monthly_statement(by_cost_centre: bool):
    """Per month of the budget year `year` (of the start-ups of `cost_centre_id`, if
    `by_cost_centre`): AE and CP consumed by each kind of entry; built once."""
    year = bindparam("year", type_=Integer)

    def monthly(on_column, amount, envelope_column, *where, ae: bool):
        stmt = (
            select(
                extract("month", on_column).label("month"),
                _sum(amount if ae else literal(0)).label("ae"),
                _sum(literal(0) if ae else amount).label("cp"),
            )
            .join(Envelope, Envelope.id == envelope_column)
            .where(Envelope.year == year, *where)
            .group_by(extract("month", on_column))
        )
        if by_cost_centre:
            stmt = stmt.join(Startup, Startup.id == Envelope.startup_id).where(
                Startup.cost_centre_id == bindparam("cost_centre_id", type_=Integer)
            )
        return stmt

    def cancelled(target, *, ae: bool):
        return monthly(
            Cancellation.cancelled_on,
            -Cancellation.amount,
            Cancellation.envelope_id,
            target.is_not(None),
            ae=ae,
        )

    return union_all(
        monthly(Commitment.committed_on, Commitment.amount, Commitment.envelope_id, ae=True),
        cancelled(Cancellation.commitment_id, ae=True),
        monthly(Payment.paid_on, Payment.amount, Payment.envelope_id, ae=False),
        cancelled(Cancellation.payment_id, ae=False),
    )


# Committees


def committees() -> list[Committee]:
    return list(db.session.scalars(select(Committee).order_by(Committee.held_on.desc())))


def committee_with_reviews(committee_id: int) -> Committee | None:
    return db.session.scalar(
        select(Committee)
        .options(selectinload(Committee.reviews).selectinload(CommitteeReview.startup))
        .where(Committee.id == committee_id)
    )


def previous_reviews(committee: Committee) -> dict[int, CommitteeReview]:
    """Each start-up's review at the committee before this one: the base of the trends."""
    reviews = db.session.scalars(
        select(CommitteeReview)
        .join(Committee)
        .where(Committee.held_on < committee.held_on)
        .order_by(Committee.held_on)
    )
    return {r.startup_id: r for r in reviews}


def last_committee() -> Committee | None:
    return db.session.scalar(select(Committee).order_by(Committee.held_on.desc()))


def _six_months_after(day: date) -> date:
    month = day.month + 5
    return date(day.year + month // 12, month % 12 + 1, min(day.day, 28))


def upcoming_deadlines(today: date, within_days: int | None = None) -> list[Deadline]:
    """The deadlines of article 4.2 (this year and next) and the next committee, six months after
    the last one (article 2), from today on (or due within `within_days`)."""
    items = deadlines_of(today.year) + deadlines_of(today.year + 1)
    last = last_committee()
    if last is not None:
        items.append(
            Deadline(
                _six_months_after(last.held_on), "Comité d'investissement (tous les 6 mois)", "2"
            )
        )
    horizon = today + timedelta(days=within_days) if within_days is not None else date.max
    return sorted((d for d in items if today <= d.on <= horizon), key=lambda d: d.on)


def reviews_awaiting_decision() -> int:
    return db.session.scalar(
        select(func.count()).select_from(CommitteeReview).where(CommitteeReview.decision.is_(None))
    )


def subsidy_reports(
    startup_id: int | None = None, *, pending_only: bool = False
) -> list[SubsidyReport]:
    """Reports expected from subsidised operators, soonest first (with their commitment)."""
    stmt = (
        select(SubsidyReport)
        .join(Commitment)
        .options(selectinload(SubsidyReport.commitment).selectinload(Commitment.startup))
        .order_by(SubsidyReport.due_on, SubsidyReport.id)
    )
    if startup_id:
        stmt = stmt.where(Commitment.startup_id == startup_id)
    if pending_only:
        stmt = stmt.where(SubsidyReport.received_on.is_(None))
    return list(db.session.scalars(stmt))


def subsidies_of(startup_id: int) -> list[Commitment]:
    return list(
        db.session.scalars(
            select(Commitment)
            .where(Commitment.startup_id == startup_id, Commitment.legal_act == LegalAct.SUBSIDY)
            .order_by(Commitment.committed_on)
        )
    )


# One record by its id (every finance reader may read every record of the space).


def by_id(model, record_id) -> object | None:
    """The record of `model` with this id, or None (ids come from forms or URLs)."""
    try:
        return db.session.get(model, int(record_id))
    except (TypeError, ValueError):
        return None


def cost_centre_by_code(code: str) -> CostCentre | None:
    return db.session.scalar(select(CostCentre).where(CostCentre.code == code))


def review_of(committee_id: int, review_id: int) -> CommitteeReview | None:
    """A start-up's review, only through its own committee."""
    return db.session.scalar(
        select(CommitteeReview).where(
            CommitteeReview.id == review_id, CommitteeReview.committee_id == committee_id
        )
    )
