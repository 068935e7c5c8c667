"""solve_many loses nothing to crashes: a dying worker fails only its scenario, a killed
parent leaves no worker, a script without a main guard is refused at once, an unwritable
output folder or a corrupt manifest is reported before solving, and temporaries do not
survive a resume. Objectives are those worked out by hand in test_batch.py."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest
from batch_workers import design_or_die, design_or_exit
from test_batch import HAND, hand_net

import supplynet as sn
from supplynet.cli.main import main as cli_main
from supplynet.scenarios.spec import Scenario

TESTS = Path(__file__).parent
SRC = TESTS.parent / "src"


@pytest.mark.parametrize("model, executor, words", [
    (design_or_die, 2, "died"),  # the worker is killed (as by the out-of-memory killer)
    (design_or_exit, None, "SystemExit"),  # the model calls sys.exit, in process
    (design_or_exit, 2, "SystemExit"),  # and in a pool worker
])
def test_a_failing_scenario_fails_only_itself(model, executor, words):
    scs = [Scenario("s1_down", disrupt="S1"), Scenario("failing", demand={"factor": 3.0}),
           Scenario("dear", costs={"purchase": 2.0})]
    runs = sn.solve_many(model, hand_net(), scs, executor=executor, progress=False)
    st = runs.status.set_index("scenario")
    assert st.at["failing", "status"] == "error"
    assert words in st.at["failing", "error"]
    for name in ("base", "s1_down", "dear"):
        assert st.at[name, "status"] == "optimal", name
        assert runs[name].objective == pytest.approx(HAND[name])


def _children(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(d.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_killing_the_parent_leaves_no_worker(tmp_path):
    script = tmp_path / "batch.py"
    script.write_text(textwrap.dedent(f"""
        import sys
        sys.path[:0] = [{str(TESTS)!r}, {str(SRC)!r}]
        import supplynet as sn
        from batch_workers import slow_design
        from test_batch import hand_net

        if __name__ == "__main__":
            sn.solve_many(slow_design, hand_net(), [sn.Scenario("a"), sn.Scenario("b")],
                          executor=2, progress=False)
    """))
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        workers: list[int] = []
        for _ in range(120):  # the spawn workers start within seconds
            time.sleep(0.25)
            workers = [p for p in _children(parent.pid)
                       if "resource_tracker" not in (Path("/proc") / str(p) / "cmdline").read_text()]
            if len(workers) >= 2:
                break
        assert len(workers) >= 2, "the batch did not start its workers"
        parent.kill()
        parent.wait()
        for _ in range(40):
            if not any(_alive(w) for w in workers):
                break
            time.sleep(0.25)
        assert not any(_alive(w) for w in workers)
    finally:
        if parent.poll() is None:
            parent.kill()


def test_a_script_without_main_guard_is_refused_at_once(tmp_path):
    script = tmp_path / "unguarded.py"
    script.write_text(textwrap.dedent(f"""
        import sys
        sys.path[:0] = [{str(TESTS)!r}, {str(SRC)!r}]
        import supplynet as sn
        from test_batch import hand_net

        sn.solve_many(sn.design, hand_net(), [], executor=2, progress=False)
    """))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode != 0
    assert "if __name__ ==" in done.stderr and "line 7" in done.stderr


def test_unwritable_output_folder_is_reported_before_solving(tmp_path, monkeypatch):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    with pytest.raises(sn.OptionsError, match="a_file.*cannot be written"):
        sn.solve_many(sn.design, hand_net(), [], out=blocker / "out", progress=False)

    def full(self, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", full)
    with pytest.raises(sn.OptionsError, match="No space left"):
        sn.solve_many(sn.design, hand_net(), [], out=tmp_path / "out", progress=False)


def test_resume_removes_temporaries_of_a_killed_batch(tmp_path):
    (tmp_path / ".base.tmp-99999").mkdir()
    (tmp_path / ".base.tmp-99999" / "flows.csv").write_text("x\n")
    (tmp_path / ".manifest.csv.tmp-99999").write_text("half a manifest")
    runs = sn.solve_many(sn.design, hand_net(), [], out=tmp_path, progress=False, format="csv")
    assert runs["base"].objective == pytest.approx(HAND["base"])
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_corrupt_manifest_is_a_message(tmp_path, capsys):
    (tmp_path / "manifest.csv").write_bytes(b"\xff\xfe\x00\x81garbage\n\x00\x00")
    with pytest.raises(sn.InstanceError, match="manifest.csv: not a readable batch manifest"):
        sn.solve_many(sn.design, hand_net(), [], out=tmp_path, progress=False)
    hand_net().write(tmp_path / "inst")
    (tmp_path / "s.yaml").write_text("- name: x\n  costs: {purchase: 2}\n")
    code = cli_main(["batch", str(tmp_path / "inst"), str(tmp_path / "s.yaml"), "--out",
                     str(tmp_path), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "manifest.csv" in err and "Traceback" not in err
    pd.DataFrame({"a": [1]}).to_csv(tmp_path / "manifest.csv", index=False)
    with pytest.raises(sn.InstanceError, match="not a batch manifest"):
        sn.solve_many(sn.design, hand_net(), [], out=tmp_path, progress=False)
    assert os.path.exists(tmp_path / "manifest.csv")  # reported, not overwritten
