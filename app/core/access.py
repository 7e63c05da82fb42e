"""Access rules, deny by default.

Every endpoint declares who may reach it, with one of the decorators below or with a baseline
set on its blueprint (`blueprint_baseline`). `check_request_access`, run before every request,
refuses any endpoint that declares nothing: a forgotten guard fails closed.

Inside a territory (`g.territory` set from the URL), a user without a membership there gets a
404 (the territory's records do not exist for them); a member without the required role, a 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, current_app, g, redirect, request, url_for
from flask_login import current_user


@dataclass(frozen=True)
class Rule:
    public: bool = False
    roles: frozenset | None = None  # None: any authenticated user
    national: bool = False  # roles are checked on national memberships
    debug_only: bool = False

    def describe(self) -> str:
        if self.public:
            return "public"
        if self.roles is None:
            return "authenticated"
        return ",".join(sorted(r.value for r in self.roles))


_blueprint_baselines: dict[str, Rule] = {}


def _attach(rule: Rule):
    def decorator(view):
        view.access_rule = rule
        return view

    return decorator


def public(view):
    """Anyone, logged in or not, may reach this endpoint."""
    return _attach(Rule(public=True))(view)


def authenticated(view):
    """Any logged-in user (inside a territory: any member of it)."""
    return _attach(Rule())(view)


def debug_only(view):
    """Exists only while the app runs in debug mode (a 404 otherwise), and even then only for a
    logged-in national admin: debug pages show live secrets (login links in the outbox)."""
    from app.accounts.roles import Role

    return _attach(Rule(roles=frozenset({Role.ADMIN}), national=True, debug_only=True))(view)


def roles(*allowed, national: bool = False):
    """Users holding one of `allowed` in the current territory (or nationally if `national`)."""
    return _attach(Rule(roles=frozenset(allowed), national=national))


def blueprint_baseline(blueprint, rule_decorator) -> None:
    """Set the rule applying to every endpoint of `blueprint` that declares none itself."""

    def probe():
        pass

    rule_decorator(probe)
    _blueprint_baselines[blueprint.name] = probe.access_rule


def rule_for(endpoint: str | None) -> Rule | None:
    if endpoint is None:
        return None
    view = current_app.view_functions.get(endpoint)
    rule = getattr(view, "access_rule", None)
    if rule is not None:
        return rule
    blueprint = endpoint.rpartition(".")[0]
    while blueprint:
        if blueprint in _blueprint_baselines:
            return _blueprint_baselines[blueprint]
        blueprint = blueprint.rpartition(".")[0]
    return None


def _refuse_anonymous():
    if request.headers.get("HX-Request") or request.path.startswith("/api/"):
        abort(401)
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


def check_request_access():
    """before_request: apply the endpoint's rule; refuse endpoints without one."""
    if request.endpoint is None:  # 404/405 raised by routing
        return None
    if request.endpoint == "static":
        return None
    rule = rule_for(request.endpoint)
    if rule is None:
        current_app.logger.error("endpoint %s declares no access rule: refused", request.endpoint)
        abort(403)
    if rule.debug_only and not current_app.debug:
        abort(404)
    territory = g.get("territory")
    if rule.public:
        return None
    if not current_user.is_authenticated:
        return _refuse_anonymous()
    if territory is not None and not current_user.is_member_of(territory):
        abort(404)
    if rule.roles is None:
        return None
    if rule.national:
        held = current_user.national_roles()
    elif territory is not None:
        held = current_user.roles_in(territory)
    else:
        held = current_user.all_roles()
    if not (held & rule.roles):
        abort(403)
    return None
