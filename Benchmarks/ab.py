#!/usr/bin/env python3
"""ab.py OUTDIR — the table of an ab.sh run: the median of each figure for builds A and B
over the rounds, and B ÷ A. A round that lost, duplicated or reordered an event is left
out and counted. It reports; it never fails on a figure."""
import glob
import json
import os
import re
import statistics
import sys

FIGURES = {
    "fanout": [("server CPU µs per delivery", "cpu"), ("latency p99 ms", "latency_ms.p99")],
    "throughput": [("deliveries/s", "deliveries_per_s"), ("server CPU µs per delivery", "cpu")],
    "hold": [("RSS per parked client, bytes", "rss_per_client_bytes")],
}


def result(path):
    with open(path) as f:
        for line in f:
            if line.startswith("RESULT "):
                return json.loads(line[7:])
    return None


def clean(r):
    return r.get("end") == "completed" and not r.get("lost") and not r.get("duplicated") \
        and not r.get("out_of_order") and not r.get("seq_gaps")


def figure(r, key):
    if key == "cpu":
        if not r.get("delivered") or r.get("server_cpu_s", -1) < 0:
            return None
        return r["server_cpu_s"] * 1e6 / r["delivered"]
    value = r
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return None if value in (None, -1) else float(value)


def main(out):
    with open(os.path.join(out, "meta.txt")) as f:
        print(f.read().rstrip())
    print()
    print("| row | figure | A (median) | B (median) | B ÷ A | rounds |")
    print("|---|---|---|---|---|---|")
    for row, figures in FIGURES.items():
        runs = {"A": [], "B": []}
        unclean = 0
        for path in sorted(glob.glob(os.path.join(out, f"{row}-[AB]-r*.log"))):
            side = re.search(rf"{row}-([AB])-r", path).group(1)
            r = result(path)
            if r is None or not clean(r):
                unclean += 1
                continue
            runs[side].append(r)
        if not runs["A"] and not runs["B"]:
            continue
        for name, key in figures:
            values = {s: [v for v in (figure(r, key) for r in runs[s]) if v is not None] for s in runs}
            a = statistics.median(values["A"]) if values["A"] else None
            b = statistics.median(values["B"]) if values["B"] else None
            q = f"{b / a:.3f}" if a and b else "–"
            fmt = lambda v: "–" if v is None else f"{v:,.1f}"
            note = f"{len(values['A'])} + {len(values['B'])}" + (f", {unclean} unclean left out" if unclean else "")
            print(f"| {row} | {name} | {fmt(a)} | {fmt(b)} | {q} | {note} |")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: ab.py OUTDIR")
    main(sys.argv[1])
