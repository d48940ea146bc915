from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


# Django's AdminConfig is reached through its module: as a name here it would be a second
# default AppConfig of this module.
class DashboardConfig(AppConfig):
    name = "dashboard"
    default = True


class TicketingAdminConfig(admin_apps.AdminConfig):
    """Django's admin, on the site whose home page carries the dashboard."""

    default = False
    default_site = "dashboard.sites.TicketingAdminSite"
