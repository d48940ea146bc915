from django.contrib import admin
from django.urls import path

from api.api import api
from api.views import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("healthz", healthz),
]
