"""ProConnect (OpenID Connect) for professionals, with authlib's Flask client.

On when PROCONNECT_ISSUER, PROCONNECT_CLIENT_ID and PROCONNECT_CLIENT_SECRET are set. As
ProConnect behaves: discovery at `<issuer>/.well-known/openid-configuration`, authorization code
flow with a state and a nonce of 43 characters (ProConnect wants at least 32) kept in the
session, PKCE (S256) when the provider advertises it, the client secret sent in the body
(`client_secret_post`), the ID token's signature (JWKS), issuer, audience, expiry and nonce checked
by authlib, then a userinfo answered as a signed JWT (`application/jwt`) verified here against the
same JWKS; logout through the provider's `end_session_endpoint` with `id_token_hint` and a state.

This module talks to the provider and to the browser's session (authlib keeps the pending state
there); deciding which account an identity opens is `services.py`'s work.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import FlaskIntegration, FlaskOAuth2App
from flask import current_app
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from app.core.urls import external_url

NAME = "proconnect"
ID_TOKEN = "proconnect_id_token"  # noqa: S105 (a session key: the ID token for the logout)
TIMEOUT = 10  # seconds for each call to the provider
# Asymmetric signatures only: a userinfo is verified with the provider's published keys.
USERINFO_ALGORITHMS = ("RS256", "ES256", "PS256")

# Everything the provider or the network can answer wrongly: the login is refused, never a 500.
FAILURES = (AuthlibBaseError, JoseError, requests.RequestException, ValueError, KeyError, TypeError)


class RefusedError(Exception):
    """The provider's answer cannot open a session (bad state, nonce, signature, claims…)."""


@dataclass(frozen=True)
class Identity:
    sub: str
    email: str | None  # only when the provider asserts it (present and not marked unverified)
    given_name: str
    usual_name: str
    siret: str | None
    id_token: str


def enabled() -> bool:
    config = current_app.config
    return all(
        config.get(key)
        for key in ("PROCONNECT_ISSUER", "PROCONNECT_CLIENT_ID", "PROCONNECT_CLIENT_SECRET")
    )


def issuer_origin() -> str | None:
    """The provider's origin (forms that redirect there must be allowed by the CSP)."""
    if not enabled():
        return None
    parts = urlsplit(current_app.config["PROCONNECT_ISSUER"])
    return f"{parts.scheme}://{parts.netloc}"


def client() -> FlaskOAuth2App:
    """The authlib client of the current configuration (its discovery and keys are cached)."""
    config = current_app.config
    key = (
        config["PROCONNECT_ISSUER"],
        config["PROCONNECT_CLIENT_ID"],
        config["PROCONNECT_CLIENT_SECRET"],
        config["PROCONNECT_SCOPE"],
    )
    clients = current_app.extensions.setdefault(NAME, {})
    if key not in clients:
        issuer, client_id, client_secret, scope = key
        clients[key] = FlaskOAuth2App(
            FlaskIntegration(NAME),
            NAME,
            client_id=client_id,
            client_secret=client_secret,
            server_metadata_url=issuer + "/.well-known/openid-configuration",
            client_kwargs={
                "scope": scope,
                "token_endpoint_auth_method": "client_secret_post",
                "default_timeout": TIMEOUT,
                # ProConnect's access tokens live 60 s: authlib's default leeway (60 s) would
                # hold them expired before the userinfo call.
                "leeway": 5,
            },
        )
    oauth = clients[key]
    if "_loaded_at" not in oauth.server_metadata:
        metadata = oauth.load_server_metadata()
        if metadata.get("issuer", "").rstrip("/") != key[0]:
            oauth.server_metadata.clear()  # fetched again next time
            raise RefusedError("discovery names another issuer")
        if "S256" in (metadata.get("code_challenge_methods_supported") or ()):
            oauth.client_kwargs["code_challenge_method"] = "S256"
    return oauth


def authorize_redirect(redirect_uri: str):
    """The redirection to the provider; the state, nonce and PKCE verifier wait in the session."""
    params = {"state": secrets.token_urlsafe(32), "nonce": secrets.token_urlsafe(32)}
    if acr := current_app.config.get("PROCONNECT_ACR_VALUES"):
        params["acr_values"] = acr
    response = client().authorize_redirect(redirect_uri, **params)
    response.status_code = 303
    return response


def complete_login() -> Identity:
    """Check the provider's answer to the current request and return who logged in.

    Raises `RefusedError` when anything does not hold: state, code, ID token (signature, issuer,
    audience, expiry, nonce), the signed userinfo and its subject.
    """
    try:
        oauth = client()
        token = oauth.authorize_access_token()
        id_claims = token.get("userinfo")
        if not id_claims or not token.get("id_token"):
            raise RefusedError("no ID token")
        claims = _signed_userinfo(oauth, token)
    except FAILURES as error:
        raise RefusedError(f"{type(error).__name__}: {error}") from error
    sub = claims.get("sub")
    if sub != id_claims.get("sub") or not isinstance(sub, str) or not 0 < len(sub) <= 255:
        raise RefusedError("userinfo names another subject")
    email = claims.get("email")
    asserted = isinstance(email, str) and "@" in email and claims.get("email_verified") is not False
    return Identity(
        sub=claims["sub"],
        email=email.strip().lower() if asserted else None,
        given_name=str(claims.get("given_name") or ""),
        usual_name=str(claims.get("usual_name") or ""),
        siret=str(claims["siret"]) if claims.get("siret") else None,
        id_token=token["id_token"],
    )


def _signed_userinfo(oauth: FlaskOAuth2App, token: dict) -> dict:
    """The userinfo claims, from a JWT signed by one of the provider's keys."""
    metadata = oauth.load_server_metadata()
    response = oauth.get(metadata["userinfo_endpoint"], token=token)
    response.raise_for_status()
    if response.headers.get("Content-Type", "").split(";")[0].strip() != "application/jwt":
        raise RefusedError("userinfo is not a signed JWT")
    advertised = metadata.get("userinfo_signing_alg_values_supported") or USERINFO_ALGORITHMS
    algorithms = [alg for alg in advertised if alg in USERINFO_ALGORITHMS]
    try:
        decoded = jwt.decode(
            response.text, KeySet.import_key_set(oauth.fetch_jwk_set()), algorithms
        )
    except InvalidKeyIdError:  # the provider rotated its keys: fetch them once again
        keys = KeySet.import_key_set(oauth.fetch_jwk_set(force=True))
        decoded = jwt.decode(response.text, keys, algorithms)
    claims = dict(decoded.claims)
    jwt.JWTClaimsRegistry(leeway=120).validate(claims)  # exp, nbf, iat when present
    if "iss" in claims and claims["iss"].rstrip("/") != current_app.config["PROCONNECT_ISSUER"]:
        raise RefusedError("userinfo from another issuer")
    if "aud" in claims:
        audience = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if current_app.config["PROCONNECT_CLIENT_ID"] not in audience:
            raise RefusedError("userinfo for another client")
    return claims


def logout_redirect(id_token: str):
    """The redirection to the provider's end of session, back to the portal afterwards."""
    response = client().logout_redirect(
        post_logout_redirect_uri=external_url("accounts.proconnect_logged_out"),
        id_token_hint=id_token,
        state=secrets.token_urlsafe(32),
    )
    response.status_code = 303
    return response


def logout_returned() -> bool:
    """Whether the provider's return after logout carries the state this browser sent."""
    try:
        client().validate_logout_response()
    except FAILURES:
        return False
    return True
