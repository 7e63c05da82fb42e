"""The four territories of the experiment, as the agreement names them."""

from sqlalchemy import select

from app.extensions import db
from app.tenancy.models import Territory

# slug, name, department code, Carnet de bord enabled, DORA enabled. The agreement tests the
# notebook in Seine-Saint-Denis, DORA in Loire-Atlantique and the Ardennes; La Réunion joins both.
TERRITORIES = [
    ("seine-saint-denis", "Seine-Saint-Denis", "93", True, False),
    ("loire-atlantique", "Loire-Atlantique", "44", True, True),
    ("ardennes", "Ardennes", "08", False, True),
    ("la-reunion", "La Réunion", "974", True, True),
]


def load_territories() -> None:
    for slug, name, code, carnet, dora in TERRITORIES:
        territory = db.session.scalar(select(Territory).where(Territory.slug == slug))
        if territory is None:
            territory = Territory(slug=slug, carnet_enabled=carnet, dora_enabled=dora)
            db.session.add(territory)
        territory.name = name
        territory.department_code = code
    db.session.commit()
