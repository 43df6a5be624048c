#!/usr/bin/env python3
"""summarize.py OUTDIR — the markdown tables of a run-all.sh run.

Reads OUTDIR/meta.txt, the RESULT lines of the livepage-bench logs (and of lpbench's, when
run-all.sh ran that cross-check), and wrk's "Requests/sec" lines, and prints LivePage's
figures next to nginx + Nchan's, both measured by livepage-bench, with the ratios and the
targets of the Proof and Engine issues. With RUNS > 1, one table per run. It reports;
it never fails on a figure.
"""
import json
import os
import re
import sys


def result(out, name):
    """The RESULT object of OUT/NAME.log, or None."""
    try:
        with open(os.path.join(out, name + ".log")) as f:
            for line in f:
                if line.startswith("RESULT "):
                    return json.loads(line[7:])
    except OSError:
        pass
    return None


def wrk_rate(out, name):
    try:
        with open(os.path.join(out, name + ".log")) as f:
            m = re.search(r"Requests/sec:\s+([0-9.]+)", f.read())
            return float(m.group(1)) if m else None
    except OSError:
        return None


def wrk_command(out, name):
    """The wrk command line of OUT/NAME.log's header, without its URL."""
    try:
        with open(os.path.join(out, name + ".log")) as f:
            m = re.match(r"== [^:]+: (wrk .*?) http", f.readline())
            return m.group(1) if m else "wrk"
    except OSError:
        return "wrk"


def cpu_per_delivery(r):
    """Server CPU microseconds per delivery over the measured phase, as a RESULT-like
    object for cell(), or None."""
    if r is None or not r.get("delivered") or r.get("server_cpu_s", -1) < 0:
        return None
    return dict(r, cpu_us_per_delivery=r["server_cpu_s"] * 1e6 / r["delivered"])


def clean(r):
    """Completed, nothing lost, duplicated, out of order or foreign, and nobody else's
    clients on the server (it reported more parked than this run parked)."""
    return r is not None and r.get("end") == "completed" and not r.get("lost") and not r.get("duplicated") \
        and not r.get("out_of_order") and not r.get("seq_gaps") and not r.get("foreign") \
        and not r["errors"].get("gave_up") and r.get("server_parked", -1) <= r.get("parked", 0)


def cell(r, key, digits=0):
    """A figure from RESULT r, marked '!' when the run was not clean."""
    if r is None:
        return "–", None
    value = r
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if value is None or value == -1:
        return "–", None
    text = f"{value:,.{digits}f}"
    return (text if clean(r) else text + " !"), float(value)


def ratio(a, b, target, better):
    if a is None or not b:
        return "–", "–"
    q = a / b
    met = q <= target if better == "lower" else q >= target
    return f"{q:.2f}", "yes" if met else "**no**"


def integrity(r):
    if r is None:
        return "–"
    parts = [str(r.get("lost", "–")), str(r.get("duplicated", "–"))]
    if "out_of_order" in r:
        parts.append(str(r["out_of_order"]))
    return " / ".join(parts) + ("" if r.get("end") in (None, "completed") else f" ({r['end']})")


