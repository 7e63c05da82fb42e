"""Carnet de bord views (professional and beneficiary pages)."""
