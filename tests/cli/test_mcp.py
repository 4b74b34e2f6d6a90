"""``porter mcp``: the MCP server over stdio, driven by the official SDK's own client."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("mcp", reason="porter mcp needs the mcp package (pip install 'porter[agent]'; the test extra has it)")
anyio = pytest.importorskip("anyio")

from mcp import ClientSession, StdioServerParameters  # noqa: E402
from mcp.client.stdio import stdio_client  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SAXPY = ROOT / "golden" / "kernels" / "saxpy.cu"


async def session_run(work) -> None:
    params = StdioServerParameters(command=sys.executable, args=["-m", "porter", "mcp"], cwd=str(ROOT))
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            await work(session)


def run(work) -> None:
    anyio.run(session_run, work)


def error_text(result) -> str:
    assert result.is_error, result
    return result.content[0].text


def test_one_session_lists_translates_checks_reads_and_refuses_bad_input(tmp_path):
    seen: dict = {}

    async def work(session: ClientSession) -> None:
        tools = {tool.name: tool for tool in (await session.list_tools()).tools}
        seen["tools"] = tools
        for target in ("hip", "triton"):
            seen[target] = await session.call_tool("translate", {"file": str(SAXPY), "target": target})
        progress: list[tuple] = []

        async def on_progress(done, total, message) -> None:
            progress.append((done, total, message))

        seen["check"] = await session.call_tool(
            "check", {"paths": [str(SAXPY.with_suffix(".toml"))], "backends": ["nki"], "case": "*/n1000",
                      "build_dir": str(tmp_path / "build")}, progress_callback=on_progress)
        seen["progress"] = progress
        seen["catalogue"] = await session.read_resource("porter://diagnostics")
        seen["explain"] = await session.call_tool("explain", {"diagnostic_id": "p0210"})
        seen["missing"] = await session.call_tool("translate", {"file": str(tmp_path / "nope.cu"), "target": "hip"})
        seen["target"] = await session.call_tool("translate", {"file": str(SAXPY), "target": "cobol"})
        seen["both"] = await session.call_tool("translate", {"file": str(SAXPY), "source": "x", "target": "hip"})
        seen["option"] = await session.call_tool("translate", {"file": str(SAXPY), "target": "hip",
                                                               "hip_version": "banana"})
        seen["unknown id"] = await session.call_tool("explain", {"diagnostic_id": "P9999"})
        seen["still alive"] = await session.call_tool("translate", {"source": "__global__ void k(float* x)"
                                                                    " { x[threadIdx.x] = 1.0f; }\n", "target": "hip"})

    run(work)
    tools = seen["tools"]
    assert {"translate", "port", "analyze", "check", "bench", "explain", "doctor"} <= set(tools)
    schema = tools["translate"].input_schema["properties"]
    assert set(schema["target"]["enum"]) == {"hip", "triton", "pallas", "nki"}  # typed inputs

    hip = seen["hip"].structured_content
    assert not seen["hip"].is_error and hip["ok"] and hip["target"] == "hip" and hip["diagnostics"] == []
    assert "#include <hip/hip_runtime.h>" in hip["code"] and "__global__ void saxpy" in hip["code"]
    triton = seen["triton"].structured_content
    assert not seen["triton"].is_error and "@triton.jit" in triton["code"]

    check = seen["check"].structured_content
    assert not seen["check"].is_error, seen["check"]
    assert check["records"] and {r["case"] for r in check["records"]} == {"saxpy/n1000"}
    assert check["summary"]["pass"] >= 1 and check["ok"]
    assert seen["progress"] and seen["progress"][-1][:2] == (1.0, 1.0)  # progress notifications arrived

    catalogue = json.loads(seen["catalogue"].contents[0].text)
    assert catalogue["P0001"]["title"] and "P0094" in catalogue
    assert seen["explain"].structured_content["id"] == "P0210"

    assert "P0001" in error_text(seen["missing"]) and "nope.cu" in error_text(seen["missing"])
    assert "cobol" in error_text(seen["target"]) or "target" in error_text(seen["target"])
    assert "exactly one" in error_text(seen["both"])
    assert "banana" in error_text(seen["option"]) and "Traceback" not in error_text(seen["option"])
    assert "unknown diagnostic id" in error_text(seen["unknown id"])
    assert not seen["still alive"].is_error  # bad requests never stopped the server


def test_bench_lists_the_plan_without_a_gpu():
    seen = {}

    async def work(session: ClientSession) -> None:
        seen["bench"] = await session.call_tool("bench", {"paths": [str(SAXPY.with_suffix(".toml"))],
                                                          "backends": ["hip"]})

    run(work)
    bench = seen["bench"].structured_content
    assert not seen["bench"].is_error and bench["plan"] and "porter bench" in bench["timing"]
