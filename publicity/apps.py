from django.apps import AppConfig


class PublicityConfig(AppConfig):
    default_auto_field = 'django.db.models.BigAutoField'
    name = 'publicity'

    def ready(self):
        from sunshine_credit import audit, sections
        from surveys import frozen

        from .selectors import frozen_by_boards, household_boards_present, household_boards_section

        # Issue 15 item 3: the boards and objections on the household page (reading order: surveys/apps.py).
        sections.register(page="household", key="boards", order=30,
                          template="publicity/includes/household_boards.html", context=household_boards_section,
                          present=household_boards_present)

        # Issue 15: recomputing a campaign never changes a village whose board is published.
        frozen.register("publicity.boards", frozen_by_boards)

        # P3–P5: published boards (never rewritten), their items and objections.
        audit.register(self.get_model("Notice"), exclude_fields=["snapshot"])
        audit.register(self.get_model("NoticeItem"), exclude_fields=["version"])
        audit.register(self.get_model("Objection"), mask_fields=["objector_phone"])
