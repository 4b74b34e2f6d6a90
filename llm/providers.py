"""Model providers behind one small interface: ``complete(messages, ...) -> Completion``.

Two wire protocols cover the field: OpenAI-style chat completions (OpenAI itself, and vLLM,
SGLang, Ollama, llama.cpp's server, which all speak it) and Anthropic's Messages API. The API key
is read from an environment variable when a request is made, held in a :class:`Secret` whose repr
is masked, sent only in a header, and scrubbed from every error message and raw response porter
keeps, so it never reaches a log, a report, an exception or a store key.
"""

from __future__ import annotations

import email.utils
import json
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

#: HTTP statuses worth a retry: rate limits, server errors, Anthropic's 529 "overloaded".
RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504, 529})
ANTHROPIC_VERSION = "2023-06-01"
DEFAULT_BASE_URLS = {"openai": "https://api.openai.com/v1", "anthropic": "https://api.anthropic.com"}
DEFAULT_KEY_ENV = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}
KINDS = ("openai", "anthropic", "openai-compatible")


#: HTTP statuses that say the credentials are missing or refused: every other request would fail too.
AUTH_STATUSES = frozenset({401, 403})


class ProviderError(Exception):
    """A request failed for good (after retries, or not retryable). The message never holds a key.

    ``auth``: the key is missing or refused, so every other request would fail the same way."""

    def __init__(self, message: str, status: int | None = None, retryable: bool = False, auth: bool = False):
        super().__init__(message)
        self.status = status
        self.retryable = retryable
        self.auth = auth or status in AUTH_STATUSES


class Secret:
    """An API key: usable through :meth:`reveal`, masked everywhere else."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        return self._value

    def scrub(self, text: str) -> str:
        return text.replace(self._value, "[redacted]") if self._value else text

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __reduce__(self):  # never pickled into a worker or a cache
        raise TypeError("a Secret cannot be pickled")


@dataclass(frozen=True)
class Completion:
    text: str
    input_tokens: int
    output_tokens: int
    model: str
    raw: dict = field(repr=False, default_factory=dict)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # total tries, the first included
    base_delay: float = 1.0  # seconds; doubles each retry
    max_delay: float = 60.0  # also the cap on a server's Retry-After
    jitter: float = 0.1  # fraction of the delay added at random

    def delay(self, retry: int, retry_after: float | None, rng: random.Random) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay)
        delay = min(self.base_delay * (2 ** retry), self.max_delay)
        return delay * (1.0 + self.jitter * rng.random())


class Provider(Protocol):
    kind: str
    model: str

    def request_body(self, messages: list[dict], *, max_tokens: int, temperature: float) -> dict: ...

    def complete(self, messages: list[dict], *, max_tokens: int = 4096, temperature: float = 0.7) -> Completion: ...


class _HttpProvider:
    """Shared transport: one JSON POST with a timeout, retries, and key scrubbing."""

    kind = ""
    path = ""

    def __init__(self, model: str, base_url: str, api_key_env: str | None, *, timeout: float = 120.0,
                 retry: RetryPolicy = RetryPolicy(), sleep: Callable[[float], None] = time.sleep,
                 transport: Any = None):
        self.model = model
        self.base_url = base_url.rstrip("/")
        self.api_key_env = api_key_env
        self.timeout = timeout
        self.retry = retry
        self._sleep = sleep
        self._transport = transport  # tests: an httpx transport
        self._rng = random.Random(0)
        self.retries_made = 0

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(model={self.model!r}, base_url={self.base_url!r}, "
                f"api_key_env={self.api_key_env!r})")

    def _key(self) -> Secret:
        if not self.api_key_env:
            return Secret("")
        value = os.environ.get(self.api_key_env, "")
        if not value and self.kind != "openai-compatible":
            raise ProviderError(f"environment variable {self.api_key_env} is not set (it should hold the API key "
                                f"for {self.kind})", auth=True)
        return Secret(value)

    def headers(self, key: Secret) -> dict[str, str]:
        raise NotImplementedError

    def parse(self, data: dict) -> Completion:
        raise NotImplementedError

    def complete(self, messages: list[dict], *, max_tokens: int = 4096, temperature: float = 0.7) -> Completion:
        body = self.request_body(messages, max_tokens=max_tokens, temperature=temperature)
        data = self.post(body)
        try:
            return self.parse(data)
        except (KeyError, IndexError, TypeError, AttributeError, ValueError) as error:
            raise ProviderError(f"{self.kind}: unexpected response shape ({type(error).__name__}: {error})") from None

    def post(self, body: dict) -> dict:
        import httpx  # the `llm` extra; imported on use so porter starts without it

        key = self._key()
        url = f"{self.base_url}{self.path}"
        last = ""
        with httpx.Client(timeout=self.timeout, transport=self._transport) as client:
            for attempt in range(self.retry.attempts):
                retry_after = None
                try:
                    response = client.post(url, json=body, headers=self.headers(key))
                except httpx.TimeoutException as error:
                    last = f"timed out after {self.timeout:g} s ({type(error).__name__})"
                except httpx.TransportError as error:
                    last = f"connection failed ({type(error).__name__}: {key.scrub(str(error))})"
                else:
                    if response.status_code < 300:
                        try:
                            return json.loads(key.scrub(response.text))
                        except (ValueError, RecursionError):
                            raise ProviderError(f"{self.kind}: response is not JSON") from None
                    last = f"HTTP {response.status_code}: {key.scrub(_error_message(response))}"
                    if response.status_code not in RETRY_STATUSES:
                        raise ProviderError(f"{self.kind} {url}: {last}", response.status_code)
                    retry_after = parse_retry_after(response.headers.get("retry-after"))
                if attempt + 1 < self.retry.attempts:
                    self.retries_made += 1
                    self._sleep(self.retry.delay(attempt, retry_after, self._rng))
        raise ProviderError(f"{self.kind} {url}: gave up after {self.retry.attempts} tries; last: {last}",
                            retryable=True)


def _error_message(response) -> str:
    """Both APIs put {"error": {"message": ...}} in their error bodies (Anthropic adds a type)."""
    try:
        error = response.json().get("error", {})
        if isinstance(error, dict):
            kind = error.get("type") or error.get("code") or ""
            return f"{kind}: {error.get('message', '')}".strip(": ")[:500]
        return str(error)[:500]
    except ValueError:
        return response.text[:200]


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After is seconds or an HTTP date."""
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class OpenAIChat(_HttpProvider):
    """``POST {base}/chat/completions``; ``Authorization: Bearer KEY`` (omitted without a key)."""

    kind = "openai"
    path = "/chat/completions"

    def request_body(self, messages: list[dict], *, max_tokens: int, temperature: float) -> dict:
        return {"model": self.model, "messages": messages, "max_tokens": max_tokens, "temperature": temperature}

    def headers(self, key: Secret) -> dict[str, str]:
        return {"Authorization": f"Bearer {key.reveal()}"} if key.reveal() else {}

    def parse(self, data: dict) -> Completion:
        usage = data.get("usage") or {}
        text = data["choices"][0]["message"]["content"] or ""
        return Completion(text, int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0)),
                          data.get("model", self.model), data)


