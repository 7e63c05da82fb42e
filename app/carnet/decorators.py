"""The one decorator per kind of Carnet de bord object: views name the access they need, the
decorator loads the notebook through the rule (`perms.access_level`) and refuses the rest."""

from __future__ import annotations

from flask import g
from flask_login import current_user

from app.accounts.roles import Role
from app.carnet import perms, queries
from app.carnet.perms import Access
from app.core import access, grants

CARNET_ROLES = frozenset({Role.BENEFICIARY, Role.PROFESSIONAL, Role.COORDINATOR})
JOIN = "join-notebook"  # the purpose of the grant an exact-match search hands out


def _user():
    return current_user._get_current_object()


def owner(user, notebook, territory) -> bool:
    """Pages only the person may reach (sharing, access log, export, deletion)."""
    return perms.is_owner(user, notebook)


def _decide(need: Access, check, granted: bool = False):
    def decide(notebook) -> int:
        user = _user()
        level = perms.access_level(user, notebook, g.territory, granted=granted)
        if level == Access.NONE:
            return 404  # not listed for this user: it does not exist for them
        if level < need or (check is not None and not check(user, notebook, g.territory)):
            return 403  # listed (or partly seen), but not for this
        g.notebook_level = level
        return 200

    return decide


def notebook_view(need: Access, *, roles=CARNET_ROLES, check=None):
    """Endpoint of one notebook (`notebook_id` in the URL) needing `need`, and `check` if given:
    404 for a notebook the user may not list, 403 for one they may list but not act on."""
    describe = need.name + (f" + {check.__name__}" if check else "")
    return access.object_view(
        "notebook_id",
        object_type="notebook",
        load=queries.notebook_or_none,
        decide=_decide(need, check),
        roles=frozenset(roles),
        describe=describe,
    )


def _granted_notebook(token: str):
    notebook_id = grants.check(token, _user(), JOIN)
    return queries.notebook_or_none(notebook_id) if notebook_id is not None else None


def granted_notebook_view(*, roles=frozenset({Role.PROFESSIONAL, Role.COORDINATOR})):
    """Endpoint reached through an exact-match search's grant (`grant` in the URL) instead of a
    walkable id: a forged, expired or someone else's grant is a 404."""
    return access.object_view(
        "grant",
        object_type="notebook",
        load=_granted_notebook,
        decide=_decide(Access.IDENTITY, None, granted=True),
        roles=frozenset(roles),
        describe="IDENTITY through a search grant",
    )
