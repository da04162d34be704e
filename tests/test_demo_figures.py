"""The demo's figures: their curves measure what the demo's table reports."""

import numpy as np

import minitrain.demo_figures as figures
from minitrain import demo


def test_table_errors_are_the_last_points_of_the_error_curves(tmp_path, capsys, monkeypatch):
    """The figures' curves and the table measure the same thing: the RMSE in W of the
    validation curve's last round equals the table's RMSE of the final parameters (float32
    sums in another order: 1e-4 relative)."""
    captured = {}
    original = figures.write_figures

    def spy(out, detector, runs, prepared, rows, drift):
        captured.update(curves=figures.error_curves(runs, prepared, "elapsed"), rows=rows)
        return original(out, detector, runs, prepared, rows, drift)

    monkeypatch.setattr(figures, "write_figures", spy)
    demo.run(demo.DemoSettings(nodes=3, rounds=2, out=tmp_path))
    capsys.readouterr()
    by_name = {row.name: row for row in captured["rows"]}
    for label, (_, rmse) in captured["curves"].items():
        assert np.isclose(rmse[-1], by_name[label].rmse, rtol=1e-4), label
