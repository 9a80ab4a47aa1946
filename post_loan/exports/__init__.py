"""post_loan spreadsheets out (STYLE §2 Excel): one module per feature."""
