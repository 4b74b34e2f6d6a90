"""A test server on 127.0.0.1 that speaks OpenAI chat completions and Anthropic Messages.

Test code only: it answers from a script (a list of (status, headers, body) per path), records
every request it receives, binds an ephemeral port on the loopback interface, and stops itself
when the ``with`` block ends (and after ``lifetime`` seconds at the latest).
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def openai_body(text: str, model: str = "scripted-model", prompt_tokens: int = 100, completion_tokens: int = 50):
    return {"id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens}}


def anthropic_body(text: str, model: str = "scripted-model", input_tokens: int = 100, output_tokens: int = 50):
    return {"id": "msg_test", "type": "message", "role": "assistant", "model": model,
            "content": [{"type": "text", "text": text}], "stop_reason": "end_turn", "stop_sequence": None,
            "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens}}


class ScriptedServer:
    """``script``: path -> list of (status, headers, body dict); the last entry repeats."""

    def __init__(self, script: dict[str, list[tuple[int, dict, dict]]], lifetime: float = 60.0):
        self.script = {path: list(entries) for path, entries in script.items()}
        self.requests: dict[str, list[dict]] = defaultdict(list)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                server.requests[self.path].append({"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                entries = server.script.get(self.path) or [(404, {}, {"error": {"message": "no such path"}})]
                status, headers, payload = entries.pop(0) if len(entries) > 1 else entries[0]
                data = json.dumps(payload).encode()
                self.send_response(status)
                for key, value in {"content-type": "application/json", **headers}.items():
                    self.send_header(key, value)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.timer = threading.Timer(lifetime, self.httpd.shutdown)
        self.timer.daemon = True

    def __enter__(self):
        self.thread.start()
        self.timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self.timer.cancel()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)
