"""Roles a membership can carry, with their French labels in one place."""

import enum


class Role(enum.StrEnum):
    BENEFICIARY = "beneficiary"
    PROFESSIONAL = "professional"
    STRUCTURE_ADMIN = "structure_admin"
    COORDINATOR = "coordinator"
    REVA_ACCOMPAGNATEUR = "reva_accompagnateur"
    CERTIFIER = "certifier"
    FINANCE_DELEGANT = "finance_delegant"
    FINANCE_DELEGATAIRE = "finance_delegataire"
    FINANCE_DINUM = "finance_dinum"
    FINANCE_AUDITOR = "finance_auditor"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return LABELS[self]

    @property
    def is_territorial(self) -> bool:
        return self in TERRITORIAL


LABELS = {
    Role.BENEFICIARY: "Personne accompagnée",
    Role.PROFESSIONAL: "Accompagnateur·rice",
    Role.STRUCTURE_ADMIN: "Administrateur·rice de structure (offreur de solutions)",
    Role.COORDINATOR: "Coordinateur·rice territorial·e",
    Role.REVA_ACCOMPAGNATEUR: "Accompagnateur·rice VAE",
    Role.CERTIFIER: "Certificateur",
    Role.FINANCE_DELEGANT: "Finances — délégant (DGEFP)",
    Role.FINANCE_DELEGATAIRE: "Finances — délégataire (DNUM)",
    Role.FINANCE_DINUM: "Finances — DINUM",
    Role.FINANCE_AUDITOR: "Finances — contrôle budgétaire (CBCM)",
    Role.ADMIN: "Administrateur·rice national·e",
}

TERRITORIAL = frozenset(
    {Role.BENEFICIARY, Role.PROFESSIONAL, Role.STRUCTURE_ADMIN, Role.COORDINATOR}
)
NATIONAL = frozenset(Role) - TERRITORIAL
FINANCE = frozenset(
    {Role.FINANCE_DELEGANT, Role.FINANCE_DELEGATAIRE, Role.FINANCE_DINUM, Role.FINANCE_AUDITOR}
)
# Roles a coordinator may give when inviting someone into their territory.
INVITABLE_BY_COORDINATOR = (
    Role.PROFESSIONAL,
    Role.STRUCTURE_ADMIN,
    Role.COORDINATOR,
    Role.BENEFICIARY,
)
