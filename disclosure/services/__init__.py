"""Writes of the disclosure app. Import the modules: ``from disclosure.services import queries``."""
