from django.apps import AppConfig


class CreditUseConfig(AppConfig):
    default_auto_field = 'django.db.models.BigAutoField'
    name = 'credit_use'

    def ready(self):
        from appraisal import facts as appraisal_facts
        from guarantee_groups import facts
        from sunshine_credit import audit, sections
        from surveys import frozen

        # The maker-checker actions of this app (sunshine_credit.approvals.register).
        from . import approvals  # noqa: F401
        from .selectors import guarantee, household, own_loans
        from .selectors.lines import frozen_by_lines

        # Issue 15: recomputing a campaign never changes a village whose lines took effect.
        frozen.register("credit_use.lines", frozen_by_lines)

        # What joint-guarantee groups need of credit use (they sit below it and do not import it).
        facts.register(facts.EFFECTIVE_LINES, guarantee.effective_line_facts)
        facts.register(facts.OPEN_DRAWDOWN_GUARANTEED_BY, guarantee.open_drawdown_guaranteed_by)
        # The bank's own loans count (issue 15): in the pre-check (A6) and among the household page's loans.
        appraisal_facts.register(appraisal_facts.OWN_LOANS, own_loans.own_loan_facts)
        sections.register(page="household_loans", key="own_loans", order=10,
                          template="credit_use/includes/household_own_loans.html",
                          context=own_loans.household_own_loans_section, present=own_loans.own_loans_present)
        # Issue 15 item 3: the credit line, its history, drawdowns, repayments and post-loan checks, guarantees
        # given (reading order of the household page: surveys/apps.py).
        sections.register(page="household", key="credit", order=40,
                          template="credit_use/includes/household_credit.html",
                          context=household.household_credit_section, present=household.PRESENT)

        # P5, U1–U9: the credit lines, drawdowns, guarantors, repayments and revocations.
        audit.register(self.get_model("CreditLine"), exclude_fields=["version"])
        audit.register(self.get_model("CreditLineEvent"))
        audit.register(self.get_model("LineChangeRequest"))
        audit.register(self.get_model("Drawdown"), exclude_fields=["version"], mask_fields=["settlement_account"])
        audit.register(self.get_model("DrawdownGuarantor"))
        audit.register(self.get_model("Repayment"))
        audit.register(self.get_model("RevocationCase"))
