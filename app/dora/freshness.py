"""Freshness of the offer: "rien n'a changé" in two clicks, the signed one-click links mailed by
`flask dora remind`, and which providers are out of date (banner, ranking).

Each write function states its rule, audits, flushes and never commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from app.core import audit, mail, scoping
from app.core.models import utcnow
from app.core.urls import external_url
from app.dora import queries
from app.dora.models import MemberStatus, Provider, ProviderMember, Service, ServiceStatus
from app.extensions import db

LINK_SALT = "dora-refresh-link"
LINK_MAX_AGE = timedelta(days=14)
# A provider is reminded at most once per this period.
REMIND_EVERY = timedelta(days=15)


def confirm_unchanged(actor, service: Service, *, now: datetime | None = None) -> None:
    """ "Rien n'a changé": the sheet is confirmed as it is, fresh again for its frequency."""
    service.mark_confirmed(now or utcnow())
    db.session.flush()
    audit.record(actor, "confirmed", "dora_service", service.id)


def provider_is_out_of_date(provider: Provider, now: datetime | None = None) -> bool:
    """A provider with a published sheet past its update frequency sees a banner, and its
    sheets carry "à actualiser" and rank after fresh ones, until it refreshes them."""
    return queries.has_due_services(provider, now)


# Signed links


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=LINK_SALT)


def refresh_token(provider: Provider, services: list[Service]) -> str:
    """A signed link confirming these sheets of this provider, valid LINK_MAX_AGE."""
    return _serializer().dumps({"p": provider.id, "s": sorted(s.id for s in services)})


class LinkRefused(Exception):  # noqa: N818 (a refusal shown to the user)
    """The link was tampered with, or has expired; the message is in French."""


def read_refresh_token(token: str) -> tuple[int, list[int]]:
    try:
        data = _serializer().loads(token, max_age=int(LINK_MAX_AGE.total_seconds()))
    except SignatureExpired as error:
        raise LinkRefused(
            "Ce lien d'actualisation a expiré : connectez-vous à DORA pour actualiser vos fiches."
        ) from error
    except BadSignature as error:
        raise LinkRefused(
            "Ce lien d'actualisation n'est pas valide : utilisez le lien reçu par courriel, "
            "sans le modifier, ou connectez-vous à DORA."
        ) from error
    return int(data["p"]), [int(i) for i in data["s"]]


def services_for_link(
    provider_id: int, service_ids: list[int]
) -> tuple[Provider | None, list[Service]]:
    """The provider and those of the linked sheets still published (in the bound territory)."""
    provider = db.session.get(Provider, provider_id)
    if provider is None or provider.territory_id != scoping.current_territory_id():
        return None, []
    services = list(
        db.session.scalars(
            select(Service)
            .where(
                Service.id.in_(service_ids),
                Service.provider_id == provider.id,
                Service.status == ServiceStatus.PUBLISHED,
            )
            .order_by(Service.name)
        )
    )
    return provider, services


def confirm_from_link(services: list[Service], *, now: datetime | None = None) -> None:
    """The mailed link's single button (a POST) confirms the sheets it lists."""
    now = now or utcnow()
    for service in services:
        service.mark_confirmed(now)
        audit.record(None, "confirmed", "dora_service", service.id, "lien de rappel")
    db.session.flush()


# Reminders


def _recipients(provider: Provider) -> list[str]:
    members = db.session.scalars(
        select(ProviderMember).where(
            ProviderMember.provider_id == provider.id,
            ProviderMember.status == MemberStatus.ACTIVE,
        )
    ).all()
    admins = [m.user.email for m in members if m.is_admin] or [m.user.email for m in members]
    if not admins and provider.structure.email:
        admins = [provider.structure.email]
    return admins


def remind(territory, *, now: datetime | None = None) -> list[tuple[Provider, int]]:
    """Mail each provider of the (bound) territory its sheets to refresh, with a signed one-click
    confirmation link, at most once per REMIND_EVERY: running it twice sends nothing more.
    Mail leaves after the caller's transaction commits."""
    now = now or utcnow()
    sent = []
    for provider, _count, _oldest in queries.providers_with_due_services(now):
        if provider.last_reminded_at is not None and provider.last_reminded_at > now - REMIND_EVERY:
            continue
        recipients = _recipients(provider)
        if not recipients:
            continue
        services = queries.due_services(provider, now)
        link = external_url(
            "dora.refresh_link", token=refresh_token(provider, services), territory=territory.slug
        )
        # Rendered without the request's context processors: the command has no request.
        body = current_app.jinja_env.get_template("dora/mail/reminder.txt").render(
            provider=provider,
            services=services,
            link=link,
            dashboard=external_url("dora.provider", slug=provider.slug, territory=territory.slug),
        )
        for email in recipients:
            mail.queue(email, f"DORA — {len(services)} fiche(s) à actualiser", body)
        provider.last_reminded_at = now
        audit.record(None, "reminded", "dora_provider", provider.id, ", ".join(recipients))
        sent.append((provider, len(services)))
    db.session.flush()
    return sent
