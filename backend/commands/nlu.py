"""`frontdesk nlu setup|train|serve|parse|eval`: the Rasa NLU model (its environment,
training, serving, one parse, an evaluation)."""

from __future__ import annotations

import argparse
import json
import sys

import httpx

from backend.kernel.config import Settings


def cmd_nlu(settings: Settings, args: argparse.Namespace) -> int:
    from nlu import rasa_env

    try:
        if args.nlu_command == "setup":
            print(f"Rasa is ready: {rasa_env.setup(settings)}")
        elif args.nlu_command == "train":
            rasa_env.train(settings, force=args.force)
        elif args.nlu_command == "serve":
            replicas = rasa_env.start_replicas(settings, port=args.port)
            try:
                for url, process in replicas:
                    rasa_env.wait_until_ready(url, timeout=180, process=process)
                urls = ",".join(url for url, _ in replicas)
                print(f"Rasa is serving on {urls} (RASA_URL={urls})", flush=True)
                for _, process in replicas:
                    process.wait()
            except KeyboardInterrupt:
                pass
            finally:
                rasa_env.stop_servers([process for _, process in replicas])
        elif args.nlu_command == "parse":
            url = args.url or settings.rasa_url
            try:
                response = httpx.post(f"{url}/model/parse", json={"text": args.text}, timeout=10)
                response.raise_for_status()
            except httpx.HTTPError as exc:
                print(f"Rasa at {url} is not reachable ({exc}); start it with "
                      "`frontdesk nlu serve`.", file=sys.stderr)
                return 1
            print(json.dumps(response.json(), ensure_ascii=False, indent=2))
        elif args.nlu_command == "eval":
            from nlu.evaluate import main as evaluate

            return evaluate(args.path, args.url or settings.rasa_url, args.json)
    except rasa_env.RasaError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    return 0

