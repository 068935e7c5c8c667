"""Scenario studies: declarative patches (spec, patch), batch solves (batch), their answers
side by side (runs) and on disk (store)."""

from .batch import load_runs, solve_many
from .runs import Runs
from .spec import Scenario, read_scenarios, scenario_table, scenarios_from_list, write_scenarios

__all__ = ["Runs", "Scenario", "load_runs", "read_scenarios", "scenario_table", "scenarios_from_list",
           "solve_many", "write_scenarios"]
