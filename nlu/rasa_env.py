"""Rasa in its own virtual environment: set it up, train the model, serve it.

Rasa 3.6 pins libraries that clash with ours (SQLAlchemy 1.4, pydantic 1.x) and needs
Python < 3.11, so it gets its own Python 3.10 virtual environment and runs as its own server
process, exactly as it does in production. This module is the only code that knows where that
environment is and how to drive it.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import yaml

from backend.kernel.config import Settings

RASA_REQUIREMENTS = ["rasa==3.6.21", "jieba>=0.39,<0.43", "opencc-python-reimplemented==0.1.7"]
PROJECT_DIR = Path(__file__).resolve().parent  # the Rasa project: config.yml, data/, dictionary/
MODELS_DIR = PROJECT_DIR / "models"
MODEL_NAME = "frontdesk-nlu"
FINGERPRINT_FILE = MODELS_DIR / "fingerprint.json"


class RasaError(RuntimeError):
    """Something the user must fix before Rasa can run; the message says what."""


def _python_version(python: Path | str) -> tuple[int, int] | None:
    try:
        out = subprocess.run(
            [str(python), "-c", "import sys; print(sys.version_info[0], sys.version_info[1])"],
            capture_output=True, text=True, timeout=20,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    major, minor = out.stdout.split()
    return int(major), int(minor)


def find_python310(settings: Settings) -> Path:
    """RASA_PYTHON, then python3.10 on PATH, then pyenv's versions folder."""
    candidates: list[Path] = []
    if settings.rasa_python:
        candidates.append(Path(settings.rasa_python))
    on_path = shutil.which("python3.10")
    if on_path:
        candidates.append(Path(on_path))
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates += sorted((pyenv_root / "versions").glob("3.10*/bin/python3.10"), reverse=True)
    for candidate in candidates:
        if _python_version(candidate) == (3, 10):
            return candidate
    raise RasaError(
        "Rasa 3.6 needs Python 3.10 and none was found (looked at RASA_PYTHON, python3.10 on "
        "PATH and pyenv's versions). Install it (e.g. `pyenv install 3.10`) and set "
        "RASA_PYTHON=/path/to/python3.10, or run Rasa with `docker compose up rasa`."
    )


def venv_dir(settings: Settings) -> Path:
    """Rasa's environment: RASA_VENV, else the one for these requirements in the machine's
    cache, shared by all clones (a fresh clone, CI's included, does not install 2.7 GB
    again)."""
    if settings.rasa_venv is not None:
        return settings.rasa_venv.resolve()
    digest = hashlib.sha256("\n".join(RASA_REQUIREMENTS).encode()).hexdigest()[:12]
    return Path.home() / ".cache" / "frontdesk" / f"rasa-venv-{digest}"


def venv_bin(settings: Settings, name: str) -> Path:
    return venv_dir(settings) / "bin" / name


def setup(settings: Settings, *, log_file: Path | None = None) -> Path:
    """Create Rasa's virtual environment (once) and return its `rasa` executable. pip's
    output goes to the terminal, or to the end of `log_file`. Two processes setting up the
    same environment take turns (a lock beside it): the second finds it ready."""
    venv = venv_dir(settings)
    venv.parent.mkdir(parents=True, exist_ok=True)
    with (venv.parent / f"{venv.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _setup(settings, venv, log_file)


def _setup(settings: Settings, venv: Path, log_file: Path | None) -> Path:
    rasa = venv / "bin" / "rasa"
    marker = venv / ".frontdesk-requirements"
    wanted = "\n".join(RASA_REQUIREMENTS)
    if rasa.exists() and marker.exists() and marker.read_text() == wanted:
        return rasa
    python = find_python310(settings)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
           "--disable-pip-version-check"]
    steps = [[str(python), "-m", "venv", str(venv)]] if not (venv / "bin" / "python").exists() else []
    steps += [[*pip, "-U", "pip"], [*pip, *RASA_REQUIREMENTS]]
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(log_file.open("a")) if log_file else None
        print(f"Setting up Rasa in {venv} with {python} (a few minutes, ~2.7 GB)...",
              file=out or sys.stdout, flush=True)
        for step in steps:
            if subprocess.run(step, stdout=out, stderr=subprocess.STDOUT if out else None
                              ).returncode != 0:
                raise RasaError(f"setting up Rasa's environment failed at `{' '.join(step)}`"
                                + (f" (its output: {log_file})" if log_file else ""))
    marker.write_text(wanted)
    return rasa


def rasa_environment() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="2",
        RASA_CACHE_DIRECTORY=str(PROJECT_DIR.parent / ".rasa" / "cache"),
        PYTHONWARNINGS="ignore",
    )
    return env


