"""The rules of credit use, one module per feature: lines (P5 dates), drawdowns (U1–U6), guarantee (U3, G5, G6),
interest (U8) and time_limits (U7). Pure functions: plain values in, values or a raised RuleViolation out."""
