"""Mail through SMTP, against a real SMTP server the tests start on 127.0.0.1 (aiosmtpd): magic
links, invitations, DORA orientations and reminders, consent renewals arrive with the right
recipients, subject and links built from PUBLIC_BASE_URL — never from the request's Host."""

from __future__ import annotations

import email
import re
import socket
from email import policy
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from app.accounts.roles import Role
from app.core import mail
from app.core.models import OutgoingMail
from app.extensions import db
from tests.factories import member

PUBLIC = "https://insertion.example.gouv.fr"


class Inbox:
    """What the SMTP server received: (envelope recipients, parsed message)."""

    def __init__(self):
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []
        self.logins: list[tuple[str, str]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd hook)
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for rcpt, m in self.messages if address in rcpt]

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        login = (auth_data.login.decode(), auth_data.password.decode())
        self.logins.append(login)
        return AuthResult(success=login == ("portail", "secret-smtp"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(app, monkeypatch):
    """A real SMTP server on 127.0.0.1, the app configured to send through it."""
    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=_free_port(),
        authenticator=inbox.authenticate,
        auth_require_tls=False,
    )
    controller.start()
    for key, value in {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": controller.port,
        "MAIL_USE_TLS": False,
        "MAIL_USERNAME": "portail",
        "MAIL_PASSWORD": "secret-smtp",
        "PUBLIC_BASE_URL": PUBLIC,
    }.items():
        monkeypatch.setitem(app.config, key, value)
    yield inbox
    controller.stop()


def links(message) -> list[str]:
    return re.findall(r"https?://\S+", message.get_content())


def only_public_links(message) -> list[str]:
    found = links(message)
    assert found, message.get_content()
    for link in found:
        assert link.startswith(PUBLIC + "/"), link  # not the request's Host (portail.test)
    return found


def test_a_magic_link_arrives_by_smtp_with_a_link_on_the_public_address(app, client, smtp):
    member(Role.BENEFICIARY, email="julien@exemple.fr")
    assert client.post("/connexion/lien", data={"email": "julien@exemple.fr"}).status_code == 303
    [message] = smtp.to("julien@exemple.fr")
    assert message["To"] == "julien@exemple.fr"
    assert "Portail SPIE" in message["From"]
    assert message["Subject"] == "Votre lien de connexion au portail SPIE"
    [link] = only_public_links(message)
    assert smtp.logins == [("portail", "secret-smtp")]
    # The link opens the login page on the portal (same path, the test client's host).
    assert client.get(urlsplit(link).path).status_code == 200
    assert db.session.query(OutgoingMail).filter(OutgoingMail.sent_at.is_(None)).count() == 0


def test_an_invitation_arrives_by_smtp(app, client, login_as, smtp):
    from tests.accounts.test_invitations import invite

    login_as(member(Role.COORDINATOR))
    assert invite(client).status_code == 303
    [message] = smtp.to("nouvelle.pro@exemple.fr")
    assert message["Subject"] == "Invitation au portail SPIE — Seine-Saint-Denis"
    [link] = only_public_links(message)
    client.post("/deconnexion")
    assert "Bienvenue Léa" in client.get(urlsplit(link).path).text


def test_a_dora_orientation_and_its_reminder_arrive_by_smtp(app, client, login_as, smtp):
    from tests.dora.factories import ServiceFactory
    from tests.dora.test_orientations import LA, orient

    service = ServiceFactory(published=True, contact_email="accueil@garage.fr")
    orient(login_as(member(Role.PROFESSIONAL, LA)), service)
    [message] = smtp.to("accueil@garage.fr")
    assert service.name in message["Subject"]
    [link] = only_public_links(message)
    assert f"/{LA}/dora/" in link


def test_a_dora_freshness_reminder_arrives_by_smtp(app, smtp):
    from tests.dora.factories import ProviderFactory, ServiceFactory, provider_member

    provider = ProviderFactory()
    admin = provider_member(provider)
    ServiceFactory(provider=provider, due=True, name="Location de scooters")
    result = app.test_cli_runner().invoke(args=["dora", "remind"])
    assert result.exit_code == 0, result.output
    [message] = smtp.to(admin.email)
    assert message["Subject"] == "DORA — 1 fiche(s) à actualiser"
    assert "Location de scooters" in message.get_content()
    assert any("/dora/actualiser/" in link for link in only_public_links(message))


def test_a_consent_renewal_arrives_by_smtp(app, smtp):
    from app.core import jobs
    from tests.carnet.test_renewals import lapsing

    person, _pro, notebook, _consent = lapsing(days=20)
    jobs.run_due(only="carnet.consent_renewal")
    [message] = smtp.to(person.email)
    assert "continuer à partager" in message["Subject"]
    [link] = only_public_links(message)
    assert link == f"{PUBLIC}/seine-saint-denis/carnet/carnets/{notebook.id}#renouvellement"


class FakeSMTP:
    """Records what the transport asks of the SMTP connection (STARTTLS, login, send)."""

    calls: list = []

    def __init__(self, host, port, timeout):
        self.calls.append(("connect", host, port))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        self.calls.append(("starttls",))

    def login(self, user, password):
        self.calls.append(("login", user, password))

    def send_message(self, message):
        self.calls.append(("send", message["To"]))


@pytest.mark.parametrize(
    ("tls", "user", "expected"),
    [
        (True, "portail", ["connect", "starttls", "login", "send"]),
        (True, "", ["connect", "starttls", "send"]),
        (False, "", ["connect", "send"]),
    ],
)
def test_starttls_and_login_follow_the_configuration(app, monkeypatch, tls, user, expected):
    FakeSMTP.calls = []
    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    for key, value in {
        "MAIL_SERVER": "smtp.example.fr",
        "MAIL_PORT": 587,
        "MAIL_USE_TLS": tls,
        "MAIL_USERNAME": user,
        "MAIL_PASSWORD": "secret",
    }.items():
        monkeypatch.setitem(app.config, key, value)
    mail._transport("julien@exemple.fr", "Objet", "Corps")
    assert [call[0] for call in FakeSMTP.calls] == expected
    assert FakeSMTP.calls[0] == ("connect", "smtp.example.fr", 587)
    assert FakeSMTP.calls[-1] == ("send", "julien@exemple.fr")
