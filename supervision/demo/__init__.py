"""The demo county of `manage.py seed_demo` (county.py: org tree, logins, households; appraisal.py: the campaign
and an open panel; publicity.py: signed panels and boards; post_loan.py: 西河村's post-loan book; disclosures.py: the eight
disclosures; reviews.py: a democratic review; complaints.py: complaints, cards and a suggestion-box opening;
overview.py: the dashboards' timetable and 90 days of history). It lives in supervision, at the top of the import
chain, because it writes through every app."""

from .county import DEMO_PASSWORD, seed

__all__ = ["DEMO_PASSWORD", "seed"]
