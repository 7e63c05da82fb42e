"""What accounts tell the services, without importing them.

`role_given` is sent when a user receives a role they did not hold (an accepted invitation, an
import, a command): a service that shares data with a structure's members (Carnet de bord's
structure-wide consent) tells the people concerned that someone new may now read it.
"""

from blinker import Namespace

_signals = Namespace()

# sender: the Membership just added (its user, territory_id, role and structure_id set).
role_given = _signals.signal("role-given")
