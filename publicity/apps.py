from django.apps import AppConfig


class PublicityConfig(AppConfig):
    default_auto_field = 'django.db.models.BigAutoField'
    name = 'publicity'

    def ready(self):
        from sunshine_credit import audit

        # P3–P5: published boards (never rewritten), their items and objections.
        audit.register(self.get_model("Notice"), exclude_fields=["snapshot"])
        audit.register(self.get_model("NoticeItem"), exclude_fields=["version"])
        audit.register(self.get_model("Objection"), mask_fields=["objector_phone"])
