from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        # the receivers that keep the aggregate tables fresh, and the erasure's shredder
        from django.db.models.signals import post_delete, post_save

        from reports import signals
        from volunteers.models import VolunteerProfile

        post_save.connect(signals._volunteer_profile, VolunteerProfile, dispatch_uid="reports.vp")
        post_delete.connect(
            signals._volunteer_profile, VolunteerProfile, dispatch_uid="reports.vp_deleted"
        )
