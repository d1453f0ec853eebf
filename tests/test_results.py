import json

import pytest
import torch

from ae import results
from ae.paths import course_root
from ae.results import DirtyTree, read_result, write_result


def test_a_result_from_a_dirty_tree_is_refused_and_nothing_is_written(tmp_path):
    path = tmp_path / "result.json"
    with pytest.raises(ValueError, match="uncommitted changes") as error:
        write_result(path, {"dirty": True, "value": 1})
    assert isinstance(error.value, DirtyTree) and "\n" not in str(error.value)
    assert list(tmp_path.iterdir()) == []


def test_allow_dirty_writes_it_marked_dirty(tmp_path):
    path = write_result(tmp_path / "result.json", {"dirty": True, "value": 1}, allow_dirty=True)
    assert read_result(path) == {"dirty": True, "value": 1}


def test_a_clean_result_is_written_atomically_leaving_no_temporary_file(tmp_path):
    path = write_result(tmp_path / "sub" / "result.json", {"dirty": False, "value": [1, 2]})
    assert json.loads(path.read_text()) == {"dirty": False, "value": [1, 2]}
    assert [p.name for p in path.parent.iterdir()] == ["result.json"]


def test_a_failed_write_leaves_the_previous_file_whole(tmp_path):
    path = write_result(tmp_path / "result.json", {"dirty": False, "value": 1})
    with pytest.raises(TypeError):
        write_result(path, {"dirty": False, "value": object()})  # not JSON: fails before anything is written
    assert read_result(path) == {"dirty": False, "value": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]


@pytest.mark.parametrize("dirty", [True, False])
def test_a_result_without_provenance_is_checked_against_the_tree_now(tmp_path, monkeypatch, dirty):
    monkeypatch.setattr(results, "tree_is_dirty", lambda: dirty)
    if dirty:
        with pytest.raises(DirtyTree):
            write_result(tmp_path / "result.json", {"value": 1})
    else:
        assert read_result(write_result(tmp_path / "result.json", {"value": 1})) == {"value": 1}


def test_provenance_records_whether_the_tree_is_dirty(monkeypatch):
    monkeypatch.setattr(results, "tree_is_dirty", lambda: True)
    assert results.provenance("python -m ae sweep", "cpu")["dirty"] is True


def test_provenance_says_what_the_cpu_offers(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Platinum\n"
                    "flags\t\t: fpu avx2 avx512f amx_bf16 amx_tile avx512_vnni\n")
    assert results.cpu(info) == {"name": "Intel(R) Xeon(R) Platinum", "bfloat16_flags": ["avx512f", "amx_bf16",
                                 "amx_tile"], "capability": torch.backends.cpu.get_cpu_capability()}
    assert results.cpu(tmp_path / "none")["bfloat16_flags"] == []  # no /proc/cpuinfo: no flags, a name still
    assert results.provenance("python -m ae sweep", "cpu")["machine"]["cpu"] == results.cpu()


COMMITTED = sorted((course_root() / "results").glob("*.json"))


def test_the_committed_results_are_there():
    assert {"book_build.json", "hinton2006.json", "sweep.json"} <= {p.name for p in COMMITTED}


@pytest.mark.parametrize("path", COMMITTED, ids=[p.name for p in COMMITTED])
def test_every_committed_result_comes_from_a_clean_tree(path):
    result = json.loads(path.read_text())
    assert result.get("dirty") is False, f"{path.name} records dirty={result.get('dirty')!r}"
