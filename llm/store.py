"""Content-addressed record/replay of model requests and responses.

The key is the sha256 of the provider kind, the model, the canonical JSON request body (which
never holds a credential: keys travel in headers) and the sample index (so N samples of the same
prompt are N entries). Each entry is ``DIR/KEY[:2]/KEY.json``, written atomically.

Modes: ``live`` calls the model and keeps nothing; ``record`` calls it and stores every exchange;
``replay`` reads the store only and fails, naming the key, when an exchange is missing.

A request that failed (a :class:`ProviderError` other than a refused key) is stored too, as the
entry's ``error``, and replayed as the same error. Answers are stored verbatim, whatever they
hold: the entry is written as ASCII JSON, whose ``\\uXXXX`` escapes carry even a lone surrogate
exactly, so writing never fails on the text and a replayed answer meets the same parser (which
rejects it the same way). An entry that can no longer be read (not UTF-8, not JSON, truncated,
missing fields) raises :class:`StoredEntryError`, which the loop reports and skips.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from porter.llm.providers import Completion, Provider, ProviderError
from porter.llm.text import clip, describe_error

from porter.atomic import write_text_atomic

MODES = ("live", "record", "replay")
FORMAT = 1


#: The largest stored entry read back (bytes).
MAX_ENTRY = 64 << 20


class ReplayMissError(LookupError):
    pass


class StoredEntryError(LookupError):
    """A stored exchange exists but can no longer be read; the message says which and why."""


def request_key(kind: str, model: str, body: dict, sample: int) -> str:
    material = {"format": FORMAT, "provider": kind, "model": model, "body": body, "sample": sample}
    canonical = json.dumps(material, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


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
            return read_entry(path, key), key, True
        entry = {"format": FORMAT, "key": key, "provider": provider.kind, "model": provider.model,
                 "sample": sample, "request": body}
        try:
            completion = provider.complete(messages, max_tokens=max_tokens, temperature=temperature)
        except ProviderError as error:
            if self.mode == "record" and not error.auth:
                self._write(key, {**entry, "error": str(error), "status": error.status})
            raise
        except Exception as error:  # noqa: BLE001 -- a provider's own failure is a failed request
            failure = ProviderError(f"{provider.kind}: the request failed ({describe_error(error, 1000)})")
            if self.mode == "record":
                self._write(key, {**entry, "error": str(failure), "status": None})
            raise failure from None
        if self.mode == "record":
            self._write(key, {**entry, "response": completion.raw,
                              "completion": {"text": completion.text, "input_tokens": completion.input_tokens,
                                             "output_tokens": completion.output_tokens, "model": completion.model}})
        return completion, key, False

    def _write(self, key: str, entry: dict) -> None:
        try:
            text = json.dumps(entry, indent=1, sort_keys=True)  # ASCII: escapes carry any code point
        except (ValueError, TypeError, RecursionError) as error:  # a raw response JSON cannot hold again
            entry["response"] = {"porter": f"the raw response could not be stored ({describe_error(error, 300)})"}
            text = json.dumps(entry, indent=1, sort_keys=True)
        write_text_atomic(self.path(key), text + "\n")


def read_entry(path: Path, key: str) -> Completion:
    """The stored completion at ``path``; a stored failure raises it again as a :class:`ProviderError`."""
    try:
        data = path.read_bytes()
        if len(data) > MAX_ENTRY:
            raise ValueError(f"{len(data)} bytes (at most {MAX_ENTRY})")
        entry = json.loads(data.decode("utf-8"))
    except OSError as error:
        raise StoredEntryError(f"stored answer {key} cannot be read ({error.strerror or error})") from None
    except (ValueError, RecursionError) as error:  # not UTF-8, not JSON (truncated, corrupt), too big or deep
        raise StoredEntryError(f"stored answer {key} is unreadable ({type(error).__name__}: "
                               f"{clip(str(error), 200)})") from None
    if not isinstance(entry, dict):
        raise StoredEntryError(f"stored answer {key} is not a JSON object")
    if "error" in entry and "completion" not in entry:
        if not isinstance(entry["error"], str):
            raise StoredEntryError(f"stored answer {key}: its error is not text")
        status = entry.get("status")
        raise ProviderError(entry["error"], status if isinstance(status, int) else None)
    c = entry.get("completion")
    fields = {"text": object, "input_tokens": int, "output_tokens": int, "model": str}  # any text: the parser judges
    wrong = [name for name, kind in fields.items() if not isinstance(c, dict) or name not in c
             or not isinstance(c[name], kind) or (kind is int and isinstance(c[name], bool))]
    if wrong:
        raise StoredEntryError(f"stored answer {key} lacks a valid {', '.join(wrong)}")
    raw = entry.get("response")
    return Completion(c["text"], c["input_tokens"], c["output_tokens"], c["model"], raw if isinstance(raw, dict) else {})
