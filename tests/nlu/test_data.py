"""The training data as Rasa reads it: `rasa data validate` finds nothing wrong (an intent
without examples, one sentence under two intents, an annotation or synonym it cannot read)."""

from __future__ import annotations

import os

import pytest

from backend.kernel.config import Settings
from nlu import rasa_env

pytestmark = pytest.mark.rasa


def test_rasa_finds_nothing_wrong_with_the_training_data() -> None:
    settings = Settings()
    if not rasa_env.venv_bin(settings, "rasa").exists() and os.environ.get("CI") != "true":
        pytest.skip("Rasa is not set up here (make nlu)")
    assert rasa_env.validate(settings) == []
