"""Supervision's forms, one module per feature (complaints, disclosures, reviews)."""
