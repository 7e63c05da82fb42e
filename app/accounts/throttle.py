"""Throttling of login attempts that protects accounts and cannot be turned against their owners.

Every attempt counts (password, login-link request, login-link use, invitation), per IP and per
address, in Flask-Limiter's storage (memory, or Redis shared by every process when configured).
Past a free allowance, each attempt must wait a delay that doubles with the attempts (2 s, 4 s,
… up to 15 minutes): earlier ones are answered 429 with `Retry-After`; no worker ever sleeps.

A lockout anyone could trigger on someone else's account is avoided with a device cookie: after a
successful login the browser keeps a signed, address-bound cookie; its attempts for that address
count against that device only, so an attacker hammering the address elsewhere does not shut its
owner out of their usual browser. Addresses are hashed in the keys: no personal data in Redis.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import time

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.extensions import limiter

WINDOW = 15 * 60  # seconds an attempt is remembered
MAX_DELAY = 15 * 60
# Defaults; THROTTLE_FREE_PER_IP / THROTTLE_FREE_PER_ADDRESS in the config override them. An
# agency's caseworkers share one IP in the morning: the per-IP allowance is generous.
FREE_PER_IP = 100
FREE_PER_ADDRESS = 5
DEVICE_COOKIE = "spie_appareil"
DEVICE_MAX_AGE = 90 * 24 * 3600


def _address_hash(address: str) -> str:
    normalized = (address or "").strip().lower()
    secret = current_app.config["SECRET_KEY"]
    return hashlib.blake2b(
        normalized.encode("utf-8", "replace"), key=secret.encode()[:64], digest_size=16
    ).hexdigest()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="device-cookie")


def _device_for(address: str) -> str | None:
    """The device id of this browser's cookie if it was issued for `address`."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        data = _serializer().loads(raw, max_age=DEVICE_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("a") != _address_hash(address):
        return None
    return str(data.get("d", ""))[:64] or None


def remember_device(response, address: str):
    """After a successful login: this browser's attempts for `address` count on their own."""
    value = _serializer().dumps({"a": _address_hash(address), "d": secrets.token_hex(16)})
    response.set_cookie(
        DEVICE_COOKIE,
        value,
        max_age=DEVICE_MAX_AGE,
        httponly=True,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        samesite="Lax",
    )
    return response


def _keys(address: str | None) -> list[tuple[str, int]]:
    config = current_app.config
    ip = request.remote_addr or "unknown"
    keys = [(f"ip:{ip}", config.get("THROTTLE_FREE_PER_IP", FREE_PER_IP))]
    if address is not None:
        device = _device_for(address)
        key = f"device:{device}" if device else f"address:{_address_hash(address)}"
        keys.append((key, config.get("THROTTLE_FREE_PER_ADDRESS", FREE_PER_ADDRESS)))
    return keys


def delay(attempts: int, free: int) -> int:
    """Seconds the attempt after the `attempts`-th must wait (0 within the free allowance)."""
    if attempts < free:
        return 0
    return min(2 ** (attempts - free + 1), MAX_DELAY)


def attempt(address: str | None = None) -> int:
    """Count one attempt (per IP, and per address or device); the seconds it must wait, or 0.

    Called before the attempt is examined, whatever its outcome: successes count too.
    """
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return 0
    storage = limiter.storage
    prefix = "throttle:" + current_app.config.get("RATELIMIT_KEY_PREFIX", "") + ":"
    keys = _keys(address)
    now = time.time()
    wait = 0.0
    for key, _free in keys:
        if storage.get(prefix + "block:" + key) > 0:
            wait = max(wait, storage.get_expiry(prefix + "block:" + key) - now)
    counts = [(key, free, storage.incr(prefix + "count:" + key, WINDOW)) for key, free in keys]
    if wait > 0:
        return max(1, math.ceil(wait))
    for key, free, count in counts:
        seconds = delay(count, free)
        if seconds:
            storage.incr(prefix + "block:" + key, seconds)
    return 0


def refused(seconds: int):
    """The 429 answer: a French page (or JSON) and `Retry-After`."""
    from flask import make_response

    from app.core.errors import render_error

    wait = f"{seconds} seconde{'s' if seconds > 1 else ''}"
    if seconds >= 120:
        wait = f"{math.ceil(seconds / 60)} minutes"
    response = make_response(
        render_error(
            429,
            "Trop de tentatives",
            f"Vous avez fait trop de tentatives en peu de temps. Patientez {wait} avant de "
            "réessayer, ou demandez un lien de connexion depuis votre navigateur habituel.",
        )
    )
    response.headers["Retry-After"] = str(seconds)
    return response