def table(out, run):
    def r(name):
        return result(out, f"{name}-r{run}")

    fl, fn = r("fanout-livepage"), r("fanout-nchan")
    tl, tn = r("throughput-livepage"), r("throughput-nchan")
    hl, hn = r("hold-livepage"), r("hold-nchan")
    il, inx = r("idle-livepage"), r("idle-nginx")
    wl, wn = wrk_rate(out, f"wrk-livepage-r{run}"), wrk_rate(out, f"wrk-nginx-r{run}")

    lines = [
        "| scenario | figure | LivePage | nginx + Nchan | LivePage ÷ Nchan | target | met |",
        "|---|---|---|---|---|---|---|",
    ]

    def row(table_lines, scenario, figure, l, n, key, digits, target=None, better=None):
        cl, vl = cell(l, key, digits)
        cn, vn = cell(n, key, digits)
        if target is None:
            q, met, t = (f"{vl / vn:.2f}" if vl is not None and vn else "–"), "", ""
        else:
            q, met = ratio(vl, vn, target, better)
            t = ("≤ " if better == "lower" else "≥ ") + f"{target} × Nchan"
            if cl.endswith("!") or cn.endswith("!"):
                met = "unclean run"
        table_lines.append(f"| {scenario} | {figure} | {cl} | {cn} | {q} | {t} | {met} |")

    def clients(*results):
        return next((f"{x['clients']:,}" for x in results if x), "?")

    if fl or fn:
        s = f"fanout: {clients(fl, fn)} clients, {next((x['messages'] for x in (fl, fn) if x), '?')} msgs"
        row(lines, s, "latency p99 ms", fl, fn, "latency_ms.p99", 1, 0.7, "lower")
        row(lines, s, "latency p50 ms", fl, fn, "latency_ms.p50", 1)
        row(lines, s, "server CPU µs per delivery", *map(cpu_per_delivery, (fl, fn)), "cpu_us_per_delivery", 1)
    if tl or tn:
        s = f"throughput: {clients(tl, tn)} clients, 4 publishers, window 64 (Nchan multipart)"
        row(lines, s, "deliveries/s", tl, tn, "deliveries_per_s", 0, 1.0, "higher")
        row(lines, s, "server CPU µs per delivery", *map(cpu_per_delivery, (tl, tn)), "cpu_us_per_delivery", 1)
    if hl or hn:
        s = f"hold: {clients(hl, hn)} parked clients"
        row(lines, s, "RSS per parked client, bytes", hl, hn, "rss_per_client_bytes", 0, 0.5, "lower")
        row(lines, s, "connect + park s", hl, hn, "connect_s", 2)
    runs = [fl, fn, tl, tn, hl, hn]
    if any(runs):
        lines.append(
            "| every run above | lost / duplicated / out of order | "
            + ", ".join(integrity(x) for x in (fl, tl, hl)) + " | "
            + ", ".join(integrity(x) for x in (fn, tn, hn)) + " | | 0 | "
            + ("yes" if all(x is None or (not x.get("lost") and not x.get("duplicated") and not x.get("out_of_order"))
                            for x in runs) else "**no**") + " |")

    engine = [
        "| what | LivePage | nginx | LivePage ÷ nginx | target | met |",
        "|---|---|---|---|---|---|",
    ]
    if wl or wn:
        q, met = ratio(wl, wn, 0.6, "higher")
        fmt = lambda v: "–" if v is None else f"{v:,.0f}"
        engine.append(f"| `{wrk_command(out, f'wrk-livepage-r{run}')}`, requests/s (`/livepage/health` vs `/ok`) | {fmt(wl)} | {fmt(wn)} | {q} | ≥ 0.6 × nginx | {met} |")
    if il or inx:
        clv, vl = cell(il, "rss_per_client_bytes")
        cnv, vn = cell(inx, "rss_per_client_bytes")
        q, _ = ratio(vl, vn, 1, "lower")
        met = "–" if vl is None else ("yes" if vl <= 4096 else "**no**")
        engine.append(f"| RSS per idle keep-alive connection, {clients(il, inx)} open, bytes | {clv} | {cnv} | {q} | ≤ 4,096 B | {met} |")

    cross = []
    xl = [r(f"{x}-lpbench-livepage") for x in ("fanout", "throughput", "hold")]
    xn = [r(f"{x}-lpbench-nchan") for x in ("fanout", "throughput", "hold")]
    if any(xl) or any(xn):
        cross = [
            "| scenario | figure | LivePage (lpbench) | nginx + Nchan (lpbench) | LivePage ÷ Nchan (lpbench) | target | met |",
            "|---|---|---|---|---|---|---|",
        ]
        if xl[0] or xn[0]:
            row(cross, "fanout", "latency p99 ms", xl[0], xn[0], "latency_ms.p99", 1, 0.7, "lower")
            row(cross, "fanout", "server CPU µs per delivery", *map(cpu_per_delivery, (xl[0], xn[0])),
                "cpu_us_per_delivery", 1)
        if xl[1] or xn[1]:
            row(cross, "throughput", "deliveries/s", xl[1], xn[1], "deliveries_per_s", 0, 1.0, "higher")
        if xl[2] or xn[2]:
            row(cross, "hold", "RSS per parked client, bytes", xl[2], xn[2], "rss_per_client_bytes", 0, 0.5, "lower")
    return lines, engine, cross


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: summarize.py OUTDIR")
    out = sys.argv[1]
    try:
        with open(os.path.join(out, "meta.txt")) as f:
            meta = f.read().strip()
    except OSError:
        meta = ""
    loads = []
    for name in os.listdir(out):
        if name.endswith(".log"):
            with open(os.path.join(out, name)) as f:
                for line in f:
                    m = re.match(r"load average before: ([0-9.]+)", line)
                    if m:
                        loads.append(float(m.group(1)))
    if loads:
        meta += f"\nload average (1 min) before each run: {min(loads):.2f} to {max(loads):.2f} on {os.cpu_count()} cores"
    runs = sorted({int(m.group(1)) for n in os.listdir(out) for m in [re.search(r"-r(\d+)\.log$", n)] if m})
    print("## LivePage against nginx + Nchan, back to back on one machine\n")
    for line in meta.splitlines():
        print(f"- {line}")
    for run in runs or [1]:
        proof, engine, cross = table(out, run)
        suffix = f" (run {run})" if len(runs) > 1 else ""
        print(f"\n### Proof targets{suffix}\n")
        print("\n".join(proof))
        print(f"\n### Engine targets{suffix}\n")
        print("\n".join(engine))
        if cross:
            print(f"\n### Cross-check with lpbench{suffix}\n")
            print("\n".join(cross))
    print("\n'!' marks a run that did not complete cleanly: something lost, duplicated, out of order or foreign, "
          "or the server held more clients than the run parked (another load on it); see its log. "
          "Both servers are measured by the same load generator, livepage-bench, with the same options.")
    exits = os.path.join(out, "server-exits.txt")
    if os.path.exists(exits):
        bad = [l.strip() for l in open(exits) if not l.strip().endswith("status 0")]
    else:
        bad = []
    for name in sorted(os.listdir(out)):
        r = result(out, name[:-4]) if name.endswith(".log") else None
        if r and "server_exit" in r and r["server_exit"] != 0:
            bad.append(f"{name[:-4]}: livepage-server exit status {r['server_exit']}")
    print("livepage-server exits after SIGTERM: " + ("all 0" if not bad else "; ".join(bad)))


if __name__ == "__main__":
    main()
