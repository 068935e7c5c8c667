"""Presenting results: units of measure, text and HTML summaries, Excel workbooks for planners.

``units`` turns the instance's units (``units`` in instance.yaml) into labels; ``text`` writes
``summary()``, ``repr`` and the notebook HTML of results and networks; ``excel`` writes a
formatted workbook. Nothing here imports a model, ``Result`` or ``Network``: they are passed in.
"""
