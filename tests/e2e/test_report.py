"""`zoning report` reproduces the resolution's figures (the table in docs/data.md),
written out here independently of data/targets.toml."""

import csv
import io

from conftest import run, run_json

# key: (count, area in ha) from the resolution; None where it gives none.
RESOLUTION = {
    "kcn_existing_2021": (6, 1322),
    "kcn_new": (23, None),
    "kcn_expanded": (5, None),
    "ccn_merged_into_kcn": (6, None),
    "kcn_added": (None, 6518),
    "kcn_2030": (29, 7840),
    "ccn_existing_2021": (52, None),
    "ccn_new": (29, None),
    "ccn_expanded": (3, None),
    "ccn_added": (None, 1853),
    "ccn_removed": (9, 372.6),
    "ccn_2030": (66, 3209),
}


def lines():
    return {l["key"]: l for l in run_json("report")["lines"]}


def test_every_figure_is_reproduced_from_the_zones():
    got = lines()
    for key, (count, area) in RESOLUTION.items():
        line = got[key]
        if count is not None:
            assert line["count"] == count, key
            assert line["target_count"] == count, key
        if area is not None:
            assert abs(line["declared_area_ha"] - area) < 0.005, key
            assert line["target_area_ha"] == area, key
            # the illustrative boundaries match the declared areas within 0.5 %
            assert abs(line["grid_area_ha"] - area) / area < 0.005, key
            assert abs(line["geodesic_area_ha"] - area) / area < 0.005, key


def test_the_parts_add_up():
    got = lines()
    added = sum(got[k]["declared_area_ha"] for k in ("kcn_new", "kcn_expanded", "ccn_merged_into_kcn"))
    assert abs(added - got["kcn_added"]["declared_area_ha"]) < 1e-6
    assert abs(got["kcn_existing_2021"]["declared_area_ha"] + added - got["kcn_2030"]["declared_area_ha"]) < 1e-6
    ccn_added = got["ccn_new"]["declared_area_ha"] + got["ccn_expanded"]["declared_area_ha"]
    assert abs(ccn_added - got["ccn_added"]["declared_area_ha"]) < 1e-6
    # 66 = 52 − 9 − 6 + 29
    assert got["ccn_2030"]["count"] == (
        got["ccn_existing_2021"]["count"] - got["ccn_removed"]["count"] - got["ccn_merged_into_kcn"]["count"] + got["ccn_new"]["count"]
    )


def test_milestones_show_the_shortfall():
    got = lines()
    for key, target in (("kcn_in_use_by_2025", 5), ("ccn_in_use_by_2025", 9)):
        line = got[key]
        assert line["target_count"] == target and line["comparison"] == "at_least"
        assert line["count_met"] == (line["count"] >= target)
        assert line["count_difference"] == line["count"] - target


def test_csv_and_table_formats():
    rows = list(csv.DictReader(io.StringIO(run("report", "--format", "csv").stdout)))
    assert [r["key"] for r in rows][:6] == ["kcn_existing_2021", "kcn_new", "kcn_expanded", "ccn_merged_into_kcn", "kcn_added", "kcn_2030"]
    table = run("report").stdout
    assert "KCN đến năm 2030 / KCN in 2030" in table
    assert "7840.00" in table and "3209.00" in table and "372.60" in table
