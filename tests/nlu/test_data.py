"""The training data as Rasa reads it: `rasa data validate` finds nothing wrong (an intent
without examples, one sentence under two intents, an annotation or synonym it cannot read)."""

from __future__ import annotations

import pytest

from backend.kernel.config import Settings
from nlu import rasa_env

pytestmark = pytest.mark.rasa


def test_rasa_finds_nothing_wrong_with_the_training_data(rasa_url: str) -> None:
    # With a Rasa server up, Rasa's environment is set up.
    assert rasa_env.validate(Settings()) == []
