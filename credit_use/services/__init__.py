"""The writes of credit use, one module per feature (the same names as selectors/): lines, line_change,
drawdowns, disbursement, repayments, overdue and large_loans."""
