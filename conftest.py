import os

# Tests run with the development defaults whatever the shell says; DEBUG is forced off by Django's
# test runner anyway. This must run before pytest-django imports the settings.
os.environ.setdefault("DJANGO_DEBUG", "1")
