"""post_loan's services, one module per feature (visits, reminders, letters, collection, classification, blacklist, repayment_rate, daily)."""
