"""The MCP server at `/mcp` with the official `mcp` client, over streamable HTTP against `easel serve` and over
stdio through `easel mcp --stdio`: list tools, call image_gen, read the resource, and what goes wrong."""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.exceptions import MCPError

from easel.tools.image_args import SCHEMA
from tests.conftest import Running, Tenant
from tests.serverproc import ROOT, parse_fields, run_cli

Work = Callable[[Client], Awaitable[Any]]


def new_tenant(easel: Running, name: str) -> Tenant:
    fields = parse_fields(run_cli(easel.server.data_dir, "accounts", "create", name))
    return Tenant(fields["api key"], fields["workspace"], fields["account"])


@pytest.fixture(scope="module")
def tenant(easel: Running) -> Tenant:
    return new_tenant(easel, "mcp")


def over_http(easel: Running, key: str, work: Work, **headers: str) -> Any:
    async def main() -> Any:
        http = create_mcp_http_client(headers={"Authorization": f"Bearer {key}", **headers})
        async with http, Client(streamable_http_client(easel.url + "/mcp", http_client=http)) as client:
            return await work(client)

    return anyio.run(main)


def over_stdio(easel: Running, key: str, work: Work) -> Any:
    params = StdioServerParameters(command=sys.executable, cwd=str(ROOT), args=[
        "-m", "easel.agent.cli", "mcp", "--stdio", "--url", easel.url + "/mcp", "--key", key])

    async def main() -> Any:
        async with Client(params) as client:
            return await work(client)

    return anyio.run(main)


def space_bytes(easel: Running, tenant: Tenant, file_id: str) -> bytes:
    r = httpx.get(f"{easel.url}/v1/storage/files/{file_id}/content", headers=tenant.headers)
    assert r.status_code == 200
    return r.content


async def tour(client: Client) -> dict[str, Any]:
    """What every transport must do: list tools, make an image, read it back as a resource and by tool."""
    tools = (await client.list_tools()).tools
    made = await client.call_tool("image_gen", {"prompt": "A lighthouse at dawn", "size": "256x192"})
    link = next(c for c in made.content if c.type == "resource_link")
    resource = await client.read_resource(str(link.uri))
    listed = await client.call_tool("list_files", {"limit": 5})
    got = await client.call_tool("get_file", {"file_id": str(link.uri).removeprefix("easel://files/")})
    resources = await client.list_resources()
    return {"tools": tools, "made": made, "link": link, "resource": resource, "listed": listed, "got": got,
            "resources": resources}


def check_tour(easel: Running, tenant: Tenant, seen: dict[str, Any]) -> None:
    assert [t.name for t in seen["tools"]] == ["image_gen", "list_files", "get_file"]
    assert seen["tools"][0].input_schema == SCHEMA["function"]["parameters"]  # what the chat model sees
    made = seen["made"]
    assert not made.is_error and [c.type for c in made.content] == ["text", "image", "resource_link"]
    summary = json.loads(made.content[0].text)
    (file,) = summary["files"]
    assert (summary["status"], file["width"], file["height"]) == ("completed", 256, 192)
    stored = space_bytes(easel, tenant, file["file_id"])
    assert base64.b64decode(made.content[1].data) == stored and made.content[1].mime_type == "image/png"
    assert str(seen["link"].uri) == f"easel://files/{file['file_id']}"
    (contents,) = seen["resource"].contents
    assert base64.b64decode(contents.blob) == stored and contents.mime_type == "image/png"
    listed = json.loads(seen["listed"].content[0].text)
    assert listed["files"][0]["file_id"] == file["file_id"]
    got = seen["got"]
    assert [c.type for c in got.content] == ["text", "image", "resource_link"]
    assert base64.b64decode(got.content[1].data) == stored
    assert f"easel://files/{file['file_id']}" in [str(r.uri) for r in seen["resources"].resources]


def test_over_streamable_http(easel: Running, tenant: Tenant) -> None:
    check_tour(easel, tenant, over_http(easel, tenant.key, tour))


def test_over_stdio_through_easel_mcp(easel: Running, tenant: Tenant) -> None:
    check_tour(easel, tenant, over_stdio(easel, tenant.key, tour))


def test_errors_are_results_the_assistant_can_read(easel: Running, tenant: Tenant) -> None:
    async def work(client: Client) -> list[Any]:
        bad_args = await client.call_tool("image_gen", {"prompt": "x", "size": "99999x1"})
        missing = await client.call_tool("get_file", {"file_id": "file-00000000-0000-0000-0000-000000000000"})
        unknown = await client.call_tool("paint", {})
        with pytest.raises(MCPError) as err:
            await client.read_resource("easel://files/file-00000000-0000-0000-0000-000000000000")
        return [bad_args, missing, unknown, err.value]

    bad_args, missing, unknown, err = over_http(easel, tenant.key, work)
    assert bad_args.is_error and "size" in bad_args.content[0].text
    assert missing.is_error and missing.content[0].text == "File not found (not_found)"
    assert unknown.is_error and "image_gen" in unknown.content[0].text
    assert err.code == -32002
    r = httpx.post(easel.url + "/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    assert (r.status_code, r.json()["code"]) == (401, "unauthorized")
    r = httpx.post(easel.url + "/mcp", headers={"Authorization": "Bearer esk_wrong"}, json={})
    assert (r.status_code, r.json()["code"]) == (401, "invalid_api_key")


def test_the_stateless_server_answers_get_and_delete_with_405_at_once(easel: Running, tenant: Tenant) -> None:
    # A GET used to open an event stream that never carried a message and held its connection until the
    # client gave up; MCP's answer for a server with no such stream is 405.
    for method in ("GET", "DELETE"):
        r = httpx.request(method, easel.url + "/mcp", headers={**tenant.headers, "Accept": "text/event-stream"},
                          timeout=60)
        assert (r.status_code, r.headers["allow"], r.json()["code"]) == (405, "POST", "method_not_allowed")


def test_a_body_that_is_not_json_is_a_json_rpc_error(easel: Running, tenant: Tenant) -> None:
    for headers in ({}, {"Content-Type": "text/plain"}):
        r = httpx.post(easel.url + "/mcp", content=b'{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}',
                       headers={**tenant.headers, "Accept": "application/json", **headers})
        assert r.status_code == 415 and r.headers["content-type"] == "application/json"
        assert r.json()["jsonrpc"] == "2.0" and r.json()["error"]["code"] == -32600


def test_budgets_apply(easel: Running) -> None:
    broke = new_tenant(easel, "mcp-broke")
    run_cli(easel.server.data_dir, "accounts", "budget", broke.account_id, "0")

    async def work(client: Client) -> Any:
        return await client.call_tool("image_gen", {"prompt": "A lighthouse at dawn"})

    refused = over_http(easel, broke.key, work)
    assert refused.is_error and refused.content[0].text.startswith("Not enough credits")
    files = httpx.get(easel.url + "/v1/storage/files", headers=broke.headers).json()["files"]
    assert files == []
