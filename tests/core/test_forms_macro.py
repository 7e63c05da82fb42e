"""The forms macro writes plain fields itself (WTForms' widgets cost most of a form's rendering):
what it writes must be what WTForms writes, for every kind of field it takes, so the shortcut
changes nothing a user or a screen reader gets."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from flask import render_template_string
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from app.core.forms import BaseForm, NormalizedEmailField, choices, max_length, required


class Sample(BaseForm):
    class Meta:
        csrf = False

    name = StringField("Nom <b>", validators=[required(), max_length(80)])
    email = NormalizedEmailField("Courriel", validators=[Optional()])
    born = DateField("Né le", validators=[Optional()])
    note = TextAreaField("Note", validators=[max_length(500)])
    kind = SelectField(
        "Type",
        choices=choices([("", "—"), ('x<&"', 'L<&"é'), ("2", "Deux")]),
        validators=[required()],
    )
    level = SelectField("Niveau", choices=choices([("a", "A"), ("b", "B")]))


CALLS = (
    '{{ field(form.name, hint="Votre nom & prénom", autocomplete="family-name") }}',
    '{{ field(form.email, type="email", attrs={"inputmode": "email"}) }}',
    "{{ field(form.born) }}",
    '{{ field(form.note, attrs={"rows": 3}) }}',
    '{{ field(form.kind, hint="Choisissez") }}',
    "{{ field(form.level) }}",
)


class Markup(HTMLParser):
    """Tags with their attributes as a set, and the text between them, whitespace trimmed."""

    def __init__(self, html: str):
        super().__init__()
        self.items: list = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.items.append((tag, frozenset(attrs)))

    def handle_endtag(self, tag):
        self.items.append(("/" + tag,))

    def handle_data(self, data):
        if data.strip():
            self.items.append(data.strip())


def render(app, data, *, plain: bool) -> list[str]:
    """Each call rendered with the shortcut forced on or off (an imported macro keeps the
    globals it was compiled with: the template cache is emptied before and after)."""
    globals_ = app.jinja_env.globals
    original = globals_["plain_field"]
    globals_["plain_field"] = lambda f, attrs: plain
    app.jinja_env.cache.clear()
    try:
        with app.test_request_context():
            form = Sample(data=data)
            return [
                render_template_string(
                    '{% from "includes/forms.html" import field %}' + call, form=form
                )
                for call in CALLS
            ]
    finally:
        globals_["plain_field"] = original
        app.jinja_env.cache.clear()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"name": 'Zoé "la" <grande>', "email": "a@b.fr", "note": "ligne 1\nligne <2>", "kind": "2"},
        {"kind": 'x<&"', "level": "b"},
    ],
)
def test_the_macro_writes_plain_fields_as_wtforms_does(app, data):
    written = render(app, data, plain=True)
    widgets = render(app, data, plain=False)
    for ours, theirs in zip(written, widgets, strict=True):
        assert Markup(ours).items == Markup(theirs).items


def test_fields_the_shortcut_cannot_write_go_through_wtforms(app):
    from app.core.forms import is_plain

    with app.test_request_context():
        form = Sample(data={})
        assert is_plain(form.name, {}) and is_plain(form.kind, {"rows": 2})
        assert not is_plain(form.name, {"class": "autre"})  # an attribute the macro writes
        assert not is_plain(form.name, {"multiple": True})  # a boolean attribute
        form.name.errors = ["Ce champ est obligatoire."]
        assert not is_plain(form.name, {})  # errors: aria-invalid, messages
