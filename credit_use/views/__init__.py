"""The pages of credit use, one module per feature (the same names as services/ and selectors/). Thin views: a
form, one service or selector, a template; every object comes through the scope (404 outside, R1)."""
