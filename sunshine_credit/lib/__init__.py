"""The small library every app shares (STYLE §1): masking, money (one amount parser, one yuan formatter), excel
(uploads in, spreadsheets out), pdf (print templates), bulk (set-based inserts), columns (an import's cell
readers) and ratelimit (a budget per client address for public pages). No models, no domain app."""
