"""A model trained from the same files is taken from the model cache instead of training again;
a new training is kept there, the newest few only. Files that passed `rasa data validate` are
not validated again."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from backend.kernel.config import Settings
from nlu import rasa_env


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The models folder in tmp_path; Rasa's environment taken as set up (never run here)."""
    models = tmp_path / "models"
    monkeypatch.setattr(rasa_env, "MODELS_DIR", models)
    monkeypatch.setattr(rasa_env, "FINGERPRINT_FILE", models / "fingerprint.json")
    monkeypatch.setattr(rasa_env, "setup", lambda settings, **_: Path("/nonexistent/rasa"))
    return Settings(_env_file=None, nlu_model_cache=tmp_path / "cache")


def test_a_model_trained_from_the_same_files_is_taken_from_the_cache(project: Settings) -> None:
    digest = rasa_env.fingerprint()
    project.nlu_model_cache.mkdir()
    (project.nlu_model_cache / f"{digest}.tar.gz").write_bytes(b"the model")

    model = rasa_env.train(project)  # would fail at /nonexistent/rasa if it trained

    assert model.read_bytes() == b"the model" and rasa_env.is_trained()
    assert json.loads(rasa_env.FINGERPRINT_FILE.read_text()) == {"fingerprint": digest}


def test_a_model_of_other_files_is_not_taken(project: Settings) -> None:
    project.nlu_model_cache.mkdir()
    (project.nlu_model_cache / f"{'0' * 64}.tar.gz").write_bytes(b"another model")
    with pytest.raises(FileNotFoundError):  # it trains: /nonexistent/rasa
        rasa_env.train(project)
    assert rasa_env.model_path() is None


def test_a_trained_model_is_kept_and_the_oldest_dropped(project: Settings) -> None:
    cache = project.nlu_model_cache
    cache.mkdir()
    for n in range(rasa_env.CACHED_MODELS):
        old = cache / f"{n:064d}.tar.gz"
        old.write_bytes(b"old")
        os.utime(old, (1_000_000 + n, 1_000_000 + n))
    rasa_env.MODELS_DIR.mkdir()
    (rasa_env.MODELS_DIR / f"{rasa_env.MODEL_NAME}.tar.gz").write_bytes(b"new model")

    rasa_env._keep(project, "f" * 64)

    kept = sorted(path.name for path in cache.iterdir())
    assert len(kept) == rasa_env.CACHED_MODELS and f"{'0' * 64}.tar.gz" not in kept
    assert (cache / f"{'f' * 64}.tar.gz").read_bytes() == b"new model"


def test_no_cache_when_it_is_set_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NLU_MODEL_CACHE", "")
    assert Settings(_env_file=None).nlu_model_cache is None


def test_files_that_passed_validation_are_not_validated_again_until_they_change(
        project: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    runs = []
    monkeypatch.setattr(rasa_env, "_validate", lambda settings: runs.append(1) or [])
    assert rasa_env.validate(project) == [] and rasa_env.validate(project) == []
    assert len(runs) == 1
    monkeypatch.setattr(rasa_env, "fingerprint", lambda: "other files")
    assert rasa_env.validate(project) == [] and len(runs) == 2


def test_files_with_problems_are_validated_every_time(
        project: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    runs = []
    monkeypatch.setattr(rasa_env, "_validate", lambda settings: runs.append(1) or ["a problem"])
    assert rasa_env.validate(project) == ["a problem"]
    assert rasa_env.validate(project) == ["a problem"] and len(runs) == 2
