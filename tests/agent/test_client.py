"""`easel chat`, `easel files` and `easel conversations` as a person runs them: the installed command, over
real HTTP against a real server, piped and once on a pseudo-terminal."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import Running, png_bytes
from tests.serverproc import ROOT, EaselServer

KEY = "esk_client_test_key_000000000000000000"


def cli(*args: str, url: str, key: str | None, cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EASEL_URL": url, **({"EASEL_API_KEY": key} if key is not None else {})}
    done = subprocess.run([sys.executable, "-m", "easel.agent.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)
    if check:
        assert done.returncode == 0, done.stderr
    return done


@pytest.fixture(scope="module")
def workspace(easel: Running) -> str:
    with easel.client(easel.alice) as c:
        made: str = c.post("/v1/workspaces", json={"name": "client"}).json()["id"]
    return made


def content(running: Running, workspace: str, file_id: str) -> bytes:
    with running.client(running.alice) as c:
        return c.get(f"/v1/storage/files/{file_id}/content", params={"workspace_id": workspace}).content


def test_chat_with_a_file_then_continue(easel: Running, workspace: str, tmp_path: Path) -> None:
    def run(*a: str) -> subprocess.CompletedProcess[str]:
        return cli(*a, "--workspace", workspace, url=easel.url, key=easel.alice.key, cwd=tmp_path)

    (tmp_path / "photo.png").write_bytes(png_bytes((120, 90), (20, 140, 220)))
    out = tmp_path / "out"
    out.mkdir()
    first = run("chat", "Render this photo as a pencil sketch", "--file", "photo.png", "--out", str(out))
    assert re.search(r"^Restyling photo\.png \(pencil sketch\)…$", first.stdout, re.M)
    saved = re.findall(r"^saved (.+)$", first.stdout, re.M)
    assert saved == [str(out / "photo-pencil-sketch.png")]
    assert re.search(r"^… image_gen painting “Render it as a pencil sketch”$", first.stderr, re.M)
    assert re.search(r"^✓ image_gen made “Render it as a pencil sketch” in \d+\.\d s$", first.stderr, re.M)
    conv = re.search(r"^conversation (conv-\w+) \(continue with --continue\)$", first.stderr, re.M)[1]  # type: ignore[index]
    second = run("chat", "Add rain to it", "--continue", "--out", str(out))
    assert re.findall(r"^saved (.+)$", second.stdout, re.M) == [str(out / "photo-pencil-sketch-rain.png")]
    assert f"conversation {conv} " in second.stderr
    with easel.client(easel.alice) as c:
        thread = c.get(f"/v1/conversations/{conv}", params={"workspace_id": workspace}).json()
    assert [m["role"] for m in thread["messages"]] == ["user", "assistant", "user", "assistant"]
    made = [thread["messages"][1]["media"][0], thread["messages"][3]["media"][0]]
    assert made[1]["metadata"]["source_file_ids"] == [made[0]["file_id"]]
    for media, path in zip(made, ["photo-pencil-sketch.png", "photo-pencil-sketch-rain.png"], strict=True):
        assert (out / path).read_bytes() == content(easel, workspace, media["file_id"])  # the very bytes saved
    # The same name again never overwrites: a third turn's image gets a free name.
    third = run("chat", "Add rain to it", "--conversation", conv, "--out", str(out))
    assert re.findall(r"^saved (.+)$", third.stdout, re.M)[0].startswith(str(out / "photo-pencil-sketch-rain-"))
    # The thread and the list, as text.
    listed = run("conversations", "list").stdout.splitlines()
    assert listed[0].split("\t")[0] == conv and listed[0].endswith("Render this photo as a pencil sketch")
    shown = run("conversations", "show", conv).stdout
    assert "you: Render this photo as a pencil sketch" in shown and "you: Add rain to it" in shown
    assert made[0]["file_id"] in shown and "[image_gen completed]" in shown


def test_files_upload_list_download_rm(easel: Running, workspace: str, tmp_path: Path) -> None:
    def run(*a: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return cli(*a, "--workspace", workspace, url=easel.url, key=easel.alice.key, cwd=tmp_path, check=check)

    data = png_bytes((33, 44), (1, 2, 3))
    (tmp_path / "a.png").write_bytes(data)
    (tmp_path / "notes.txt").write_text("hello\n")
    uploaded = run("files", "upload", "a.png", "notes.txt").stdout.splitlines()
    ids = [line.split("\t")[0] for line in uploaded]
    assert [line.split("\t")[1] for line in uploaded] == ["a.png", "notes.txt"]
    assert all(i.startswith("file-") for i in ids)
    listed = run("files", "list", "--limit", "2")
    assert [line.split("\t")[0] for line in listed.stdout.splitlines()] == ids[::-1]
    (tmp_path / "dl").mkdir()
    got = run("files", "download", ids[0], "-o", "dl")
    assert got.stdout.startswith(f"saved {Path('dl') / 'a.png'}") and (tmp_path / "dl" / "a.png").read_bytes() == data
    run("files", "download", ids[0], "-o", "dl")  # a second copy beside it, not over it
    assert (tmp_path / "dl" / "a-1.png").read_bytes() == data
    assert run("files", "rm", ids[0]).stdout.strip() == f"deleted {ids[0]}"
    gone = run("files", "download", ids[0], "-o", "dl/x.png", check=False)
    assert gone.returncode == 1 and gone.stderr.strip() == "easel: File not found (HTTP 404, not_found)"
    assert not (tmp_path / "dl" / "x.png").exists() and not (tmp_path / "dl" / "x.png.part").exists()


def test_errors_exit_non_zero_with_the_servers_message(easel: Running, tmp_path: Path) -> None:
    def run(*a: str, key: str | None = easel.alice.key, url: str = easel.url) -> tuple[int, str, str]:
        done = cli(*a, url=url, key=key, cwd=tmp_path, check=False)
        return done.returncode, done.stdout, done.stderr.strip()

    assert run("files", "list", key="esk_wrong") == (1, "", "easel: Invalid API key (HTTP 401, invalid_api_key)")
    assert run("chat", "hello", "--conversation", "conv-nope") == (
        1, "", "easel: Conversation not found (HTTP 404, not_found)")
    assert run("chat", "hello", "--workspace", easel.bob.workspace_id) == (
        1, "", "easel: Workspace not found (HTTP 404, not_found)")
    (tmp_path / "fake.png").write_bytes(b"not an image")
    code, _, err = run("chat", "restyle this", "--file", "fake.png")
    assert code == 1 and err.startswith("easel: ") and err.endswith("(HTTP 415, invalid_image)")
    missing = run("chat", "x", "--file", "missing.png")
    assert missing[::2] == (1, "easel: cannot read missing.png: No such file or directory")
    assert run("files", "list", key="")[::2] == (1, "easel: no API key: set EASEL_API_KEY (the server printed one on "
                                                     "its first start)")
    code, _, err = run("files", "list", url="http://127.0.0.1:9")
    assert code == 1 and err.startswith("easel: cannot reach Easel at http://127.0.0.1:9")
    assert run("chat", "x", "--out", "nowhere")[::2] == (1, "easel: --out nowhere: no such folder")


@pytest.fixture(scope="module")
def slow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EaselServer]:
    """A painter that takes two seconds, so the text before it and the spinner during it can be seen."""
    server = EaselServer(tmp_path_factory.mktemp("slow"), key=KEY,
                         env={"EASEL_IMAGE_MODEL": "fake/solid:2", "EASEL_RATE_LIMIT_RPM": "0"}).start()
    yield server
    server.stop()


def test_text_is_printed_as_it_arrives(slow: EaselServer, tmp_path: Path) -> None:
    env = {**os.environ, "EASEL_URL": slow.base_url, "EASEL_API_KEY": KEY}
    proc = subprocess.Popen([sys.executable, "-m", "easel.agent.cli", "chat", "Create an image of a red kite"],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    first = proc.stdout.readline()
    assert first.startswith("Creating a red kite") and proc.poll() is None  # shown while the painter works
    rest, err = proc.communicate(timeout=120)
    assert proc.returncode == 0 and re.search(r"^saved (\S+\.png)$", rest, re.M)
    assert "… image_gen painting “a red kite”" in err  # piped: plain lines, no spinner
    assert "\r" not in err and "\x1b" not in err


def test_on_a_terminal_a_spinner_shows_elapsed_time(slow: EaselServer, tmp_path: Path) -> None:
    env = {**os.environ, "EASEL_URL": slow.base_url, "EASEL_API_KEY": KEY, "PYTHONPATH": str(ROOT)}
    pid, fd = pty.fork()
    if pid == 0:  # the child: stdout and stderr are the terminal
        os.chdir(tmp_path)
        os.execve(sys.executable, [sys.executable, "-m", "easel.agent.cli", "chat",
                                   "Create an image of a red kite"], env)
    screen = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the terminal closes when the child exits
            break
        if not chunk:
            break
        screen += chunk
    _, status = os.waitpid(pid, 0)
    text = screen.decode()
    assert os.waitstatus_to_exitcode(status) == 0, text
    frames = re.findall(r"\r\x1b\[K[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] image_gen (?:starting|painting) “a red kite” (\d+\.\d) s", text)
    assert frames, text  # the spinner redrew its line with the time so far
    assert re.search(r"✓ image_gen made “a red kite” in \d+\.\d s", text)
    assert re.search(r"saved \S+\.png", text) and text.startswith("Creating a red kite")
    # The reply's closing words, written after the spinner stopped, stand whole on their line.
    lines = [line.removesuffix("\r") for line in text.split("\n")]  # the terminal ends lines with \r\n
    (closing,) = [line for line in lines if line.endswith("Tell me if you'd like any changes.")]
    assert closing.startswith("I created ") and "\x1b" not in closing and "\r" not in closing
    assert httpx.get(slow.base_url + "/healthz").status_code == 200


def test_a_failure_inside_the_stream_exits_non_zero_with_its_message(tmp_path: Path) -> None:
    # A chat model whose provider cannot be reached: the turn ends with the stream's own `error` event.
    env = {"EASEL_CHAT_MODEL": "openai/absent-model", "EASEL_CHAT_API_BASE": "http://127.0.0.1:9/v1",
           "EASEL_CHAT_API_KEY": "sk-not-used", "EASEL_RATE_LIMIT_RPM": "0"}
    with EaselServer(tmp_path / "data", key=KEY, env=env) as server:
        done = cli("chat", "Create an image of a red kite", url=server.base_url, key=KEY, cwd=tmp_path, check=False)
    assert done.returncode == 1 and done.stdout == ""
    assert re.fullmatch(r"easel: .+ \(upstream_error\)", done.stderr.strip()), done.stderr
    assert "sk-not-used" not in done.stderr
