from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SunshineCreditConfig(AppConfig):
    name = "sunshine_credit"
    verbose_name = _("Organisation and staff")

    def ready(self):
        # The audit machinery (R4); each app registers its own models from its ready(), as below.
        from . import audit

        audit.register(self.get_model("BlacklistEntry"), mask_fields=["id_number"], exclude_fields=["version"])
        audit.register(self.get_model("Approval"))
        audit.register(self.get_model("CalendarDay"))
