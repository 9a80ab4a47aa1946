"""post_loan's forms, one module per feature (visits, reminders, letters, collection, classification, blacklist, repayment_rate, daily)."""
