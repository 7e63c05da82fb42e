"""One transaction per request: all or nothing, and mail only after the commit."""

import html
import socket

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from app.accounts.models import Invitation, User
from app.accounts.roles import Role
from app.core import mail
from app.core.models import OutgoingMail
from app.core.transaction import unit_of_work
from app.extensions import db
from tests.conftest import outbox_messages
from tests.factories import member

INVITE = {
    "email": "lea.durand@exemple.fr",
    "first_name": "Léa",
    "last_name": "Durand",
    "phone": "",
    "role": "professional",
    "structure_id": "",
}


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_database_error_after_the_flush_leaves_nothing_behind(app, client, login_as, monkeypatch):
    login_as(member(Role.COORDINATOR))

    def broken(*args, **kwargs):  # the database fails after the invitation was flushed
        raise OperationalError("INSERT INTO audit_entry", {}, Exception("disk I/O error"))

    monkeypatch.setattr("app.accounts.services.audit.record", broken)
    response = client.post("/seine-saint-denis/equipe/inviter", data=INVITE)
    assert response.status_code == 500
    assert "rien n'a été enregistré" in html.unescape(response.text)
    assert db.session.scalar(select(User).where(User.email == INVITE["email"])) is None
    assert db.session.scalar(select(Invitation)) is None
    assert db.session.scalar(select(OutgoingMail)) is None
    assert outbox_messages(app) == []


def test_a_refused_form_writes_nothing(client, login_as):
    login_as(member(Role.COORDINATOR))
    response = client.post("/seine-saint-denis/equipe/inviter", data={**INVITE, "role": "admin"})
    assert response.status_code == 422
    assert db.session.scalar(select(User).where(User.email == INVITE["email"])) is None


def test_a_failing_mail_transport_keeps_the_work_and_the_mail_is_retried(
    app, client, login_as, monkeypatch
):
    login_as(member(Role.COORDINATOR))
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", closed_port())
    response = client.post("/seine-saint-denis/equipe/inviter", data=INVITE)
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert "il sera renvoyé automatiquement" in page.text
    invitation = db.session.scalar(select(Invitation))
    assert invitation.email == INVITE["email"]
    queued = db.session.scalar(select(OutgoingMail))
    assert queued.sent_at is None and queued.attempts == 1 and "Refused" in queued.last_error

    # The transport is back: the retry command sends it, once.
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    result = app.test_cli_runner().invoke(args=["mail", "retry"])
    assert result.exit_code == 0, result.output
    assert "1 courriel(s) envoyé(s), 0 toujours en attente." in result.output
    [sent] = outbox_messages(app)
    assert sent["to"] == INVITE["email"] and "/invitations/" in sent["body"]
    db.session.expire_all()
    row = db.session.get(OutgoingMail, queued.id)
    assert row.sent_at is not None and row.body == ""  # links are not kept once sent
    assert app.test_cli_runner().invoke(args=["mail", "retry"]).output.startswith("0 courriel")
    assert len(outbox_messages(app)) == 1


def test_a_command_unit_of_work_is_all_or_nothing(app):
    with pytest.raises(RuntimeError), unit_of_work():
        db.session.add(User(email="a@exemple.fr", first_name="A", last_name="B"))
        mail.queue("a@exemple.fr", "Objet", "Corps")
        db.session.flush()
        raise RuntimeError("midway")
    assert db.session.scalar(select(User)) is None
    assert db.session.scalar(select(OutgoingMail)) is None
    with unit_of_work():
        mail.queue("b@exemple.fr", "Objet", "Corps")
    assert [m["to"] for m in outbox_messages(app)] == ["b@exemple.fr"]


def test_durable_audit_entries_survive_the_rollback_of_a_failed_request(app):
    from app.core import audit
    from app.core.models import AuditEntry
    from app.core.transaction import finish_request

    with app.test_request_context("/"):
        audit.record(None, "refused", "notebook", 7, durable=True)
        audit.record(None, "viewed", "notebook", 7)
        mail.queue("x@exemple.fr", "Objet", "Corps")
        finish_request(app.response_class(status=404))
    entries = db.session.scalars(select(AuditEntry)).all()
    assert [(e.action, e.object_id) for e in entries] == [("refused", 7)]
    assert db.session.scalar(select(OutgoingMail)) is None
    assert outbox_messages(app) == []
