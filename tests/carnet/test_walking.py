"""Walking notebook ids reveals no one: every notebook URL, tried for each id in turn (and for ids
that do not exist yet), answers the same to a professional who does not support the person and to
a person who is not them, shows no name, and every attempt is in the audit log."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.accounts.roles import Role
from app.core import grants
from app.core.models import AuditEntry
from app.extensions import db
from tests.carnet.factories import NotebookFactory, add_barrier, add_member
from tests.core.test_access import concrete_url
from tests.factories import member

SSD = "/seine-saint-denis/carnet"


def notebook_rules(app):
    """The pages reaching one notebook (the token-guarded API is tested in test_api.py)."""
    return [
        r
        for r in app.url_map.iter_rules()
        if "notebook_id" in r.arguments and r.endpoint.startswith("carnet.")
    ]


def test_every_notebook_endpoint_loads_its_notebook_through_the_rule(app):
    missing = [
        r.endpoint
        for r in notebook_rules(app)
        if not hasattr(app.view_functions[r.endpoint], "object_rule")
    ]
    assert notebook_rules(app) and missing == []


@pytest.mark.parametrize("walker_role", [Role.PROFESSIONAL, Role.BENEFICIARY])
def test_walking_notebook_ids_reveals_no_one(app, client, login_as, walker_role):
    others = [
        NotebookFactory(beneficiary__last_name=f"Secret{i}", beneficiary__commune="Bobigny")
        for i in range(3)
    ]
    supporter = member(Role.PROFESSIONAL)
    for notebook in others:
        add_member(notebook, supporter)
        add_barrier(notebook, situation="Dettes de loyer")
    walker = member(walker_role)
    own = NotebookFactory(beneficiary__last_name="Moi")
    if walker_role == Role.BENEFICIARY:
        own.beneficiary.user_id = walker.id
    else:
        add_member(own, walker)
    db.session.commit()
    login_as(walker)

    ids = [n.id for n in others] + [own.id + 100, own.id + 101]  # and ids not created yet
    checked = 0
    for rule in notebook_rules(app):
        method = "GET" if "GET" in rule.methods else "POST"
        statuses = set()
        for notebook_id in ids:
            url = re.sub(r"/carnets/1(?=/|$)", f"/carnets/{notebook_id}", concrete_url(rule))
            url = url.replace("/coordination/carnets/1/", f"/coordination/carnets/{notebook_id}/")
            response = client.open(url, method=method)
            statuses.add(response.status_code)
            for secret in ("Secret", "Bobigny", "Dettes de loyer"):
                assert secret not in response.text, (rule.rule, notebook_id)
            checked += 1
        # Existing and future ids answer alike: a 404, or a 403 that their role gets anywhere.
        assert len(statuses) == 1 and statuses <= {403, 404}, (rule.rule, statuses)
    assert checked >= 20 * len(ids)

    refused = db.session.scalars(
        select(AuditEntry).where(AuditEntry.actor_id == walker.id, AuditEntry.action == "refused")
    ).all()
    assert {e.object_id for e in refused} >= {n.id for n in others}
    # An id that does not exist yet is logged without a record: it will never land in the log
    # of the person who gets that id later.
    assert None in {e.object_id for e in refused}
    assert not {own.id + 100, own.id + 101} & {e.object_id for e in refused}


def test_a_grant_reaches_one_notebook_for_one_professional(app, client, login_as):
    notebook = NotebookFactory(beneficiary__last_name="Trouvé")
    pro, colleague = member(Role.PROFESSIONAL), member(Role.PROFESSIONAL)
    login_as(colleague)
    with app.test_request_context():
        theirs = grants.issue(pro, "join-notebook", notebook.id)
        other_purpose = grants.issue(colleague, "something-else", notebook.id)
    # Another professional's grant, a forged one or one for another purpose: nothing.
    for token in (theirs, other_purpose, "forged"):
        response = client.get(f"{SSD}/carnets/acces/{token}")
        assert response.status_code == 404 and "Trouvé" not in response.text
    with app.test_request_context():
        mine = grants.issue(colleague, "join-notebook", notebook.id)
    assert "Trouvé" in client.get(f"{SSD}/carnets/acces/{mine}").text
