"""Writes of the surveys app, one module per feature: campaigns (and respondent pools, draws), entry (the
questionnaire grid), imports, limits (L7, with the set-based computation), printouts (blank questionnaires).
Every service takes the caller's scope and re-checks it (R1)."""
