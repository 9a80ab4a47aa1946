from django.apps import AppConfig


class CreditUseConfig(AppConfig):
    default_auto_field = 'django.db.models.BigAutoField'
    name = 'credit_use'

    def ready(self):
        # The maker-checker actions of this app (sunshine_credit.approvals.register).
        from . import approvals_drawdown, approvals_line_change, approvals_revocation  # noqa: F401