class OpenAICompatible(OpenAIChat):
    """A local or third-party server speaking the OpenAI protocol (vLLM, SGLang, Ollama, llama.cpp)."""

    kind = "openai-compatible"


class AnthropicMessages(_HttpProvider):
    """``POST {base}/v1/messages``; ``x-api-key`` and ``anthropic-version`` headers; system prompt on top."""

    kind = "anthropic"
    path = "/v1/messages"

    def request_body(self, messages: list[dict], *, max_tokens: int, temperature: float) -> dict:
        system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
        body: dict = {"model": self.model, "max_tokens": max_tokens, "temperature": temperature,
                      "messages": [m for m in messages if m["role"] != "system"]}
        if system:
            body["system"] = system
        return body

    def headers(self, key: Secret) -> dict[str, str]:
        return {"x-api-key": key.reveal(), "anthropic-version": ANTHROPIC_VERSION}

    def parse(self, data: dict) -> Completion:
        usage = data.get("usage") or {}
        text = "".join(block.get("text", "") for block in data["content"] if block.get("type") == "text")
        inputs = sum(int(usage.get(k) or 0) for k in ("input_tokens", "cache_creation_input_tokens",
                                                        "cache_read_input_tokens"))
        return Completion(text, inputs, int(usage.get("output_tokens", 0)), data.get("model", self.model), data)


CLASSES = {"openai": OpenAIChat, "openai-compatible": OpenAICompatible, "anthropic": AnthropicMessages}


def make_provider(spec: str, *, base_url: str | None = None, api_key_env: str | None = None, **options) -> Provider:
    """``provider/name``: ``openai/gpt-4o``, ``anthropic/claude-sonnet-4-5``, ``openai-compatible/qwen`` + base URL."""
    kind, _, model = spec.partition("/")
    if kind not in CLASSES or not model:
        raise ProviderError(f"--model {spec!r}: expected PROVIDER/NAME with PROVIDER one of {', '.join(KINDS)}")
    if kind == "openai-compatible" and not base_url:
        raise ProviderError("openai-compatible models need --base-url (e.g. http://localhost:8000/v1 for vLLM, "
                            "http://localhost:11434/v1 for Ollama)")
    return CLASSES[kind](model, base_url or DEFAULT_BASE_URLS[kind],
                         api_key_env if api_key_env is not None else DEFAULT_KEY_ENV.get(kind), **options)
