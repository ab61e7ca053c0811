from django.apps import AppConfig


class PagesConfig(AppConfig):
    """The top layer: the URL map, the home page and health checks, what every page shows (the banner), and the
    commands that touch every app (load_demo_data, seed_scale)."""

    name = "pages"
