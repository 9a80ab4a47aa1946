"""Registers the escalation approval kind with sunshine_credit.approvals (filled in by its work)."""
