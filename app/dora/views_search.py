"""The search, open to anyone (the "site vitrine": orienting needs an account), and the sheet
opened from its results, with "orienter la personne" and "partager avec la personne"."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from flask import abort, g, make_response, render_template, request, url_for
from flask_login import current_user

from app.core import access, htmx
from app.core.urls import external_url
from app.dora import bp, perms, queries, questions, search, search_form, search_log
from app.dora.models import Frais, ModeAccueil, Public, TypeService


def _user():
    return current_user._get_current_object()


def _is_caseworker() -> bool:
    return perms.is_caseworker(_user(), g.territory.id)


def _search_url(query, **overrides) -> str:
    return url_for("dora.search", **search_form.url_args(query, **overrides))


@bp.get("/recherche", endpoint="search")
@access.public
def search_page():
    """Anyone searches the territory's offer: commune, theme, questions, keywords, filters."""
    query = search_form.read_query(request.args, g.territory.department_code)
    results = None
    if query.ready:
        results = search.search(
            query.place, query.theme, query.answers, query.filters, page=query.page
        )
        query.page = results.page  # past the last page: the last page
        sid = search_log.record(
            query.sid,
            commune_code=query.place.code,
            theme=query.theme,
            answers=query.answers,
            filters=query.filters.as_dict(),
            with_keywords=bool(query.filters.keywords),
            count=results.total,
            by_caseworker=_is_caseworker(),
        )
        if sid != query.sid:
            # A new search: its id goes in the URL, so that refining it stays the same search.
            query.sid = sid
            if not htmx.is_htmx():
                return htmx.redirect(
                    _search_url(query, page=query.page if query.page > 1 else None)
                )
    status = 422 if query.errors else 200
    response = htmx.render(
        "dora/search.html",
        "dora/includes/search_area.html",
        status=status,
        **_context(query, results),
    )
    if htmx.is_htmx() and query.ready:
        response.headers["HX-Push-Url"] = _search_url(
            query, page=query.page if query.page > 1 else None
        )
    return response


_TYPE_CHOICES = [(t.value, t.label) for t in TypeService]
_FEE_CHOICES = [(f.value, f.label) for f in Frais]
_MODE_CHOICES = [(m.value, m.label) for m in ModeAccueil]


def _context(query, results) -> dict:
    return {
        "query": query,
        "results": results,
        # The territory's communes (8 KB, 2 KB compressed, more in the Ardennes) come with
        # the page while no commune is chosen; once one is, the list loads when the field is
        # focused (htmx), and a commune can still be typed by name or postal code without it.
        "communes": search_form.datalist_options(g.territory.department_code)
        if query.place is None
        else None,
        "theme_options": questions.theme_options(query.theme),
        "theme_questions": questions.questions_for(query.theme) if query.theme else [],
        "theme_label": questions.theme_label,
        "type_choices": _TYPE_CHOICES,
        "fee_choices": _FEE_CHOICES,
        "mode_choices": _MODE_CHOICES,
        "page_url": _slot(_search_url(query, page=_SLOT)),
        "sheet_url": _sheet_urls(query),
        "feedback_url": url_for("dora.feedback", **search_form.url_args(query))
        if query.ready
        else None,
        "is_caseworker": _is_caseworker(),
    }


_SLOT = "SLOT0"


def _slot(url: str):
    """Links that differ by one value (a sheet's id, a page number): the URL is built once,
    with `_SLOT` where the value goes, and the value put in for each link."""
    head, tail = url.split(_SLOT, 1)
    return lambda value: f"{head}{quote(str(value), safe='')}{tail}"


def _sheet_urls(query):
    """The link of each result's sheet (20 per page)."""
    return _slot(
        url_for(
            "dora.search_sheet",
            public_id=_SLOT,
            sid=query.sid or None,
            frein=query.barrier_grant or None,
        )
    )


@bp.get("/recherche/questions")
@access.public
def search_questions():
    """The questions of a theme (htmx, when the theme changes)."""
    theme = request.args.get("theme") or ""
    if not questions.is_theme(theme):
        theme = ""
    query = search_form.SearchQuery(theme=theme)
    return render_template(
        "dora/includes/search_questions.html",
        query=query,
        theme_questions=questions.questions_for(theme) if theme else [],
    )


@bp.get("/recherche/communes")
@access.public
def search_communes():
    """The territory's communes for the commune field's list (htmx, on focus): open to
    anyone, the same for everyone, kept by the browser for a day."""
    response = make_response(
        render_template(
            "dora/includes/commune_options.html",
            communes=search_form.datalist_options(g.territory.department_code),
        )
    )
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


@bp.get("/recherche/fiches/<public_id>")
@access.public
def search_sheet(public_id: str):
    """A published sheet opened from the results: everything a caseworker needs to act, and
    the two actions; anyone else sees what the public page shows."""
    service = queries.public_service(public_id)
    if service is None:
        abort(404)
    sid = (request.args.get("sid") or "")[:16]
    log = search_log.sheet_opened(sid)
    caseworker = _is_caseworker()
    public_url = external_url(
        "dora.public_service", territory=g.territory.slug, public_id=public_id
    )
    share_text = (
        f"{service.name} ({service.provider.name}) : voici la fiche du service dont nous avons "
        f"parlé. {public_url}"
    )
    return render_template(
        "dora/search_sheet.html",
        service=service,
        provider=service.provider,
        public=not caseworker,
        caseworker=caseworker,
        publics={p.value: p.label for p in Public},
        sid=log.public_id if log else "",
        public_url=public_url,
        share_text=share_text,
        mailto="mailto:?"
        + urlencode(
            {"subject": f"Une solution pour vous : {service.name}", "body": share_text},
            quote_via=_quote,
        ),
        back_url=request.referrer if _same_site(request.referrer) else url_for("dora.search"),
    )


def _quote(value, safe="", encoding=None, errors=None):
    return quote(value, safe="", encoding=encoding, errors=errors)


def _same_site(url: str | None) -> bool:
    return bool(url) and url.startswith(request.host_url) and "/recherche" in url
