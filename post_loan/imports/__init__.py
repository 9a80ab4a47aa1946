"""post_loan's spreadsheet imports (SPEC §11), one module per feature."""
