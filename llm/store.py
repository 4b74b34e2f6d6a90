"""Content-addressed record/replay of model requests and responses.

The key is the sha256 of the provider kind, the model, the canonical JSON request body (which
never holds a credential: keys travel in headers) and the sample index (so N samples of the same
prompt are N entries). Each entry is ``DIR/KEY[:2]/KEY.json``, written atomically.

Modes: ``live`` calls the model and keeps nothing; ``record`` calls it and stores every exchange;
``replay`` reads the store only and fails, naming the key, when an exchange is missing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from porter.llm.providers import Completion, Provider

from porter.atomic import write_text_atomic

MODES = ("live", "record", "replay")
FORMAT = 1


class ReplayMissError(LookupError):
    pass


def request_key(kind: str, model: str, body: dict, sample: int) -> str:
    material = {"format": FORMAT, "provider": kind, "model": model, "body": body, "sample": sample}
    canonical = json.dumps(material, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass
class ResponseStore:
    folder: Path | None
    mode: str = "live"

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"mode {self.mode!r}: expected one of {', '.join(MODES)}")
        if self.mode != "live" and self.folder is None:
            raise ValueError(f"mode {self.mode} needs a store folder")

    def path(self, key: str) -> Path:
        assert self.folder is not None
        return Path(self.folder) / key[:2] / f"{key}.json"

    def complete(self, provider: Provider, messages: list[dict], *, max_tokens: int, temperature: float,
                 sample: int = 0) -> tuple[Completion, str, bool]:
        """(completion, key, replayed)."""
        body = provider.request_body(messages, max_tokens=max_tokens, temperature=temperature)
        key = request_key(provider.kind, provider.model, body, sample)
        if self.mode == "replay":
            path = self.path(key)
            if not path.exists():
                raise ReplayMissError(f"no recorded response for key {key} ({provider.kind}/{provider.model}, "
                                      f"sample {sample}) in {self.folder}; record it with --mode record")
            entry = json.loads(path.read_text())
            c = entry["completion"]
            return Completion(c["text"], c["input_tokens"], c["output_tokens"], c["model"], entry["response"]), key, True
        completion = provider.complete(messages, max_tokens=max_tokens, temperature=temperature)
        if self.mode == "record":
            entry = {"format": FORMAT, "key": key, "provider": provider.kind, "model": provider.model,
                     "sample": sample, "request": body, "response": completion.raw,
                     "completion": {"text": completion.text, "input_tokens": completion.input_tokens,
                                    "output_tokens": completion.output_tokens, "model": completion.model}}
            write_text_atomic(self.path(key), json.dumps(entry, indent=1, sort_keys=True) + "\n")
        return completion, key, False
