"""`easel serve --workers 2`: the store is prepared once (one key printed) and both workers serve requests."""

from __future__ import annotations

import re
import socket
import time
from pathlib import Path

import pytest

from tests.serverproc import EaselServer

pytestmark = pytest.mark.slow
KEY = "esk_workers_test_key_0000000000000000"


def _workers(pid: int) -> set[int]:
    """The worker processes under the supervisor (not multiprocessing's resource tracker)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and b"resource_tracker" not in (stat.parent / "cmdline").read_bytes():
            found.add(int(stat.parent.name))
    return found


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = fd.readlink().name
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def _server_side_inode(server_port: int, client_port: int) -> str | None:
    """The inode of the server's end of the loopback connection from `client_port`."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        cols = line.split()
        local, remote, inode = cols[1], cols[2], cols[9]
        if int(local.split(":")[1], 16) == server_port and int(remote.split(":")[1], 16) == client_port:
            return inode
    return None


def _call(port: int) -> tuple[socket.socket, int]:
    """One authenticated request on a connection kept open; returns it and the HTTP status."""
    conn = socket.create_connection(("127.0.0.1", port), timeout=30)
    conn.sendall(f"GET /v1/workspaces HTTP/1.1\r\nHost: x\r\nx-api-key: {KEY}\r\n\r\n".encode())
    head = conn.recv(65536).decode(errors="replace")
    return conn, int(head.split()[1])


def test_two_workers_both_serve_and_the_key_is_printed_once(tmp_path: Path) -> None:
    server = EaselServer(tmp_path, key=KEY, env={"EASEL_WORKERS": "2"})
    server.launch().wait_ready(timeout=120)
    open_conns: list[socket.socket] = []
    try:
        assert server.proc is not None
        deadline = time.monotonic() + 60
        while len(workers := _workers(server.proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(workers) == 2, workers
        served: set[int] = set()
        for _ in range(300):  # bounded: the kernel hands each new connection to whichever worker accepts first
            conn, status = _call(server.port)
            open_conns.append(conn)
            assert status == 200
            inode = _server_side_inode(server.port, conn.getsockname()[1])
            served |= {pid for pid in workers if inode in _socket_inodes(pid)}
            if served == workers:
                break
        assert served == workers
    finally:
        for conn in open_conns:
            conn.close()
        output = server.stop()
    assert re.findall(r"api key:\s+(\S+)", output) == [KEY]  # bootstrapped once, by the supervising process
