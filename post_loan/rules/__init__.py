"""post_loan's rules, one module per feature (visits, reminders, letters, collection, classification, blacklist, repayment_rate, daily)."""
