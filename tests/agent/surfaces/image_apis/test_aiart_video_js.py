"""Seed 002's JavaScript polling client for img2video, run with Node against a live server, unchanged but for
the host and the key: it uploads, polls every 5 s, and reports the finished video.

The client is browser code (`document.getElementById`, a file input, a status element); the harness gives Node
exactly those two elements and nothing else. The seed's text lost its line breaks (its `//` comments would
swallow the code after them), so they are put back; no token of the client is changed otherwise.

Node is expected where CI runs (.ci/run installs Debian's `nodejs` as it does Chromium): without it the test
skips with the reason, and under CI=true it fails instead.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import av
import httpx
import pytest

from tests.agent.surfaces.image_apis.conftest import new_tenant, space_files
from tests.agent.surfaces.image_apis.test_aiart_video import photo
from tests.conftest import Running, Tenant

# Seed 002's generateVideo(), its line breaks restored; BASE_URL and HEADERS are the only additions.
CLIENT = r"""
async function generateVideo() {
  const imageInput = document.getElementById('imageInput');
  const statusDiv = document.getElementById('status');
  if (!imageInput.files.length) {
    statusDiv.innerHTML = 'Please select an image file';
    return;
  }
  // Create form data
  const formData = new FormData();
  formData.append('image', imageInput.files[0]);
  formData.append('seed', 0); // Use random seed
  formData.append('cfg_scale', 1.5); // Default value
  formData.append('motion_bucket_id', 127); // Default value
  statusDiv.innerHTML = 'Starting video generation...';
  try {
    // Start generation
    const response = await fetch(BASE_URL + '/api/img2video', { method: 'POST', body: formData, headers: HEADERS });
    if (!response.ok) {
      const error = await response.json();
      throw new Error(error.error || 'Unknown error');
    }
    const data = await response.json();
    const generationId = data.id;
    statusDiv.innerHTML = `Generation started with ID: ${generationId}
Polling for results...`;
    // Poll for results
    const maxAttempts = 120; // 10 minutes at 5-second intervals
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      // Wait 5 seconds between checks
      await new Promise(resolve => setTimeout(resolve, 5000));
      statusDiv.innerHTML = `Checking status... (attempt ${attempt+1}/${maxAttempts})`;
      const resultResponse = await fetch(BASE_URL + `/api/img2video/result/${generationId}`, { headers: HEADERS });
      if (resultResponse.status === 202) {
        // Still in progress
        continue;
      }
      if (resultResponse.status === 200) {
        // Complete
        const result = await resultResponse.json();
        statusDiv.innerHTML = `Video generation complete!
Finish reason: ${result.finish_reason}
Seed: ${result.seed}
`;
        break;
      }
      // Error
      const error = await resultResponse.json();
      throw new Error(error.error || 'Unknown error');
    }
  } catch (error) {
    statusDiv.innerHTML = `Error: ${error.message}`;
  }
}
"""

# The page the client expects: a file input holding the photo, and a status element whose text is printed.
HARNESS = r"""
const fs = require('fs');
const [base, key, imagePath] = process.argv.slice(2);
const BASE_URL = base;
const HEADERS = { 'x-api-key': key };
const image = new File([fs.readFileSync(imagePath)], 'photo.png', { type: 'image/png' });
const elements = {
  imageInput: { files: [image] },
  status: { set innerHTML(text) { console.log('STATUS ' + JSON.stringify(text)); } },
};
const document = { getElementById: (id) => elements[id] };
CLIENT
generateVideo().then(() => console.log('DONE'));
"""


def _node() -> str:
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        reason = "Node.js is not installed (apt-get install nodejs): seed 002's JavaScript client cannot run"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI installs Node.js (.ci/run): {reason}")
        pytest.skip(reason)
    return node


@pytest.fixture(scope="module")
def tenant(easel: Running) -> Tenant:
    return new_tenant(easel, "aiart-video-js")


def test_the_seeds_javascript_polling_client_gets_a_video(easel: Running, tenant: Tenant, tmp_path: Path) -> None:
    node = _node()
    photo(tmp_path / "photo.png")
    script = tmp_path / "client.js"
    script.write_text(HARNESS.replace("CLIENT", CLIENT))
    done = subprocess.run([node, str(script), easel.url, tenant.key, str(tmp_path / "photo.png")],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == "DONE", done.stdout
    statuses = [line.removeprefix("STATUS ") for line in lines if line.startswith("STATUS ")]
    assert statuses[0] == '"Starting video generation..."'
    assert statuses[1].startswith('"Generation started with ID: video_')
    # Seed 0 means "random" (the client's own comment): the seed used comes back.
    done_text = r'"Video generation complete!\\nFinish reason: SUCCESS\\nSeed: [1-9]\d*\\n"'
    assert re.fullmatch(done_text, statuses[-1]), statuses
    assert not any(s.startswith('"Error') for s in statuses)
    (mp4,) = [f for f in space_files(easel, tenant) if f["mimeType"] == "video/mp4"]
    data = httpx.get(mp4["url"], timeout=60).content
    with av.open(io.BytesIO(data)) as container:
        assert sum(1 for _ in container.decode(video=0)) == 4 * 24  # the default 4 s, every frame
