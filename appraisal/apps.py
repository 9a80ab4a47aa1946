from django.apps import AppConfig


class AppraisalConfig(AppConfig):
    default_auto_field = 'django.db.models.BigAutoField'
    name = 'appraisal'

    def ready(self):
        # The maker-checker actions of this app (sunshine_credit.approvals.register).
        from . import approvals_escalation, approvals_precheck  # noqa: F401
