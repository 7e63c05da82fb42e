""" "Create a notebook and invite the person" is one transaction: all or nothing, and the mail
leaves only after the commit (retried when the transport fails)."""

from __future__ import annotations

import html
import socket

from sqlalchemy import func, select, text

from app.accounts.models import Invitation, User
from app.accounts.roles import Role
from app.carnet.models import Beneficiary, Notebook
from app.core.models import OutgoingMail
from app.extensions import db
from tests.conftest import outbox_messages
from tests.factories import member

SSD = "/seine-saint-denis/carnet"
PERSON = {
    "first_name": "Inès",
    "last_name": "Garnier",
    "birth_date": "1992-06-03",
    "situation": "rsa",
    "email": "ines.garnier@exemple.fr",
    "invite": "y",
}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def closed_port() -> int:
    """A local port nothing listens on (bound then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_database_error_after_the_flush_leaves_nothing_and_says_so(client, login_as, monkeypatch):
    from app.accounts import services

    real_invite = services.invite

    def invite_then_fail(*args, **kwargs):
        invitation = real_invite(*args, **kwargs)
        db.session.flush()  # the notebook, the account and the invitation are written…
        db.session.execute(text("SELECT * FROM table_qui_n_existe_pas"))  # …then the DB fails
        return invitation

    monkeypatch.setattr(services, "invite", invite_then_fail)
    login_as(member(Role.PROFESSIONAL))
    response = client.post(f"{SSD}/carnets/nouveau", data=PERSON)

    assert response.status_code == 500
    assert "rien n'a été enregistré" in html.unescape(response.text)
    assert count(Notebook) == 0 and count(Beneficiary) == 0 and count(Invitation) == 0
    assert db.session.scalar(select(User).where(User.email == PERSON["email"])) is None
    assert count(OutgoingMail) == 0 and outbox_messages(client.application) == []
    # Nothing half-created: the same request now succeeds, not "already exists".
    monkeypatch.setattr(services, "invite", real_invite)
    assert client.post(f"{SSD}/carnets/nouveau", data=PERSON).status_code == 303


def test_a_failing_mail_transport_keeps_the_notebook_and_queues_the_invitation(
    app, client, login_as, monkeypatch
):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", closed_port())
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    login_as(member(Role.PROFESSIONAL))

    response = client.post(f"{SSD}/carnets/nouveau", data=PERSON, follow_redirects=True)

    assert response.status_code == 200
    assert "il sera renvoyé automatiquement" in html.unescape(response.text)
    beneficiary = db.session.scalar(select(Beneficiary))
    assert beneficiary.notebook is not None and beneficiary.user_id is not None
    [queued] = db.session.scalars(select(OutgoingMail)).all()
    assert (queued.to, queued.sent_at, queued.attempts) == (PERSON["email"], None, 1)
    assert outbox_messages(app) == []

    # The transport works again (here: the outbox file): the retry command sends it once.
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    result = app.test_cli_runner().invoke(args=["mail", "retry"])
    assert result.exit_code == 0, result.output
    [sent] = outbox_messages(app)
    assert sent["to"] == PERSON["email"] and "/invitations/" in sent["body"]
    assert app.test_cli_runner().invoke(args=["mail", "retry"]).exit_code == 0
    assert len(outbox_messages(app)) == 1
