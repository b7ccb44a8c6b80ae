"""The Rasa image docker-compose.yml builds (deploy/rasa.Dockerfile) installs what the pipeline
needs beside Rasa, at the versions `frontdesk nlu setup` installs (nlu/rasa_env.py)."""

from __future__ import annotations

from pathlib import Path

import yaml

from nlu.rasa_env import RASA_REQUIREMENTS

ROOT = Path(__file__).resolve().parents[2]


def test_the_compose_rasa_image_installs_the_pipelines_extra_packages() -> None:
    dockerfile = (ROOT / "deploy" / "rasa.Dockerfile").read_text(encoding="utf-8")
    base = next(line for line in dockerfile.splitlines() if line.startswith("FROM "))
    rasa = next(r for r in RASA_REQUIREMENTS if r.startswith("rasa=="))
    assert base.endswith(f"rasa/rasa:{rasa.removeprefix('rasa==')}-full")
    # The image has Rasa and jieba; everything else the pipeline imports is installed, pinned.
    extras = [r for r in RASA_REQUIREMENTS if not r.startswith(("rasa==", "jieba"))]
    assert extras and all(f"pip install --no-cache-dir {r}" in dockerfile for r in extras)


def test_every_rasa_service_uses_that_image() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    rasa = [svc for name, svc in compose["services"].items() if name.startswith("rasa")]
    assert len(rasa) == 3
    for service in rasa:
        assert service["build"]["dockerfile"] == "deploy/rasa.Dockerfile"
