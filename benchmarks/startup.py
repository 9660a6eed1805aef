"""How fast the hub starts, against ``mlflow --help`` measured in the same run.

Three commands, each run ``--runs`` times as a fresh process, median wall time reported:
``hub --help`` and ``hub plugins list`` (with every first-party plugin installed, as ``make
install`` leaves them) in ``.venv``, and ``mlflow --help`` in ``.venv-bench``, a separate
environment so MLflow never shares the hub's. ``.venv-bench`` is created with the newest MLflow
when absent. Targets: ``hub --help`` at most 0.05x and ``hub plugins list`` at most 0.1x of
``mlflow --help``.

    .venv/bin/python benchmarks/startup.py [--runs 5] [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH_VENV = ROOT / ".venv-bench"
TARGETS = {"hub --help": 0.05, "hub plugins list": 0.1}


def ensure_mlflow() -> Path:
    mlflow = BENCH_VENV / "bin" / "mlflow"
    if not mlflow.exists():
        if not (BENCH_VENV / "bin" / "python").exists():
            subprocess.run([sys.executable, "-m", "venv", str(BENCH_VENV)], check=True)
        subprocess.run([str(BENCH_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "mlflow"], check=True)
    return mlflow


def median_seconds(command: list[str], runs: int, env: dict[str, str]) -> float:
    subprocess.run(command, capture_output=True, check=True, env=env)  # warm the file cache and bytecode
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True, env=env)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", type=Path, help="Also write the figures to this file.")
    args = parser.parse_args()

    hub = str(Path(sys.executable).parent / "hub")
    with tempfile.TemporaryDirectory(prefix="hub-bench-config-") as config:
        # A config folder of its own: no plugin the person running this disabled stays disabled.
        env = {**os.environ, "HUB_CONFIG_DIR": config}
        for name in ("HUB_LOAD_PLUGINS", "HUB_DISABLE_PLUGINS", "HUB_STRICT_PLUGINS"):
            env.pop(name, None)
        listed = json.loads(subprocess.run([hub, "plugins", "list", "--json"], capture_output=True, text=True,
                                           check=True, env=env).stdout)
        figures = {
            "hub --help": median_seconds([hub, "--help"], args.runs, env),
            "hub plugins list": median_seconds([hub, "plugins", "list"], args.runs, env),
            "mlflow --help": median_seconds([str(ensure_mlflow()), "--help"], args.runs, env),
        }
    baseline = figures["mlflow --help"]
    print(f"Median of {args.runs} runs; {len(listed)} plugins installed: {', '.join(p['name'] for p in listed)}")
    for name, seconds in figures.items():
        line = f"{name:<18} {seconds * 1000:8.1f} ms"
        if name in TARGETS:
            ratio = seconds / baseline
            verdict = "meets" if ratio <= TARGETS[name] else "MISSES"
            line += f"   {ratio:.3f}x mlflow --help ({verdict} the {TARGETS[name]}x target)"
        print(line)
    if args.json:
        args.json.write_text(json.dumps({"runs": args.runs, "plugins": [p["name"] for p in listed],
                                         "seconds": figures,
                                         "ratios": {name: figures[name] / baseline for name in TARGETS}}, indent=2))


if __name__ == "__main__":
    main()
