"""Supervision's rules, one module per feature (complaints, disclosures, reviews)."""