def fingerprint() -> str:
    """A digest of everything the model is trained from: config, custom components, data,
    dictionary."""
    digest = hashlib.sha256("\n".join(RASA_REQUIREMENTS).encode())
    files = [PROJECT_DIR / "config.yml", PROJECT_DIR / "components.py"]
    for folder in ("data", "dictionary"):
        files += sorted((PROJECT_DIR / folder).rglob("*"))
    for path in files:
        if path.is_file():
            digest.update(str(path.relative_to(PROJECT_DIR)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


# Models (and markers of data that passed `rasa data validate`) kept in the cache
# (Settings.nlu_model_cache), the newest.
CACHED_MODELS = 5

# What `rasa data validate` warns about that is no fault of an NLU-only project (it has no
# stories or rules: the dialogue is ours).
_NOT_A_FAULT = re.compile(r"is not used in any story or rule")


def _domain(data_dir: Path) -> dict:
    """The intents and entities the data uses: the domain an NLU-only project has none of."""
    intents: set[str] = set()
    entities: set[str] = set()
    for path in sorted(data_dir.glob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            if "intent" in block:
                intents.add(block["intent"])
                examples = block.get("examples") or ""
                entities |= set(re.findall(r"\]\((\w+)", examples))
                entities |= set(re.findall(r'"entity":\s*"(\w+)"', examples))
            elif "regex" in block:
                entities.add(block["regex"])
    return {"version": "3.1", "intents": sorted(intents), "entities": sorted(entities)}


def validate(settings: Settings) -> list[str]:
    """`rasa data validate` on nlu/data: the problems it finds (an empty list when there are
    none): an intent without examples, an example under two intents, a bad annotation, a
    synonym or regex it cannot read. Files that passed before (the same ones, checked by this
    same module: a marker in the model cache) are not checked again."""
    digest = hashlib.sha256((fingerprint() + Path(__file__).read_text()).encode()).hexdigest()
    passed = settings.nlu_model_cache / f"{digest}.valid" if settings.nlu_model_cache else None
    if passed is not None and passed.exists():
        return []
    problems = _validate(settings)
    if not problems and passed is not None:
        with contextlib.suppress(OSError):  # a cache that cannot be written is no cache
            passed.parent.mkdir(parents=True, exist_ok=True)
            passed.touch()
            for old in sorted(passed.parent.glob("*.valid"),
                              key=lambda path: path.stat().st_mtime)[:-CACHED_MODELS]:
                old.unlink()
    return problems


def _validate(settings: Settings) -> list[str]:
    with tempfile.TemporaryDirectory() as folder:
        domain = Path(folder) / "domain.yml"
        domain.write_text(yaml.safe_dump(_domain(PROJECT_DIR / "data"), allow_unicode=True))
        result = subprocess.run(
            [str(venv_bin(settings, "rasa")), "data", "validate", "--data",
             str(PROJECT_DIR / "data"), "--config", str(PROJECT_DIR / "config.yml"),
             "--domain", str(domain)],
            cwd=folder, env={**rasa_environment(), "PYTHONWARNINGS": "default"},
            capture_output=True, text=True, timeout=300,
        )
    output = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)
    problems = [line.split("UserWarning: ", 1)[1] for line in output.splitlines()
                if "UserWarning: " in line and not _NOT_A_FAULT.search(line)]
    if result.returncode != 0:
        problems.append(f"rasa data validate exited {result.returncode}: {output[-2000:]}")
    return problems


def model_path() -> Path | None:
    models = sorted(MODELS_DIR.glob(f"{MODEL_NAME}*.tar.gz"))
    return models[-1] if models else None


def is_trained() -> bool:
    if model_path() is None or not FINGERPRINT_FILE.exists():
        return False
    return json.loads(FINGERPRINT_FILE.read_text()).get("fingerprint") == fingerprint()



def _cached(settings: Settings, digest: str) -> Path | None:
    return settings.nlu_model_cache / f"{digest}.tar.gz" if settings.nlu_model_cache else None


def _install(model: Path, digest: str) -> None:
    """`model` becomes the project's model, with the fingerprint of what it was trained from."""
    MODELS_DIR.mkdir(exist_ok=True)
    for old in MODELS_DIR.glob(f"{MODEL_NAME}*.tar.gz"):
        old.unlink()
    partial = MODELS_DIR / f".{MODEL_NAME}.partial"
    shutil.copyfile(model, partial)
    partial.replace(MODELS_DIR / f"{MODEL_NAME}.tar.gz")
    FINGERPRINT_FILE.write_text(json.dumps({"fingerprint": digest}))


def _keep(settings: Settings, digest: str) -> None:
    """Copy the trained model into the cache; drop the oldest beyond CACHED_MODELS."""
    if (cached := _cached(settings, digest)) is None or (model := model_path()) is None:
        return
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(".partial")
        shutil.copyfile(model, partial)
        partial.replace(cached)
        for old in sorted(cached.parent.glob("*.tar.gz"),
                          key=lambda path: path.stat().st_mtime)[:-CACHED_MODELS]:
            old.unlink()
    except OSError:
        pass  # a cache that cannot be written is no cache, not a failed training


def train(settings: Settings, *, force: bool = False, log_file: Path | None = None) -> Path:
    """Train the NLU model unless the data and config are unchanged since the last training
    (here, or in the model cache: a model trained from the same files). Rasa's output goes to
    the terminal, or to the end of `log_file`."""
    rasa = setup(settings, log_file=log_file)
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(log_file.open("a")) if log_file else sys.stdout
        if is_trained() and not force:
            print(f"NLU model is up to date ({model_path()}); nothing to train.", file=out,
                  flush=True)
            return model_path()  # type: ignore[return-value]
        digest = fingerprint()
        if not force and (cached := _cached(settings, digest)) and cached.exists():
            _install(cached, digest)
            print(f"NLU model trained from the same files taken from the cache ({cached}).",
                  file=out, flush=True)
            return model_path()  # type: ignore[return-value]
        MODELS_DIR.mkdir(exist_ok=True)
        for old in MODELS_DIR.glob(f"{MODEL_NAME}*.tar.gz"):
            old.unlink()
        print("Training the NLU model (Rasa shows the epochs as it goes)...", file=out,
              flush=True)
        started = time.monotonic()
        result = subprocess.run(
            [str(rasa), "train", "nlu", "--config", str(PROJECT_DIR / "config.yml"),
             "--nlu", str(PROJECT_DIR / "data"), "--out", str(MODELS_DIR),
             "--fixed-model-name", MODEL_NAME],
            cwd=PROJECT_DIR.parent, env=rasa_environment(),
            stdout=out if log_file else None, stderr=subprocess.STDOUT if log_file else None,
        )
        if result.returncode != 0 or model_path() is None:
            raise RasaError(f"rasa train nlu failed (exit {result.returncode}); see its output "
                            f"{f'in {log_file}' if log_file else 'above'}")
        FINGERPRINT_FILE.write_text(json.dumps({"fingerprint": digest}))
        _keep(settings, digest)
        print(f"Trained in {time.monotonic() - started:.0f} s: {model_path()}", file=out,
              flush=True)
    return model_path()  # type: ignore[return-value]


def wait_until_ready(url: str, *, timeout: float, process: subprocess.Popen | None = None) -> None:
    """Poll the server until it parses a message; Rasa takes ~35 s to load its model."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RasaError(f"the Rasa server exited with code {process.returncode} while starting")
        try:
            response = httpx.post(f"{url}/model/parse", json={"text": "hello"}, timeout=5)
            if response.status_code == 200 and "intent" in response.json():
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(1)
    raise RasaError(f"the Rasa server at {url} did not answer within {timeout:.0f} s")


def start_server(
    settings: Settings, *, port: int | None = None, log_file: Path | None = None
) -> subprocess.Popen:
    """Start `rasa run` on loopback with the trained model (training it first if needed)."""
    train(settings, log_file=log_file)
    return _run(settings, port or settings.rasa_port, log_file)


def start_replicas(
    settings: Settings, *, port: int | None = None, log_dir: Path | None = None
) -> list[tuple[str, subprocess.Popen]]:
    """Start RASA_REPLICAS `rasa run` processes on consecutive ports from `port` (RASA_PORT).

    One `rasa run` parses one message at a time on one core; several let the bot's client
    (`nlu.client.NluClient`, given all their URLs) use every core. Returns (url, process)
    pairs; logs go to `rasa.log`, `rasa-2.log`, ... in `log_dir`.
    """
    train(settings)
    first = port or settings.rasa_port
    replicas = []
    for number in range(1, settings.rasa_replicas + 1):
        name = "rasa.log" if number == 1 else f"rasa-{number}.log"
        replica_port = first + number - 1
        process = _run(settings, replica_port, log_dir / name if log_dir else None)
        replicas.append((f"http://127.0.0.1:{replica_port}", process))
    return replicas


def _run(settings: Settings, port: int, log_file: Path | None) -> subprocess.Popen:
    output = open(log_file, "ab") if log_file else None  # noqa: SIM115 - owned by the process
    return subprocess.Popen(
        [str(venv_bin(settings, "rasa")), "run", "--enable-api", "-i", "127.0.0.1",
         "--port", str(port), "-m", str(model_path())],
        cwd=PROJECT_DIR.parent, env=rasa_environment(),
        stdout=output or sys.stdout, stderr=subprocess.STDOUT,
    )


def stop_server(process: subprocess.Popen, *, timeout: float = 15) -> None:
    stop_servers([process], timeout=timeout)


def stop_servers(processes: list[subprocess.Popen], *, timeout: float = 15) -> None:
    """Stop them together: each `rasa run` takes 3-8 s to exit after SIGTERM."""
    running = [process for process in processes if process.poll() is None]
    for process in running:
        process.terminate()
    deadline = time.monotonic() + timeout
    for process in running:
        try:
            process.wait(max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
