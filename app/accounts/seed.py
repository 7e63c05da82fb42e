"""Fictional demo accounts for every role, in every territory. Only on demand (`flask seed demo`)."""

from __future__ import annotations

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from app.accounts.models import User
from app.accounts.roles import Role
from app.accounts.services import grant, user_by_email
from app.core.scoping import bound_to
from app.extensions import db
from app.tenancy.models import Structure, Territory

DEMO_PASSWORD = "Demo-SPIE-2026!"
DOMAIN = "demo.spie.beta.gouv.fr"

# (role, first name, last name, structure kind or None) per territory
TERRITORIAL_PEOPLE = [
    (Role.COORDINATOR, "Claire", "Martin", "conseil_departemental"),
    (Role.PROFESSIONAL, "Karim", "Benali", "france_travail"),
    (Role.STRUCTURE_ADMIN, "Sophie", "Lefèvre", "association"),
    (Role.BENEFICIARY, "Julien", "Moreau", None),
]
NATIONAL_PEOPLE = [
    (Role.ADMIN, "Nadia", "Roussel"),
    (Role.REVA_ACCOMPAGNATEUR, "Thomas", "Girard"),
    (Role.CERTIFIER, "Hélène", "Dubois"),
    (Role.FINANCE_DELEGANT, "Marc", "Petit"),
    (Role.FINANCE_DELEGATAIRE, "Isabelle", "Fontaine"),
    (Role.FINANCE_DINUM, "Paul", "Chevalier"),
    (Role.FINANCE_AUDITOR, "Anne", "Lambert"),
]
STRUCTURES = {
    "conseil_departemental": "Conseil départemental — {name}",
    "france_travail": "France Travail — agence de {name}",
    "association": "Association Tremplin {name}",
}


def _user(email: str, first_name: str, last_name: str, password_hash: str) -> User:
    user = user_by_email(email)
    if user is None:
        user = User(email=email, first_name=first_name, last_name=last_name)
        db.session.add(user)
    user.password_hash = password_hash
    return user


def load_demo() -> list[dict]:
    """Create (or refresh) demo users; return their logins."""
    logins = []
    # One scrypt computation for all demo accounts (same demo password; salted once).
    password_hash = generate_password_hash(DEMO_PASSWORD, method="scrypt")
    territories = db.session.scalars(select(Territory).order_by(Territory.id)).all()
    if not territories:
        raise RuntimeError("Chargez d'abord les données de référence : flask seed reference")
    for territory in territories:
        with bound_to(territory.id):
            for role, first, last, kind in TERRITORIAL_PEOPLE:
                structure = None
                if kind:
                    name = STRUCTURES[kind].format(name=territory.name)
                    structure = db.session.scalar(select(Structure).where(Structure.name == name))
                    if structure is None:
                        structure = Structure(name=name, kind=kind)
                        db.session.add(structure)
                        db.session.flush()
                email = f"{role.value.replace('_', '-')}.{territory.department_code}@{DOMAIN}"
                user = _user(email, first, last, password_hash)
                grant(user, territory, role, structure)
                logins.append(_login(user, role, territory.slug))
    for role, first, last in NATIONAL_PEOPLE:
        email = f"{role.value.replace('_', '-')}@{DOMAIN}"
        user = _user(email, first, last, password_hash)
        grant(user, None, role)
        logins.append(_login(user, role, None))
    db.session.commit()
    return logins


def _login(user: User, role: Role, territory: str | None) -> dict:
    return {
        "email": user.email,
        "password": DEMO_PASSWORD,
        "role": role.value,
        "territory": territory,
    }
