from django.apps import AppConfig


class SurveysConfig(AppConfig):
    default_auto_field = 'django.db.models.BigAutoField'
    name = 'surveys'

    def ready(self):
        from sunshine_credit import audit, sections

        from .sections import PRESENT, household_campaigns_section

        # Issue 15 item 3: the household page reads, in order, questionnaires (10), pre-check (15), the panel's
        # decision (20), boards and objections (30), credit line and drawdowns (40), guarantee group (50).
        sections.register(page="household", key="campaigns", order=10,
                          template="surveys/includes/household_campaigns.html", context=household_campaigns_section,
                          present=PRESENT)

        audit.register(self.get_model("Campaign"), exclude_fields=["version"])
        audit.register(self.get_model("Questionnaire"), exclude_fields=["updated_at", "version"])
        # Respondents' names are confidential (S1): the audit keeps that a name changed, not the name.
        audit.register(self.get_model("Respondent"), mask_fields=["name", "phone"])
