from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HouseholdsConfig(AppConfig):
    name = "households"
    verbose_name = _("Household archive")

    def ready(self):
        from sunshine_credit import audit

        audit.register(self.get_model("Household"), mask_fields=["phone"], exclude_fields=["updated_at", "version"])
        audit.register(self.get_model("Member"), mask_fields=["id_number", "phone"])
        audit.register(self.get_model("ExistingLoan"))
        audit.register(self.get_model("ArchiveExport"))
