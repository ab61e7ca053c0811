"""Write a development checkout's .env: DEBUG on and a random secret key of its own (make setup, once).

The settings read .env when it exists, so `python manage.py <anything>` works in a development checkout with
nothing exported. Production reads no such file (the image leaves it out) and still refuses to start without
DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS.
"""

import secrets
import sys
from pathlib import Path

path = Path(sys.argv[1] if len(sys.argv) > 1 else ".env")
if path.exists():
    sys.exit(0)
path.write_text(
    "# Development only (written by make setup; git ignores it). Production sets its own environment.\n"
    "DJANGO_DEBUG=true\n"
    f"DJANGO_SECRET_KEY=django-insecure-dev-{secrets.token_urlsafe(32)}\n"
)
print(f"Wrote {path} for development (DEBUG on).")
