"""Supervision's services, one module per feature (complaints, disclosures, reviews)."""
