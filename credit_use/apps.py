from django.apps import AppConfig


class CreditUseConfig(AppConfig):
    default_auto_field = 'django.db.models.BigAutoField'
    name = 'credit_use'

    def ready(self):
        from guarantee_groups import facts
        from sunshine_credit import audit

        # The maker-checker actions of this app (sunshine_credit.approvals.register).
        from . import approvals  # noqa: F401
        from .selectors import guarantee

        # What joint-guarantee groups need of credit use (they sit below it and do not import it).
        facts.register(facts.EFFECTIVE_LINES, guarantee.effective_line_facts)
        facts.register(facts.OPEN_DRAWDOWN_GUARANTEED_BY, guarantee.open_drawdown_guaranteed_by)

        # P5, U1–U9: the credit lines, drawdowns, guarantors, repayments and revocations.
        audit.register(self.get_model("CreditLine"), exclude_fields=["version"])
        audit.register(self.get_model("CreditLineEvent"))
        audit.register(self.get_model("LineChangeRequest"))
        audit.register(self.get_model("Drawdown"), exclude_fields=["version"])
        audit.register(self.get_model("DrawdownGuarantor"))
        audit.register(self.get_model("Repayment"))
        audit.register(self.get_model("RevocationCase"))
