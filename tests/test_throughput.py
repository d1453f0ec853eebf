"""benchmarks/throughput.py, run small: both precisions' peaks, the training's fraction of the peak of the
precision the reproduction uses here, and the profile of that step."""
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import throughput  # noqa: E402


def test_the_benchmark_reports_both_peaks_and_profiles_the_precision_in_use(capsys):
    throughput.main(["--steps", "3", "--repeats", "1", "--large", "64", "--profile"])
    out = capsys.readouterr().out
    assert out.startswith("CPU: ") and "torch capability" in out
    for name in throughput.PRECISIONS:
        assert re.search(rf"{name} +peak at the step's shapes +[\d.]+ GFLOP/s.*fraction of the {name} peak", out)
    used = re.search(r"the reproduction trains in (\w+) here", out).group(1)
    assert used == ("bfloat16" if throughput.bfloat16_is_fast("cpu") else "float32")
    total, products, share, rest = re.search(
        rf"a {used} training step of batch 128, profiled: ([\d.]+) ms, of which matrix products ([\d.]+) ms "
        r"\((\d+)%\), the rest ([\d.]+) ms", out).groups()
    assert float(products) > 0 and float(rest) > 0
    assert abs(float(products) + float(rest) - float(total)) < 0.02
    assert "aten::mm" in out  # the profiler's table follows
