"""The dashboard (consumption per start-up, deadlines), the space's card and the exports."""

from __future__ import annotations

from flask import make_response, request, url_for

from app.core import htmx, spaces
from app.finance import (
    bp,
    clock,
    exports,
    perms,
    queries,
    schemas,
)
from app.finance.views.common import allowed, year_param

# Dashboard


@bp.get("/")
def home():
    """Consumption per start-up and in total for a year, filtered by cost centre; what is due."""
    year = year_param()
    cost_centre = request.args.get("centre", type=int)
    context = dict(
        dashboard=queries.consumption(year, cost_centre),
        series=queries.cumulative_by_month(year, cost_centre),
        year=year,
        years=sorted({*queries.budget_years(), clock.today().year}, reverse=True),
        cost_centre=cost_centre,
        cost_centres=queries.cost_centres(),
        today=clock.today(),
        deadlines=queries.upcoming_deadlines(clock.today())[:4],
        reports=queries.subsidy_reports(pending_only=True),
    )
    return htmx.render("finance/home.html", "finance/includes/consumption.html", **context)


def space_cards(user) -> list[spaces.Card]:
    """What awaits this user: deadlines within 30 days, decisions the délégant still owes."""
    cards = [
        spaces.Card(
            title=f"{d.label} — {d.on.strftime('%d/%m/%Y')}",
            url=url_for("finance.home"),
            text=f"Article {d.article}",
        )
        for d in queries.upcoming_deadlines(clock.today(), 30)
    ]
    if perms.can_decide_committee(user):
        pending = queries.reviews_awaiting_decision()
        if pending:
            cards.append(
                spaces.Card(
                    title="Décisions de comité à enregistrer",
                    url=url_for("finance.committees_list"),
                    count=pending,
                )
            )
    return cards or [
        spaces.Card(
            title="Finances de la convention",
            url=url_for("finance.home"),
            text="Consommation des AE et CP par startup, convention et comités.",
        )
    ]


# Exports


def _export_rows():
    year = year_param()
    return year, queries.ledger_rows(year)


@bp.get("/export.csv")
@allowed(perms.can_export_ledger)
def export_csv():
    year, rows = _export_rows()
    response = make_response(exports.ledger_csv(rows))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="grand-livre-{year}.csv"'
    return response


@bp.get("/export.xlsx")
@allowed(perms.can_export_ledger)
def export_xlsx():
    year, rows = _export_rows()
    response = make_response(exports.ledger_xlsx(rows, f"Grand livre {year}"))
    response.headers["Content-Type"] = (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response.headers["Content-Disposition"] = f'attachment; filename="grand-livre-{year}.xlsx"'
    return response


@bp.get("/consommation.json")
@allowed(perms.can_export_ledger)
def consumption_json():
    """The dashboard's figures as JSON (schemas.Consumption), for a year and a cost centre."""
    dashboard = queries.consumption(year_param(), request.args.get("centre", type=int))
    response = make_response(schemas.consumption_body(dashboard).model_dump_json())
    response.headers["Content-Type"] = "application/json"
    return response
