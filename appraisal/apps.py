from django.apps import AppConfig


class AppraisalConfig(AppConfig):
    default_auto_field = 'django.db.models.BigAutoField'
    name = 'appraisal'

    def ready(self):
        from sunshine_credit import audit, sections

        # The maker-checker actions of this app (sunshine_credit.approvals.register).
        from . import approvals  # noqa: F401
        from . import sections as household_page

        # A6 on the household page (households sits below appraisal: it renders the section, never imports it),
        # after the questionnaires and before the panel's decisions (reading order: surveys/apps.py).
        sections.register(page="household", key="precheck", order=15,
                          template="appraisal/includes/precheck_hits.html",
                          context=household_page.household_precheck_section, present=household_page.precheck_present)
        sections.register(page="household", key="decisions", order=20,
                          template="appraisal/includes/household_decisions.html",
                          context=household_page.household_decisions_section, present=household_page.decisions_present)

        audit.register(self.get_model("Reviewer"), mask_fields=["phone"])
        audit.register(self.get_model("Panel"), exclude_fields=["version"])
        audit.register(self.get_model("PanelMember"))
        # A3: the audit keeps who changed an entry and when, never its values (masked whole, see audit.mask_value).
        audit.register(self.get_model("Appraisal"), exclude_fields=["entered_at", "version"],
                       mask_fields=["amount", "withhold_reasons", "rating"])
        audit.register(self.get_model("GapEdit"), mask_fields=["value"])
        audit.register(self.get_model("Decision"), exclude_fields=["version", "inputs", "ratings"])
        audit.register(self.get_model("SignOff"))
