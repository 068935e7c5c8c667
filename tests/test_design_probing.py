"""Plant probing (design/probing.py): every plant option bounded by an LP, the likeliest
configuration's MIP as incumbent, options whose bound exceeds it excluded. The optimum must be
the one of the plain MIP (HiGHS's branch and bound on the whole model, a second algorithm),
on generated multi-echelon networks with plant levels; the exclusion bounds are checked by
hand."""

from __future__ import annotations

import pytest

import supplynet as sn
from supplynet.models.design.probing import PlantOption, exclusion_bounds


# seeds 9, 17, 19 exclude options and solve the restricted MIP; 8 and 33 also met HiGHS 1.16
# valuing the MIP start wrongly in its presolved space (solve.py re-solves without it)
@pytest.mark.parametrize("seed", [0, 1, 2, 3, 8, 9, 17, 19, 33])
def test_probing_keeps_the_optimum_of_the_plain_mip(seed):
    net = sn.generate(warehouses=4 + seed % 3, customers=25 + 5 * (seed % 8), products=2,
                      plants=3 + seed % 2, suppliers=3, periods=3, seed=seed)
    probed = sn.design(net, plant_probing=True, mip_gap=1e-9)
    plain = sn.design(net, plant_probing=False, mip_gap=1e-9)
    assert probed.status == plain.status == "optimal"
    assert probed.objective == pytest.approx(plain.objective, rel=1e-7)
    # the bound of the probed solve is valid for the whole model
    assert probed.bound <= plain.objective * (1 + 1e-7)


@pytest.mark.parametrize("seed", [9, 17])
def test_probing_that_runs_out_of_time_keeps_its_incumbent_as_the_start(seed, monkeypatch):
    """The probes never finish (bound_options gives up): the whole MIP is solved from the
    incumbent instead of being thrown away, and ends at the plain MIP's optimum."""
    from supplynet.models.design import probing

    net = sn.generate(warehouses=4 + seed % 3, customers=25 + 5 * (seed % 8), products=2,
                      plants=3 + seed % 2, suppliers=3, periods=3, seed=seed)
    starts = []
    solve = probing.solve_compiled

    def spy(cm, so, model, *args):
        starts.append(so.mip_start)
        return solve(cm, so, model, *args)

    monkeypatch.setattr(probing, "bound_options", lambda *a, **k: False)
    monkeypatch.setattr(probing, "solve_compiled", spy)
    probed = sn.design(net, plant_probing=True, mip_gap=1e-9)
    monkeypatch.undo()
    plain = sn.design(net, plant_probing=False, mip_gap=1e-9)
    assert len(starts) == 2 and starts[1]  # the incumbent's MIP, then the whole MIP from it
    assert probed.status == plain.status == "optimal"
    assert probed.objective == pytest.approx(plain.objective, rel=1e-7)
    assert "probing excluded" not in probed.message


def test_exclusions_become_column_bounds():
    """Plant A (open column 0, levels small 1 / large 2): small excluded -> level 1 <= 0;
    closed excluded -> open >= 1. Plant B (open 3, no levels): open excluded -> open <= 0.
    Plant C (open 4, level 5 only): the level excluded -> the plant closes (open <= 0)."""
    opts = [PlantOption("A", "closed", 0), PlantOption("A", "small", 0, 1),
            PlantOption("A", "large", 0, 2), PlantOption("B", "closed", 3),
            PlantOption("B", "open", 3), PlantOption("C", "closed", 4),
            PlantOption("C", "only", 4, 5)]
    lower, upper = exclusion_bounds(opts, [opts[0], opts[1], opts[4], opts[6]])
    assert lower == {0: 1.0}
    assert upper == {1: 0.0, 3: 0.0, 4: 0.0}
    assert opts[1].fix == {0: 1.0, 1: 1.0} and opts[0].fix == {0: 0.0} and opts[4].fix == {3: 1.0}
