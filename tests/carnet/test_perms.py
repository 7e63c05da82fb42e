"""Each rule of perms.py against its list query in queries.py, on the whole table
role × consent state × membership × territory: the expected access is written here from the
rules' wording, and the predicate (one record) and the query (lists) must both give it."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.accounts.roles import Role
from app.accounts.services import grant
from app.carnet import perms, queries
from app.carnet.models import (
    Barrier,
    BarrierTheme,
    Beneficiary,
    Consent,
    ConsentStatus,
    Notebook,
    NotebookMember,
    Visibility,
)
from app.carnet.perms import Access
from app.core.models import utcnow
from app.core.scoping import bound_to
from app.extensions import db
from tests.factories import StructureFactory, UserFactory, territory

ROLES = (Role.PROFESSIONAL, Role.COORDINATOR, Role.BENEFICIARY)
CONSENTS = (
    "none",
    "requested",
    "granted",
    "expired",
    "revoked",
    "refused",
    "structure",  # shared with the whole structure the user supports the person for
    "structure_revoked",
    "other_structure",
)
MEMBERSHIPS = ("owner", "referent", "member", "former", "none")
TERRITORIES = ("home", "other")


def covered(consent: str) -> bool:
    return consent in ("granted", "structure")


def expected_access(role, consent, membership, where) -> Access:
    """The rule, as the README states it."""
    if membership == "owner":
        return Access.FULL
    if where == "other":  # no role there: nothing, whatever rows exist
        return Access.NONE
    if role == Role.PROFESSIONAL and membership in ("referent", "member"):
        return Access.FULL if covered(consent) else Access.IDENTITY
    if role == Role.COORDINATOR:
        return Access.IDENTITY
    return Access.NONE


def expected_join(role, consent, membership, where) -> bool:
    if where == "other" or role != Role.PROFESSIONAL or consent == "requested":
        return False
    return expected_access(role, consent, membership, where) != Access.FULL


def _consent(notebook, user, structure, other_structure, state):
    now = utcnow()
    if state == "none":
        return
    personal = {
        "requested": (ConsentStatus.REQUESTED, None),
        "granted": (ConsentStatus.GRANTED, now + timedelta(days=30)),
        "expired": (ConsentStatus.GRANTED, now - timedelta(days=1)),
        "revoked": (ConsentStatus.REVOKED, now + timedelta(days=30)),
        "refused": (ConsentStatus.REFUSED, None),
    }
    if state in personal:
        status, expires = personal[state]
        user_id, structure_id = user.id, structure.id
    else:
        status = ConsentStatus.REVOKED if state == "structure_revoked" else ConsentStatus.GRANTED
        expires = now + timedelta(days=30)
        user_id = None
        structure_id = other_structure.id if state == "other_structure" else structure.id
    db.session.add(
        Consent(
            notebook=notebook,
            territory_id=notebook.territory_id,
            user_id=user_id,
            structure_id=structure_id,
            status=status,
            decided_at=now,
            expires_at=expires,
        )
    )


@pytest.fixture(params=ROLES, ids=lambda r: r.value)
def table(request):
    """One user holding `role` in Seine-Saint-Denis (only there), and one notebook per
    (consent state, membership, territory), each with a detailed and a summary-only barrier."""
    role = request.param
    home, other = territory("seine-saint-denis"), territory("loire-atlantique")
    structure = StructureFactory(territory_id=home.id)
    other_structure = StructureFactory(territory_id=home.id)
    user = UserFactory(roles=[])
    grant(user, home, role, structure if role == Role.PROFESSIONAL else None)
    db.session.commit()
    cases = {}
    for n, (consent, membership, where) in enumerate(
        itertools.product(CONSENTS, MEMBERSHIPS, TERRITORIES)
    ):
        t = home if where == "home" else other
        if membership == "owner" and where == "other":
            continue  # a person always holds their role where their notebook is
        beneficiary = Beneficiary(
            territory_id=t.id,
            first_name="Prénom",
            last_name=f"Cas{n}",
            birth_date=date(1980, 1, 1) + timedelta(days=n),
            user_id=user.id if membership == "owner" else None,
        )
        notebook = Notebook(territory_id=t.id, beneficiary=beneficiary)
        db.session.add(notebook)
        if membership in ("referent", "member", "former"):
            db.session.add(
                NotebookMember(
                    notebook=notebook,
                    territory_id=t.id,
                    user_id=user.id,
                    structure_id=structure.id,
                    is_referent=membership == "referent",
                    active=membership != "former",
                )
            )
        _consent(notebook, user, structure, other_structure, consent)
        for visibility in (Visibility.DETAIL, Visibility.SUMMARY):
            db.session.add(
                Barrier(
                    notebook=notebook,
                    territory_id=t.id,
                    theme=BarrierTheme.HEALTH,
                    situation="détail",
                    visibility=visibility,
                )
            )
        cases[(consent, membership, where)] = notebook
    db.session.commit()
    ids = {key: nb.id for key, nb in cases.items()}
    db.session.expunge_all()
    return role, db.session.get(type(user), user.id), ids


def _ids(stmt) -> set[int]:
    return set(db.session.scalars(stmt.with_only_columns(Notebook.id)))


def _evaluate(role, user, ids):
    """For each case: (predicates' answers, queries' answers) bound to the notebook's territory."""
    results = {}
    for where in TERRITORIES:
        t = territory("seine-saint-denis" if where == "home" else "loire-atlantique")
        with bound_to(t.id):
            visible = _ids(queries.notebooks_visible_to(user))
            listed = _ids(queries.notebooks_listed_for(user))
            noted = _ids(queries.notebooks_noted_by(user))
            joinable = _ids(queries.notebooks_joinable_by(user))
            detailed = set(db.session.scalars(queries.barriers_detailed_for(user)))
            covered_members = {
                m.notebook_id
                for m in db.session.scalars(
                    select(NotebookMember).where(
                        NotebookMember.user_id == user.id,
                        NotebookMember.active.is_(True),
                        queries.covering_consent_clause(),
                    )
                )
            }
            for key, notebook_id in ids.items():
                if key[2] != where:
                    continue
                notebook = queries.notebook_or_none(notebook_id)
                level = perms.access_level(user, notebook, t)
                results[key] = {
                    "predicate": (
                        level,
                        perms.can_write_professional_notes(user, notebook, t),
                        perms.can_request_to_join(user, notebook, t),
                        perms.has_valid_consent(user, notebook),
                        {
                            b.id
                            for b in notebook.barriers
                            if level == Access.FULL
                            and perms.can_see_barrier_detail(user, notebook, b)
                        },
                    ),
                    "query": (
                        Access.FULL
                        if notebook_id in visible
                        else Access.IDENTITY
                        if notebook_id in listed
                        else Access.NONE,
                        notebook_id in noted,
                        notebook_id in joinable,
                        notebook_id in covered_members,
                        {b.id for b in detailed if b.notebook_id == notebook_id},
                    ),
                    "barriers": {b.visibility: b.id for b in notebook.barriers},
                }
    return results


def test_each_rule_and_its_list_query_agree_on_the_whole_table(table):
    role, user, ids = table
    results = _evaluate(role, user, ids)
    disagreements = []
    for key, result in results.items():
        consent, membership, where = key
        access = expected_access(role, *key)
        detail = set()
        if access == Access.FULL:
            detail.add(result["barriers"][Visibility.DETAIL])
            if membership in ("owner", "referent"):
                detail.add(result["barriers"][Visibility.SUMMARY])
        expected = (
            access,
            access == Access.FULL and membership != "owner",
            expected_join(role, *key),
            # Consent coverage is about an active supporter's row, whatever else they hold.
            membership in ("referent", "member") and covered(consent),
            detail,
        )
        if result["predicate"] != expected or result["query"] != expected:
            disagreements.append((key, expected, result["predicate"], result["query"]))
    assert disagreements == []
    assert len(results) == len(CONSENTS) * (len(MEMBERSHIPS) * 2 - 1)
