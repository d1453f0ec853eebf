"""book/_ext/parallel.py: the pages' notebooks run at the same time, into MyST-NB's cache, before Sphinx reads them."""
import json
import os
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from jupyter_cache import get_cache

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "book" / "_ext"))
import parallel  # noqa: E402

PAGE = """---
file_format: mystnb
kernelspec:
  name: python3
---

# {name}

```{{code-cell}} ipython3
import json, time
start = time.time()
time.sleep(3)
{code}
open("{name}.json", "w").write(json.dumps([start, time.time()]))
```
"""


def run(folder: Path, names, mode="cache"):
    config = SimpleNamespace(execution_mode=mode, execution_cache_path=str(folder / "cache"), metadata_key="mystnb",
                             execution_timeout=60, execution_allow_errors=False)
    env = SimpleNamespace(mystnb_config=config, doc2path=lambda name: str(folder / f"{name}.md"))
    parallel.run_notebooks(SimpleNamespace(), env, names)
    return get_cache(config.execution_cache_path)


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: the pool runs one page at a time")
def test_pages_run_at_the_same_time_into_the_cache_and_a_failing_one_is_left_to_myst_nb(tmp_path):
    for name, code in (("first", ""), ("second", ""), ("broken", "1 / 0")):
        (tmp_path / f"{name}.md").write_text(PAGE.format(name=name, code=code))
    cache = run(tmp_path, ["first", "second", "broken"])
    cached = {Path(record.uri).stem for record in cache.list_cache_records()}
    assert cached == {"first", "second"}  # the broken page is not cached: MyST-NB runs it and reports the error
    (start1, end1), (start2, end2) = (json.loads((tmp_path / f"{name}.json").read_text())
                                      for name in ("first", "second"))
    assert start1 < end2 and start2 < end1, "the two pages did not run at the same time"

    for name in ("first", "second"):
        (tmp_path / f"{name}.json").unlink()
    run(tmp_path, ["first", "second"])  # nothing changed: nothing runs again
    assert not any((tmp_path / f"{name}.json").exists() for name in ("first", "second"))


def test_nothing_runs_unless_the_execution_mode_is_cache(tmp_path):
    (tmp_path / "page.md").write_text(PAGE.format(name="page", code=""))
    run(tmp_path, ["page"], mode="force")
    assert not (tmp_path / "page.json").exists() and not (tmp_path / "cache").exists()
    forced = PAGE.format(name="forced", code="").replace("file_format: mystnb\n",
                                                          "file_format: mystnb\nmystnb:\n  execution_mode: force\n")
    (tmp_path / "forced.md").write_text(forced)
    cache = run(tmp_path, ["forced"])  # a page that runs itself every build: left to MyST-NB
    assert not (tmp_path / "forced.json").exists() and not cache.list_cache_records()


def test_a_page_that_runs_when_read_runs_again_each_time_it_is_read(tmp_path):
    page = PAGE.format(name="results", code="").replace("file_format: mystnb\n",
                                                       "file_format: mystnb\nrun_when_read: true\n")
    (tmp_path / "results.md").write_text(page)
    first = run(tmp_path, ["results"]).list_cache_records()
    assert len(first) == 1 and (tmp_path / "results.json").exists()
    (tmp_path / "results.json").unlink()
    again = run(tmp_path, ["results"]).list_cache_records()  # read again, its code unchanged: it runs again
    assert (tmp_path / "results.json").exists() and len(again) == 1
    (tmp_path / "results.json").unlink()
    run(tmp_path, [])  # not read in this build: not run
    assert not (tmp_path / "results.json").exists()


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: the pool runs one page at a time")
def test_a_page_that_runs_first_starts_before_the_others(tmp_path):
    for name in ("a", "b", "c"):  # in reverse order of names: c and b would start first, then a
        page = PAGE.format(name=name, code="")
        if name == "a":
            page = page.replace("file_format: mystnb\n", "file_format: mystnb\nrun_first: true\n")
        (tmp_path / f"{name}.md").write_text(page)
    run(tmp_path, ["a", "b", "c"])
    starts = {name: json.loads((tmp_path / f"{name}.json").read_text())[0] for name in ("a", "b", "c")}
    assert starts["a"] < starts["b"] - 1 and starts["c"] < starts["b"] - 1, starts
