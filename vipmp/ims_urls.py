"""The token URL at the host root, where Adobe's IMS has it: clients change only its base (pages/urls.py)."""

from django.urls import path

from .token import token

urlpatterns = [path("token/v3", token, name="vipmp-token")]
