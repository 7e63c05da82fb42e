"""Finance pages: thin views. Each loads its object, checks its named permission, calls one write
function and renders; a refused rule re-renders the form with its message beside the field."""

from app.finance.views import agreement, committees, dashboard, imports, startups  # noqa: F401
from app.finance.views.dashboard import space_cards  # noqa: F401
