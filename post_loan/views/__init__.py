"""post_loan's views, one module per feature (visits, reminders, letters, collection, classification, blacklist, repayment_rate, daily)."""
