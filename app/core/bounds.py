"""Bounded work for any input: every value from a URL, a form, a query string or a JSON body is
checked against sane bounds before it reaches the database.

- Integers in URLs (`<int:…>`) and from `request.args/form.get(..., type=int)` stay within
  PostgreSQL's `integer` (2^31 - 1): beyond it, a URL is a 404 and a query value is ignored.
- Text is Unicode without NUL (PostgreSQL refuses NUL in strings): a NUL in the path, the query
  string or a form answers 400, with a French message.
- JSON bodies: at most `MAX_JSON_BYTES`, nested at most `MAX_JSON_DEPTH` deep, strings without
  lone surrogates or NUL; otherwise 413 or 422.
- Every form field of `BaseForm` checks its value once parsed: dates between `MIN_DATE` and
  `MAX_DATE`, integers within the bounds above (see `bounded_value`).

`init_app(app)` wires all of it; it must run before the blueprints are registered (the URL
converter is read when each route is added).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import Flask, Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import HTTPException, SecurityError
from werkzeug.routing import IntegerConverter
from wtforms.validators import StopValidation

MAX_INT = 2**31 - 1  # PostgreSQL `integer`, the type of every id
MIN_INT = -MAX_INT
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2100, 12, 31)
MAX_JSON_BYTES = 256 * 1024
MAX_JSON_DEPTH = 20


class RefusedInput(HTTPException):
    """A value outside the bounds: answered with `code` and a French message."""

    def __init__(self, code: int, title: str, message: str):
        super().__init__(description=message)
        self.code = code
        self.title = title


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` that stops at 2^31 - 1: a larger id cannot exist, the URL is a 404."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_INT)
        super().__init__(map, *args, **kwargs)


def bounded_int(value) -> int:
    """`int(value)` within [MIN_INT, MAX_INT]; a ValueError otherwise (as `int` raises)."""
    text = str(value).strip()
    if len(text) > 11:  # also spares int() the cost of parsing thousands of digits
        raise ValueError("integer out of bounds")
    number = int(text)
    if not MIN_INT <= number <= MAX_INT:
        raise ValueError("integer out of bounds")
    return number


class BoundedArgs(ImmutableMultiDict):
    """`.get(key, default, type=int)` ignores (returns the default for) an integer beyond bounds."""

    def get(self, key, default=None, type=None):  # noqa: A002 (werkzeug's signature)
        return super().get(key, default, bounded_int if type is int else type)


def _refused_text():
    return RefusedInput(
        400,
        "Requête invalide",
        "La demande contient un caractère interdit (caractère nul). Corrigez la saisie et "
        "réessayez.",
    )


def _json_depth_exceeds(data: bytes, limit: int) -> bool:
    """Whether brackets nest deeper than `limit` (outside strings), without parsing."""
    depth, in_string, escaped = 0, False, False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


def _bad_text(value: str) -> bool:
    if "\x00" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate ("\ud800" in JSON)
        return True
    return False


def _walk_strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _walk_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk_strings(item)


class BoundedRequest(Request):
    parameter_storage_class = BoundedArgs

    def get_json(self, force=False, silent=False, cache=True):
        if force or self.is_json:
            length = self.content_length
            if length is not None and length > MAX_JSON_BYTES:
                raise RefusedInput(
                    413,
                    "Corps de requête trop volumineux",
                    f"Le corps JSON ne peut pas dépasser {MAX_JSON_BYTES // 1024} Ko.",
                )
            data = self.get_data(cache=True)
            if len(data) > MAX_JSON_BYTES:
                raise RefusedInput(
                    413,
                    "Corps de requête trop volumineux",
                    f"Le corps JSON ne peut pas dépasser {MAX_JSON_BYTES // 1024} Ko.",
                )
            if _json_depth_exceeds(data, MAX_JSON_DEPTH):
                raise RefusedInput(
                    422,
                    "Données invalides",
                    f"Le corps JSON est imbriqué trop profondément ({MAX_JSON_DEPTH} niveaux "
                    "au plus).",
                )
        value = super().get_json(force=force, silent=silent, cache=cache)
        if any(_bad_text(text) for text in _walk_strings(value)):
            raise RefusedInput(
                422,
                "Données invalides",
                "Le corps JSON contient un texte invalide (caractère nul ou caractère Unicode "
                "isolé).",
            )
        return value


def refuse_nul(endpoint, values):
    """App-wide url_value_preprocessor (runs before any lookup): no NUL in the request's text."""
    from flask import request

    if "\x00" in request.path:
        raise _refused_text()
    for source in (request.args, request.form):
        for key, items in source.lists():
            if "\x00" in key or any("\x00" in item for item in items):
                raise _refused_text()


def bounded_value(form, field):
    """Every BaseForm field, once parsed: dates and integers within bounds, text without NUL."""
    data = field.data
    if isinstance(data, datetime):
        data = data.date()
    if isinstance(data, date):
        if not MIN_DATE <= data <= MAX_DATE:
            raise StopValidation(
                f"Saisissez une date entre {MIN_DATE:%d/%m/%Y} et {MAX_DATE:%d/%m/%Y}."
            )
    elif isinstance(data, bool):
        return
    elif isinstance(data, int | Decimal | float):
        if not MIN_INT <= data <= MAX_INT:
            raise StopValidation("Saisissez un nombre plus petit.")
    elif isinstance(data, str) and _bad_text(data):
        raise StopValidation("Ce champ contient un caractère interdit.")


def bind_field(meta, form, unbound_field, options):
    """WTForms `Meta.bind_field` for BaseForm: `bounded_value` first in every field's chain."""
    field = unbound_field.bind(form=form, **options)
    field.validators = [bounded_value, *field.validators]
    return field


def init_app(app: Flask) -> None:
    from app.core.errors import render_error

    app.url_map.converters["int"] = BoundedIntConverter
    app.request_class = BoundedRequest
    app.url_value_preprocessor(refuse_nul)
    app.register_error_handler(
        RefusedInput, lambda error: render_error(error.code, error.title, error.description)
    )
    app.register_error_handler(SecurityError, untrusted_host)


def untrusted_host(error):
    """A Host header outside TRUSTED_HOSTS: no URL can be built, so no page is rendered."""
    return (
        "Requête invalide : hôte non reconnu.",
        400,
        {"Content-Type": "text/plain; charset=utf-8"},
    )
