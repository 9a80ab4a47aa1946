"""Registers the precheck approval kind with sunshine_credit.approvals (filled in by its work)."""
