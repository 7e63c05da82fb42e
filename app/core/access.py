"""Access rules, deny by default.

Every endpoint declares who may reach it, with one of the decorators below or with a baseline
set on its blueprint (`blueprint_baseline`). `check_request_access`, run before every request,
refuses any endpoint that declares nothing: a forgotten guard fails closed.

Inside a territory (`g.territory` set from the URL), a user without a membership there gets a
404 (the territory's records do not exist for them); a member without the required role, a 403.
"""

from __future__ import annotations

import functools
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
        if not held:  # a national space does not exist for someone with no national role
            abort(404)
    elif territory is not None:
        held = current_user.roles_in(territory)
    else:
        held = current_user.all_roles()
    if not (held & rule.roles):
        abort(403)
    return None


def object_view(
    param: str,
    *,
    object_type: str,
    load,
    decide,
    roles: frozenset | None = None,
    describe: str = "",
):
    """One decorator per kind of object, for every service: it declares the endpoint's rule
    (`roles`, or any member of the territory), loads the object named by the URL's `param`
    through `load(id)`, and asks `decide(obj)` for a status: 200 (go on), 404 (the user may not
    list it: it does not exist for them) or 403 (they may list it, or see part of it, but not do
    this). Every refusal is audited, durably (the entry survives the request's rollback). The
    view receives the object instead of its id.

    `load` returns None for an id that does not exist (in the bound territory): a 404, audited
    without naming a record, so that probing future ids never lands in someone's log.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapper(**kwargs):
            from app.core import audit

            object_id = kwargs.pop(param)
            obj = load(object_id)
            status = 404 if obj is None else decide(obj)
            if status != 200:
                audit.record(
                    current_user,
                    "refused",
                    object_type,
                    getattr(obj, "id", None),
                    f"{request.method} {request.endpoint}"
                    + ("" if obj is not None else " (introuvable)"),
                    durable=True,
                )
                abort(status)
            return view(obj, **kwargs)

        wrapper.object_rule = f"{object_type}: {describe}"
        return _attach(Rule(roles=roles))(wrapper)

    return decorator
