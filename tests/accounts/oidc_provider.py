"""A small OpenID provider that behaves like ProConnect, served on 127.0.0.1 for the tests.

Discovery at `<issuer>/.well-known/openid-configuration`, JWKS, authorization code flow with
ProConnect's checks (known parameters only, state and nonce of 32 characters at least, the exact
redirect URI, the client secret in the body), PKCE (S256) when advertised, ID tokens and a userinfo
answered as a JWT (`application/jwt`) signed RS256, and an end-session endpoint that wants
`id_token_hint`, `state` and `post_logout_redirect_uri`. Each test sets the identity that logs
in next and, to prove the client refuses it, a defect (`wrong_nonce`, `rogue_userinfo_key`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from socketserver import ThreadingMixIn
from urllib.parse import urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from werkzeug.wrappers import Request, Response

CLIENT_ID = "portail-spie-test"
CLIENT_SECRET = "secret-du-portail-de-test"
KID = "proconnect-test-1"
AUTHORIZE_PARAMETERS = {
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "nonce",
    "acr_values",
    "claims",
    "prompt",
    "idp_hint",
    "login_hint",
    "code_challenge",
    "code_challenge_method",
}


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class Provider:
    def __init__(self):
        self.key = RSAKey.generate_key(2048, parameters={"kid": KID, "use": "sig"})
        # Another key under the same kid: what it signs must be refused.
        self.rogue_key = RSAKey.generate_key(2048, parameters={"kid": KID, "use": "sig"})
        self.server = make_server(
            "127.0.0.1", 0, self.wsgi, server_class=_Server, handler_class=_QuietHandler
        )
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.issuer = self.base + "/api/v2"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.reset()

    def reset(self, redirect_uris=(), post_logout_redirect_uris=()):
        self.redirect_uris = set(redirect_uris)
        self.post_logout_redirect_uris = set(post_logout_redirect_uris)
        self.advertise_pkce = True
        self.identity: dict = {}
        self.wrong_nonce = False
        self.rogue_userinfo_key = False
        self.codes: dict[str, dict] = {}
        self.access_tokens: dict[str, dict] = {}
        self.id_tokens: set[str] = set()
        self.authorizations: list[dict] = []
        self.token_requests: list[dict] = []
        self.logouts: list[dict] = []

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    # The provider's endpoints

    def wsgi(self, environ, start_response):
        request = Request(environ)
        routes = {
            "/api/v2/.well-known/openid-configuration": self.discovery,
            "/api/v2/jwks": self.jwks,
            "/api/v2/authorize": self.authorize,
            "/api/v2/token": self.token,
            "/api/v2/userinfo": self.userinfo,
            "/api/v2/session/end": self.end_session,
        }
        handler = routes.get(request.path)
        response = handler(request) if handler else self.error(404, "not_found")
        return response(environ, start_response)

    @staticmethod
    def error(status: int, error: str) -> Response:
        return Response(json.dumps({"error": error}), status, mimetype="application/json")

    def discovery(self, request) -> Response:
        metadata = {
            "issuer": self.issuer,
            "authorization_endpoint": self.issuer + "/authorize",
            "token_endpoint": self.issuer + "/token",
            "userinfo_endpoint": self.issuer + "/userinfo",
            "end_session_endpoint": self.issuer + "/session/end",
            "jwks_uri": self.issuer + "/jwks",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "scopes_supported": ["openid", "email", "given_name", "usual_name", "uid", "siret"],
            "acr_values_supported": ["eidas1", "eidas2", "eidas3"],
            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
            "userinfo_signing_alg_values_supported": ["RS256", "ES256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
        }
        if self.advertise_pkce:
            metadata["code_challenge_methods_supported"] = ["S256"]
        return Response(json.dumps(metadata), mimetype="application/json")

    def jwks(self, request) -> Response:
        keys = KeySet([self.key]).as_dict(private=False)
        return Response(json.dumps(keys), mimetype="application/json")

    def authorize(self, request) -> Response:
        params = request.args.to_dict()
        self.authorizations.append(params)
        unknown = set(params) - AUTHORIZE_PARAMETERS
        if unknown or params.get("client_id") != CLIENT_ID or params.get("response_type") != "code":
            return self.error(400, "invalid_request")
        if params.get("redirect_uri") not in self.redirect_uris:
            return self.error(400, "invalid_redirect_uri")
        if "openid" not in params.get("scope", "").split():
            return self.error(400, "invalid_scope")
        if len(params.get("state", "")) < 32 or len(params.get("nonce", "")) < 32:
            return self.error(400, "invalid_request")
        if self.advertise_pkce and params.get("code_challenge_method") != "S256":
            return self.error(400, "invalid_request")
        code = secrets.token_urlsafe(24)
        self.codes[code] = {
            "identity": dict(self.identity),
            "nonce": params["nonce"],
            "redirect_uri": params["redirect_uri"],
            "code_challenge": params.get("code_challenge"),
            "issued": time.time(),
        }
        query = urlencode({"code": code, "state": params["state"]})
        return Response(status=302, headers={"Location": f"{params['redirect_uri']}?{query}"})

    def token(self, request) -> Response:
        form = request.form.to_dict()
        self.token_requests.append(form)
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return self.error(401, "invalid_client")
        grant = self.codes.pop(form.get("code", ""), None)  # a code serves once
        if (
            grant is None
            or form.get("grant_type") != "authorization_code"
            or time.time() - grant["issued"] > 30
            or form.get("redirect_uri") != grant["redirect_uri"]
        ):
            return self.error(400, "invalid_grant")
        if grant["code_challenge"] is not None:
            verifier = form.get("code_verifier", "")
            digest = hashlib.sha256(verifier.encode()).digest()
            challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if challenge != grant["code_challenge"]:
                return self.error(400, "invalid_grant")
        now = int(time.time())
        identity = grant["identity"]
        id_token = self.sign(
            {
                "iss": self.issuer,
                "sub": identity["sub"],
                "aud": CLIENT_ID,
                "iat": now,
                "exp": now + 60,
                "auth_time": now,
                "acr": "eidas1",
                "amr": ["pwd"],
                "nonce": "x" * 43 if self.wrong_nonce else grant["nonce"],
            },
            self.key,
        )
        self.id_tokens.add(id_token)
        access_token = secrets.token_urlsafe(24)
        self.access_tokens[access_token] = identity
        body = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 60,
            "id_token": id_token,
        }
        return Response(json.dumps(body), mimetype="application/json")

    def userinfo(self, request) -> Response:
        scheme, _, access_token = request.headers.get("Authorization", "").partition(" ")
        identity = self.access_tokens.get(access_token) if scheme == "Bearer" else None
        if identity is None:
            return self.error(401, "invalid_token")
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 60, **identity}
        key = self.rogue_key if self.rogue_userinfo_key else self.key
        return Response(self.sign(claims, key), mimetype="application/jwt")

    def end_session(self, request) -> Response:
        params = request.args.to_dict()
        self.logouts.append(params)
        if (
            params.get("id_token_hint") not in self.id_tokens
            or len(params.get("state", "")) < 32
            or params.get("post_logout_redirect_uri") not in self.post_logout_redirect_uris
        ):
            return self.error(400, "invalid_request")
        query = urlencode({"state": params["state"]})
        target = f"{params['post_logout_redirect_uri']}?{query}"
        return Response(status=303, headers={"Location": target})

    @staticmethod
    def sign(claims: dict, key) -> str:
        return jwt.encode({"alg": "RS256", "kid": KID}, claims, key)
