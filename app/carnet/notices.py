"""What the person (and their referent) are told when someone new may read their notebook
without their asking: a coordinator changing the referent, a new professional in a structure
they share their notebook with. Written to the notebook's history (what they read in it) and sent
by mail after the commit; the mail names who, never what the notebook holds."""

from __future__ import annotations

from flask import current_app

from app.accounts.roles import Role
from app.accounts.signals import role_given
from app.carnet import history, queries
from app.carnet.models import Notebook
from app.core import mail
from app.core.scoping import bound_to
from app.core.urls import external_url
from app.extensions import db
from app.tenancy.models import Structure, Territory


def _body(**values) -> str:
    # Without the pages' context processors: mail is also written by commands and jobs.
    return current_app.jinja_env.get_template("carnet/mail/notice.txt").render(**values)


SUBJECT = "Carnet de bord : une personne de plus peut lire votre carnet"


def _person_address(notebook: Notebook) -> tuple[str | None, str]:
    beneficiary = notebook.beneficiary
    if beneficiary.user is not None and beneficiary.user.is_active:
        return beneficiary.user.email, beneficiary.first_name
    return beneficiary.email, beneficiary.first_name


def tell_person(notebook: Notebook, text: str) -> None:
    """Mail `text` to the person whose notebook it is (their account, else their contact)."""
    address, name = _person_address(notebook)
    if not address:
        return
    territory = db.session.get(Territory, notebook.territory_id)
    link = external_url("carnet.mine", territory=territory.slug)
    body = _body(name=name, text=text, link=link)
    mail.queue(address, SUBJECT, body)


def tell_user(user, subject: str, text: str) -> None:
    body = _body(name=user.first_name, text=text, link=None)
    mail.queue(user.email, subject, body)


def referent_changed(coordinator, notebook: Notebook, new, previous) -> None:
    """The coordinator named `new` referent (who may read what only the referent reads): the
    person is told, and so is the referent being replaced."""
    replaced = f", à la place de {previous.user.full_name}" if previous else ""
    sentence = (
        f"{coordinator.full_name} (coordination) a désigné {new.user.full_name} comme "
        f"référent·e de votre carnet{replaced}. Le ou la référent·e lit aussi les freins que "
        "vous partagez « en résumé »."
    )
    history.record(
        coordinator, notebook, "member", "Référent désigné par la coordination", summary=sentence
    )
    tell_person(notebook, sentence)
    if previous is not None and previous.user_id != new.user_id:
        tell_user(
            previous.user,
            "Carnet de bord : vous n'êtes plus référent·e d'un carnet",
            f"{coordinator.full_name} (coordination) a désigné {new.user.full_name} comme "
            "référent·e d'un carnet dont vous étiez référent·e. La personne en est informée.",
        )


def joined_through_structure(professional, notebook: Notebook, structure) -> None:
    """A professional joined without asking, through the person's sharing with their structure."""
    tell_person(
        notebook,
        f"{professional.full_name} ({structure.name}) a rejoint votre carnet : vous le partagez "
        "avec toute cette structure.",
    )


@role_given.connect
def _new_member_of_a_shared_structure(membership, **_) -> None:
    """Someone now works in a structure people share their notebook with: each is told."""
    if membership.role != Role.PROFESSIONAL or not membership.structure_id:
        return
    user = membership.user
    with bound_to(membership.territory_id):
        structure = db.session.get(Structure, membership.structure_id)
        for notebook in queries.notebooks_shared_with_structure(structure.id):
            sentence = (
                f"{user.full_name} travaille désormais à {structure.name}, avec qui vous "
                "partagez votre carnet : il ou elle pourra le lire en le rejoignant."
            )
            history.record(
                None,
                notebook,
                "member",
                "Nouveau membre d'une structure avec qui le carnet est partagé",
                summary=sentence,
            )
            tell_person(notebook, sentence)
