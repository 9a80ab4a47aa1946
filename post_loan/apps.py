from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PostLoanConfig(AppConfig):
    """SPEC §9 (seed 003): visits, reminders, letters with receipts, collection cases, risk classification,
    the blacklist's life and the repayment rate — what happens to a drawdown after the counter."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "post_loan"
    verbose_name = _("Post-loan management")

    def ready(self):
        from sunshine_credit import audit

        from . import approvals  # noqa: F401  (the maker-checker actions)

        for name in ("Visit", "ReminderCall", "Letter", "CollectionCase", "CollectionEntry", "InstalmentPlan",
                     "InstalmentItem", "RiskGrade", "GradeChange", "BranchLawyer"):
            audit.register(self.get_model(name))
        audit.register(self.get_model("Message"), mask_fields=["phone"])

        # C1/C2: the loan's post-loan section (visits, calls, text messages) on credit_use's drawdown page.
        from credit_use.selectors.own_loans import own_loans_present
        from sunshine_credit import sections

        from .selectors.household import household_post_loan_section
        from .views.visits import loan_section

        sections.register(page="drawdown", key="post_loan", order=50, template="post_loan/includes/loan_section.html",
                          context=loan_section)
        # Issue 15 item 3: the household page's post-loan part (grade, days overdue, visits, letters, case).
        sections.register(page="household", key="post_loan", order=45,
                          template="post_loan/includes/household_post_loan.html",
                          context=household_post_loan_section, present=own_loans_present)  # loans still owed
