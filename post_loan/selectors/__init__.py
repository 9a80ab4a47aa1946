"""post_loan's selectors, one module per feature (visits, reminders, letters, collection, classification, blacklist, repayment_rate, daily)."""
