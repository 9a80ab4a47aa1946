"""The writes of the appraisal app, one module per feature (the same names as views/): panels (A1–A3 forming,
the round), entry (A3/A5 the back-to-back entries), gaps (A4), booklets (A3 the paper booklet's import),
results (A5 the computed results at closing), precheck (A6), decisions (A7/L6 and the sign-off), sheet (A7 the
printable appraisal sheet)."""
