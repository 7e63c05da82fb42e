"""The four territories of the experiment, as the agreement names them."""

from sqlalchemy import select

from app.extensions import db
from app.tenancy.models import Territory
from app.tenancy.territories import apply_default_services

# slug, name, department code. Which services each runs comes from the spaces registry's
# defaults the first time, then from the database (flask territory enable|disable).
TERRITORIES = [
    ("seine-saint-denis", "Seine-Saint-Denis", "93"),
    ("loire-atlantique", "Loire-Atlantique", "44"),
    ("ardennes", "Ardennes", "08"),
    ("la-reunion", "La Réunion", "974"),
]


def load_territories() -> None:
    for slug, name, code in TERRITORIES:
        territory = db.session.scalar(select(Territory).where(Territory.slug == slug))
        if territory is None:
            territory = Territory(slug=slug)
            db.session.add(territory)
        territory.name = name
        territory.department_code = code
    for territory in db.session.scalars(select(Territory)):
        apply_default_services(territory)
    db.session.commit()
