"""Writes of the household archive. Every service re-checks the scope it is given (R1)."""

from .archive import (HOUSEHOLD_FIELDS, ArchiveInvalid, MemberInput, StaleEdit, existing_loan_create, existing_loan_delete,
                      existing_loan_update, household_create, household_differences, household_update)
from .common import MAKER_ROLES
from .roster import (roster_import_check, roster_import_confirm, roster_import_run, roster_import_upload,
                     roster_import_write, too_large_message, upload_limit)

__all__ = [
    "ArchiveInvalid", "MemberInput", "StaleEdit", "existing_loan_create", "existing_loan_delete",
    "existing_loan_update", "household_create", "household_differences", "household_update", "HOUSEHOLD_FIELDS", "MAKER_ROLES",
    "roster_import_check", "roster_import_confirm", "roster_import_run", "roster_import_upload",
    "roster_import_write", "too_large_message", "upload_limit",
]
