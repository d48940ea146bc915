from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse

from dashboard.chart import chart_bars
from dashboard.selectors import dashboard_figures, dashboard_jobs


class TicketingAdminSite(admin.AdminSite):
    site_header = "Ticketing administration"
    site_title = "Ticketing admin"

    def index(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        figures = dashboard_figures()
        context = {
            "figures": figures,
            "bars": chart_bars(per_day=figures.per_day),
            "running_jobs": dashboard_jobs(),
            **(extra_context or {}),
        }
        return super().index(request, context)
