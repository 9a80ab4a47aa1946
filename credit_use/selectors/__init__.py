"""The reads of credit use, one module per feature (the same names as services/): lines, drawdowns,
disbursement, guarantee, repayments, overdue and time_limits. Every selector a page calls starts from the scope."""
