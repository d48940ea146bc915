from django.contrib import admin
from django.urls import path

from api.api import api

# /healthz is answered by api.middleware.HealthzMiddleware, before the host check.
urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]
