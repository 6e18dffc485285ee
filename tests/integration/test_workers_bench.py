"""The benchmark runner end to end at a small size (``make bench-quick`` is the same at 20,000)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = [pytest.mark.bench, pytest.mark.worker, pytest.mark.postgres, pytest.mark.redis,
              pytest.mark.xdist_group("celery_workers")]

SUFFIX = os.environ.get("PYTEST_XDIST_WORKER", "main")


def test_bench_runner_measures_every_section_against_its_floor(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", "--persons", "3000", "--database", f"ceplat_bench_test_{SUFFIX}",
         "--redis-db", "14", "--chunk-size", "500", "--results", str(results)],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads(results.read_text(encoding="utf-8"))
    figures = {f["name"]: f for f in report["figures"]}
    verify = figures["verification (workers)"]
    assert verify["value"] > 0 and verify["floor"] > 0 and verify["ratio"] > 0
    # The floor (one hand-written statement) and the platform decide exactly the same.
    assert figures["verification agrees with floor"]["value"] == 0
    assert 0 < figures["worker peak RSS (max process)"]["value"] < 500
    assert report["details"]["data"]["persons"] == 3000
    # (b) numbering with 1 and 4 real workers: no duplicate, no gap; (c) the Attachment 3 import.
    assert figures["numbering duplicates + gaps"]["value"] == 0
    assert figures["numbering (4 workers)"]["value"] > 0 and figures["numbering (1 worker)"]["value"] > 0
    assert figures["Attachment 3 import"]["value"] > 0
    assert "ce-platform benchmark" in proc.stdout
