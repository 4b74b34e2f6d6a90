"""Both provider clients against the local test server: shapes, headers, retries, Retry-After, secrets."""

from __future__ import annotations

import json
import logging

import pytest
from porter.llm.providers import (
    AnthropicMessages,
    OpenAIChat,
    ProviderError,
    RetryPolicy,
    Secret,
    make_provider,
    parse_retry_after,
)
from porter.llm.store import ResponseStore

from tests.llm.servers import ScriptedServer, anthropic_body, openai_body

KEY = "sk-test-0123456789-SUPERSECRET"
MESSAGES = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hello"}]


@pytest.fixture
def key_env(monkeypatch):
    monkeypatch.setenv("PORTER_TEST_KEY", KEY)
    return "PORTER_TEST_KEY"


def _provider(cls, url, key_env, sleeps, **kw):
    return cls("m1", url, key_env, timeout=5, retry=RetryPolicy(attempts=4, base_delay=0.5, jitter=0.0),
               sleep=sleeps.append, **kw)


def test_openai_shape_error_retry_and_retry_after(key_env):
    script = {"/v1/chat/completions": [
        (500, {}, {"error": {"message": "boom", "type": "server_error"}}),
        (429, {"retry-after": "3"}, {"error": {"message": "slow down", "type": "rate_limit"}}),
        (200, {}, openai_body("hi there", model="m1-2025", prompt_tokens=11, completion_tokens=7))]}
    sleeps: list[float] = []
    with ScriptedServer(script) as server:
        provider = _provider(OpenAIChat, server.url + "/v1", key_env, sleeps)
        completion = provider.complete(MESSAGES, max_tokens=64, temperature=0.0)
    assert (completion.text, completion.input_tokens, completion.output_tokens, completion.model) == \
        ("hi there", 11, 7, "m1-2025")
    assert sleeps == [0.5, 3.0]  # exponential backoff after the 500, the server's Retry-After after the 429
    sent = server.requests["/v1/chat/completions"]
    assert len(sent) == 3
    assert sent[-1]["headers"]["authorization"] == f"Bearer {KEY}"
    assert sent[-1]["body"] == {"model": "m1", "messages": MESSAGES, "max_tokens": 64, "temperature": 0.0}


def test_anthropic_shape_error_retry_and_retry_after(key_env):
    script = {"/v1/messages": [
        (529, {}, {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
        (429, {"retry-after": "2"}, {"type": "error", "error": {"type": "rate_limit_error", "message": "later"}}),
        (200, {}, anthropic_body("bonjour", input_tokens=21, output_tokens=4))]}
    sleeps: list[float] = []
    with ScriptedServer(script) as server:
        provider = _provider(AnthropicMessages, server.url, key_env, sleeps)
        completion = provider.complete(MESSAGES, max_tokens=32, temperature=0.2)
    assert (completion.text, completion.input_tokens, completion.output_tokens) == ("bonjour", 21, 4)
    assert sleeps == [0.5, 2.0]
    request = server.requests["/v1/messages"][-1]
    assert request["headers"]["x-api-key"] == KEY
    assert request["headers"]["anthropic-version"] == "2023-06-01"
    assert request["body"]["system"] == "be brief"
    assert request["body"]["messages"] == [{"role": "user", "content": "hello"}]


def test_retries_are_bounded(key_env):
    sleeps: list[float] = []
    with ScriptedServer({"/v1/chat/completions": [(503, {}, {"error": {"message": "down"}})]}) as server:
        provider = _provider(OpenAIChat, server.url + "/v1", key_env, sleeps)
        with pytest.raises(ProviderError, match="gave up after 4 tries"):
            provider.complete(MESSAGES, max_tokens=8, temperature=0)
    assert sleeps == [0.5, 1.0, 2.0]
    assert len(server.requests["/v1/chat/completions"]) == 4


def test_connection_errors_are_retried(key_env):
    sleeps: list[float] = []
    provider = _provider(OpenAIChat, "http://127.0.0.1:9/v1", key_env, sleeps)  # nothing listens on port 9
    with pytest.raises(ProviderError, match="connection failed"):
        provider.complete(MESSAGES, max_tokens=8, temperature=0)
    assert len(sleeps) == 3


def test_the_key_never_leaks(key_env, tmp_path, caplog):
    """A server that echoes the key in its error: not in exceptions, reprs, logs, stores or store keys."""
    caplog.set_level(logging.DEBUG)
    echo = {"error": {"message": f"Incorrect API key provided: {KEY}", "type": "invalid_request_error"}}
    with ScriptedServer({"/v1/chat/completions": [(401, {}, echo)],
                         "/v1/messages": [(200, {}, anthropic_body(f"your key is {KEY}"))]}) as server:
        openai = _provider(OpenAIChat, server.url + "/v1", key_env, [])
        with pytest.raises(ProviderError) as raised:
            openai.complete(MESSAGES, max_tokens=8, temperature=0)
        anthropic = _provider(AnthropicMessages, server.url, key_env, [])
        store = ResponseStore(tmp_path, "record")
        completion, store_key, _ = store.complete(anthropic, MESSAGES, max_tokens=8, temperature=0)
    assert raised.value.status == 401 and "[redacted]" in str(raised.value)
    texts = [str(raised.value), repr(raised.value), repr(openai), repr(anthropic), repr(Secret(KEY)), str(Secret(KEY)),
             completion.text, json.dumps(completion.raw), store_key, caplog.text]
    texts += [p.read_text() for p in tmp_path.rglob("*.json")]
    assert not [t for t in texts if KEY in t]
    with pytest.raises(TypeError):
        __import__("pickle").dumps(Secret(KEY))


def test_missing_key_names_the_variable_not_a_value(monkeypatch):
    monkeypatch.delenv("NO_SUCH_KEY_VAR", raising=False)
    provider = make_provider("anthropic/claude-x", api_key_env="NO_SUCH_KEY_VAR")
    with pytest.raises(ProviderError, match="NO_SUCH_KEY_VAR is not set"):
        provider.complete(MESSAGES, max_tokens=8, temperature=0)


def test_make_provider():
    assert isinstance(make_provider("openai/gpt-x"), OpenAIChat)
    assert make_provider("openai/gpt-x").api_key_env == "OPENAI_API_KEY"
    local = make_provider("openai-compatible/qwen", base_url="http://localhost:8000/v1/", api_key_env="")
    assert (local.kind, local.base_url) == ("openai-compatible", "http://localhost:8000/v1")
    with pytest.raises(ProviderError, match="--base-url"):
        make_provider("openai-compatible/qwen")
    with pytest.raises(ProviderError, match="PROVIDER/NAME"):
        make_provider("gpt-x")


def test_retry_after_forms():
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a date in the past
    assert RetryPolicy(max_delay=10).delay(0, 3600, __import__("random").Random(0)) == 10
