"""Tenant scoping: one ORM hook filters every query of territorial models."""

import pytest
from sqlalchemy import delete, func, select, update

from app.core.scoping import TerritoryMismatchError, bound_to
from app.extensions import db
from app.tenancy.models import Structure
from tests.factories import StructureFactory, territory


@pytest.fixture
def two_structures():
    ssd, la = territory("seine-saint-denis"), territory("loire-atlantique")
    mine = StructureFactory(name="Mission locale de Bondy", territory_id=ssd.id)
    theirs = StructureFactory(name="CCAS de Nantes", territory_id=la.id)
    return ssd, la, mine, theirs


def test_selects_see_only_the_bound_territory(two_structures):
    ssd, la, mine, theirs = two_structures
    db.session.expunge_all()
    with bound_to(ssd.id):
        names = db.session.scalars(select(Structure.name).order_by(Structure.name)).all()
        found = db.session.scalar(select(Structure).where(Structure.id == theirs.id))
        count = db.session.scalar(select(func.count()).select_from(Structure))
    assert names == ["Mission locale de Bondy"]
    assert found is None
    assert count == 1


def test_unbound_code_sees_everything_and_opt_out_is_explicit(two_structures):
    ssd, la, mine, theirs = two_structures
    assert db.session.scalar(select(func.count(Structure.id))) == 2
    with bound_to(ssd.id):
        everything = db.session.scalars(
            select(Structure).execution_options(all_territories=True)
        ).all()
    assert len(everything) == 2


def test_updates_and_deletes_cannot_reach_another_territory(two_structures):
    ssd, la, mine, theirs = two_structures
    with bound_to(ssd.id):
        db.session.execute(update(Structure).values(name="Renommée"))
        db.session.execute(delete(Structure).where(Structure.id == theirs.id))
        db.session.commit()
    db.session.expunge_all()
    names = set(db.session.scalars(select(Structure.name)))
    assert names == {"Renommée", "CCAS de Nantes"}


def test_new_rows_take_the_bound_territory_and_cannot_be_written_elsewhere(two_structures):
    ssd, la, mine, theirs = two_structures
    with bound_to(la.id):
        created = Structure(name="PLIE de Saint-Nazaire")
        db.session.add(created)
        db.session.commit()
        assert created.territory_id == la.id
        db.session.add(Structure(name="Intrus", territory_id=ssd.id))
        with pytest.raises(TerritoryMismatchError):
            db.session.flush()
        db.session.rollback()
