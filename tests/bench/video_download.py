"""Child process of the video-download scenario: downloads a large video from the fake task
gateway (in this process, writing 1 MiB chunks) with ``videos.with_streaming_response.content``
and prints the peak RSS before and after, in KiB, as JSON. Usage: video_download.py <MiB> <sync|async>."""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import relaykit

from tests.fake_tasks import FakeTaskServer


def peak_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def main() -> None:
    size, mode = int(sys.argv[1]) << 20, sys.argv[2]
    server = FakeTaskServer().start()
    server.downloads["/v1/videos/video_1/content"] = size
    server.downloads["/v1/videos/warm/content"] = 1 << 20
    try:
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / "video.mp4"
            if mode == "sync":
                with relaykit.Client(api_key="sk-bench", base_url=server.url, max_retries=0) as client:
                    with client.videos.with_streaming_response.content("warm") as warm:
                        warm.write_to_file(target)
                    before, t0 = peak_kib(), time.perf_counter()
                    with client.videos.with_streaming_response.content("video_1") as video:
                        written = video.write_to_file(target)
            else:

                async def run() -> tuple[int, float, int]:
                    async with relaykit.AsyncClient(api_key="sk-bench", base_url=server.url, max_retries=0) as client:
                        async with await client.videos.with_streaming_response.content("warm") as warm:
                            await warm.write_to_file(target)
                        start, t = peak_kib(), time.perf_counter()
                        async with await client.videos.with_streaming_response.content("video_1") as video:
                            return start, t, await video.write_to_file(target)

                before, t0, written = asyncio.run(run())
            wall = time.perf_counter() - t0
            assert written == size == target.stat().st_size, (written, size)
    finally:
        server.stop()
    print(json.dumps({"before_kib": before, "after_kib": peak_kib(), "wall_s": wall, "bytes": size}))


if __name__ == "__main__":
    main()
