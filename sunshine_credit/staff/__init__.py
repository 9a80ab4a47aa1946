"""Administering the bank's staff without Django's admin (SPEC §1: the head office's administrator does user and
org set-up), and how a login is kept safe (R9).

- rules.py      what a role needs (a branch, 包片 villages), the role words of the staff workbook, user names
- selectors.py  the staff list and a staff user's page, within the administrator's head office (O2/R1)
- services.py   create, deactivate/reactivate, villages (direct, audited), a role change by maker-checker (R2),
                the second factor's reset
- imports.py    the staff workbook of `import_staff` (SPEC §11): all or nothing
- login.py      between the password and the first page: idle and absolute session limits, the second factor
                (TOTP, OTP_REQUIRED_ROLES), a password the administrator gave changed first
- audit_log.py  the audit log's reader for audit, supervisors and administrators (R4, masked)
- forms.py, views.py
"""
