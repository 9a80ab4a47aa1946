from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "supervision"
    verbose_name = _("Supervision")

    def ready(self):
        from sunshine_credit import audit

        # V2: the democratic reviews and their findings (who drew, who recorded and closed what).
        audit.register(self.get_model("Review"), exclude_fields=["candidates"])
        audit.register(self.get_model("Finding"))
        # V3: the disclosures' own history is their version rows (whole texts); the audit adds who changed what
        # from where. The officer board's public work phone is public on purpose, but masked in the audit like any.
        audit.register(self.get_model("Disclosure"), exclude_fields=["version"])
        audit.register(self.get_model("OfficerBoardProfile"), mask_fields=["public_work_phone"],
                       exclude_fields=["version", "photo_token"])
        # V4/V5: complaints and cards (who entered, who handled, the outcome), suggestion-box openings (both signers).
        audit.register(self.get_model("Complaint"), mask_fields=["complainant_phone"], exclude_fields=["version"])
        audit.register(self.get_model("SuggestionBoxOpening"))
        # V1: the stage timetable (who moved which stage's dates, from where, before and after).
        audit.register(self.get_model("StagePlan"))
