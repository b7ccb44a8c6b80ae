"""Fakes of external services for tests (see tests/fakes/telegram.py)."""
