from django.apps import AppConfig


class PagesConfig(AppConfig):
    """The top layer: the URL map, the home page and health checks, and what every page shows (the banner)."""

    name = "pages"
