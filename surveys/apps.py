from django.apps import AppConfig


class SurveysConfig(AppConfig):
    default_auto_field = 'django.db.models.BigAutoField'
    name = 'surveys'

    def ready(self):
        from sunshine_credit import audit

        audit.register(self.get_model("Campaign"), exclude_fields=["version"])
        audit.register(self.get_model("Questionnaire"), exclude_fields=["updated_at", "version"])
        # Respondents' names are confidential (S1): the audit keeps that a name changed, not the name.
        audit.register(self.get_model("Respondent"), mask_fields=["name", "phone"])
