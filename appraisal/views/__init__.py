"""The appraisal app's pages, one module per feature (the same names as services/): panels (A1–A3, the officer's
side), entry (A3, the seated reviewer's pages under my/), gaps (A4), booklets (A3, the paper booklet), precheck
(A6), decisions (A7, with the sign-off and the appraisal sheet)."""
