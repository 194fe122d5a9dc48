"""The benchmark runs end to end at a small size and reports every figure (no timing is asserted)."""

from __future__ import annotations

from astrocyte_postgres import bench


async def test_the_benchmark_reports_each_figure_beside_its_baseline(pg_dsn: str) -> None:
    report = (await bench.run(pg_dsn, size=1000, queries=10, clusters=10)).to_json()
    retain, search = report["retain"], report["search"]
    assert retain["memories"] == 1000
    assert retain["astrocyte_per_second"] > 0
    assert retain["raw_per_second"] > 0
    assert search["vectors"] == 1000
    assert search["astrocyte"]["calls"] == search["bare"]["calls"] == 10
    assert 0.9 <= search["recall_at_10"] <= 1.0  # HNSW over 1000 clustered vectors misses almost nothing
    near = report["near_duplicate_check"]
    assert near["probes"] == near["present"] == 1000  # every probe is a near duplicate of a stored vector
    assert near["missed"] <= 10  # ten in a thousand would break the stated bound by far
    assert 0 <= near["search_ef_missed"] <= near["present"]  # the same query at the searches' ef_search
    assert near["threshold_ef_search"] > search["ef_search"]
    assert min(report["load_average"].values()) >= 0.0  # the load the figures were taken under
