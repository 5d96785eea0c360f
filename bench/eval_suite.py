"""Multi-domain retrieval evaluation: dense vs hippo per domain and per question kind, one table.

    python bench/eval_suite.py [--data ../shared/datasets] [--beam /work/data/beam] [--quick]

Domains: MuSiQue dev100 with GPT-3.5 triples (openie) and with spaCy (corpus), each reported on
its tuning half (questions 1-50 in file order) and its other half; LoCoMo dev5; BEAM work chats
(tuning: 100K/11-15; untouched: 100K/16-20 and 500K/1-35). ``--quick`` runs only the tuning
chats of BEAM. A domain whose data is absent is marked "skipped". Stores are cached under
bench/.cache by data hash and ingest settings, so a rerun that changes only retrieval is fast.

Recall@k counts the first k distinct unit keys of the ranking itself (a MuSiQue passage, a
LoCoMo turn, a BEAM message: chunks of one message share its key), the same way for both modes;
``context`` neighbours never count. Writes bench/results/eval_suite.json and .md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
from dataclasses import replace
from pathlib import Path

from common import markdown_table, write_results
from domains import DEPTH, beam_domain, locomo_domain, musique_domain, run_domain

from hippograph import Settings
from hippograph.config import data_dir


def parse_overrides(pairs: list[str]) -> dict:
    out = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        out[name] = json.loads(value) if value not in ("", None) and value[0] in "0123456789-[{tfn" else value
    return out


def commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=Path(__file__).parent,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> None:
    from beam import DEFAULT_FOLDER, HELD_100K, HELD_500K, TUNE

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=None, help="shared datasets folder (default: HIPPOGRAPH_DATA)")
    parser.add_argument("--beam", default=DEFAULT_FOLDER, help="folder holding BEAM's chats/ (never committed)")
    parser.add_argument("--quick", action="store_true", help="BEAM tuning chats only")
    parser.add_argument("--domain", action="append", help="run only these domains (by name)")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="retrieval setting override for hippo mode (tuning; default: the defaults)",
    )
    parser.add_argument("--name", default="eval_suite", help="results file name")
    parser.add_argument("--beam-500k-limit", type=int, default=None, help="only the first N 500K chats")
    parser.add_argument(
        "--built-only",
        action="store_true",
        help="evaluate only stores already built (never ingest): BEAM chats not built are listed as "
        "missing; an unfinished MuSiQue store is evaluated on the questions it holds, "
        "marked PARTIAL",
    )
    args = parser.parse_args()
    data = args.data or data_dir() or ""
    settings = replace(Settings.from_env().retrieval, **parse_overrides(args.set))
    chats_500k = HELD_500K[: args.beam_500k_limit] if args.beam_500k_limit else HELD_500K
    specs = {
        "musique-gpt35": lambda: musique_domain("openie", data, args.built_only),
        "musique-spacy": lambda: musique_domain("corpus", data, args.built_only),
        "locomo-dev5": lambda: locomo_domain(data, args.built_only),
        "beam-tune": lambda: beam_domain(args.beam, TUNE, args.built_only),
        "beam-held": lambda: beam_domain(args.beam, HELD_100K + chats_500k, args.built_only),
    }
    if args.quick:
        specs = {"beam-tune": specs["beam-tune"]}
    if args.domain:
        specs = {k: v for k, v in specs.items() if k in args.domain}
    results: dict = {}
    for name, spec in specs.items():
        domain = spec()
        if domain is None:
            results[name] = "skipped"
            print(f"{name}: skipped (data absent)", flush=True)
            continue
        res = run_domain(domain, settings)
        res["ingest_seconds"] = domain["ingest_seconds"]
        res["questions"] = len(domain["questions"])
        for key in ("chats", "missing", "note"):
            if key in domain:
                res[key] = domain[key]
        results[name] = res
        for memory in domain["stores"].values():
            memory.close()
        print(summary_line(name, res), flush=True)
    payload = {"commit": commit(), "retrieval_settings": settings.__dict__, "depth": DEPTH, "results": results}
    table = render(results, payload)  # also adds the must-show checks to the payload
    write_results(args.name, payload, table)


def summary_line(name: str, res: dict) -> str:
    d, h = res["dense"]["overall"]["all"], res["hippo"]["overall"]["all"]
    extra = ""
    if "later_first" in res["hippo"]:
        extra = (
            f" later-first hippo {res['hippo']['later_first']['percent']:.0f}% dense "
            f"{res['dense']['later_first']['percent']:.0f}% of {res['hippo']['later_first']['pairs']}"
        )
    return f"{name}: n={h['n']} " + " ".join(f"R@{k} {d[f'R@{k}']:.1f}->{h[f'R@{k}']:.1f}" for k in (2, 5, 10)) + extra


def must_shows(results: dict) -> list[list]:
    """The issue's acceptance checks, computed from this run's numbers."""
    rows = []

    def get(name):
        res = results.get(name)
        return None if res in (None, "skipped") else res

    for name, res in results.items():
        if res == "skipped":
            continue
        ks = (2, 5, 10) if name.startswith("musique") else (5, 10)
        d, h = res["dense"]["overall"]["all"], res["hippo"]["overall"]["all"]
        gaps = {k: h[f"R@{k}"] - d[f"R@{k}"] for k in ks}
        rows.append(
            [
                f"{name}: hippo >= dense at R@{'/'.join(map(str, ks))}",
                " / ".join(f"{g:+.1f}" for g in gaps.values()),
                all(g >= 0 for g in gaps.values()),
            ]
        )
        worst = min(
            (
                (res["hippo"]["overall"][kind][f"R@{k}"] - res["dense"]["overall"][kind][f"R@{k}"], kind, k)
                for kind, v in res["hippo"]["overall"].items()
                if kind != "all" and v["n"] >= 30
                for k in ks
            ),
            default=None,
        )
        if worst:
            rows.append(
                [
                    f"{name}: no kind with >= 30 questions more than 2 below dense",
                    f"worst {worst[1]} R@{worst[2]} {worst[0]:+.1f}",
                    worst[0] >= -2,
                ]
            )
    beam = get("beam-held")
    if beam:
        d, h = beam["dense"]["overall"]["all"], beam["hippo"]["overall"]["all"]
        rows.append(
            [
                f"BEAM held-out ({h['n']} of 715 questions): hippo >= dense + 3 at R@10",
                f"{h['R@10'] - d['R@10']:+.1f}",
                h["R@10"] - d["R@10"] >= 3,
            ]
        )
        if "later_first" in beam["hippo"]:
            lf = beam["hippo"]["later_first"]
            rows.append(
                [
                    f"BEAM held-out: later evidence first in >= 80% of {lf['pairs']} scorable pairs",
                    f"{lf['percent']:.0f}%",
                    lf["percent"] >= 80,
                ]
            )
    for name, floor in (("musique-gpt35", 73), ("musique-spacy", 69)):
        res = get(name)
        if res:
            r5 = res["hippo"]["overall"]["all"]["R@5"]
            rows.append([f"{name}: hippo R@5 >= {floor}", f"{r5:.1f}", r5 >= floor])
    res = get("locomo-dev5")
    if res:
        gap = res["hippo"]["overall"]["all"]["R@10"] - res["dense"]["overall"]["all"]["R@10"]
        rows.append(["locomo-dev5: hippo >= dense + 3 at R@10", f"{gap:+.1f}", gap >= 3])
        rows.append(["locomo-dev5: hippo >= dense + 6 at R@10 (issue 17)", f"{gap:+.1f}", gap >= 6])
    # Issue 17 (memory mechanisms): MuSiQue floors with the shipped defaults.
    for name, k, floor in (("musique-gpt35", 5, 76.0), ("musique-gpt35", 2, 52.0), ("musique-spacy", 5, 72.0)):
        res = get(name)
        if res:
            value = res["hippo"]["overall"]["all"][f"R@{k}"]
            rows.append([f"{name}: hippo R@{k} >= {floor:.0f} (issue 17)", f"{value:.1f}", value >= floor])
    return [[what, value, "met" if ok else "NOT met"] for what, value, ok in rows]


def render(results: dict, payload: dict) -> str:
    overall, kinds, state = [], [], []
    for name, res in results.items():
        if res == "skipped":
            overall.append([name, "skipped", "", "", "", "", "", "", "", "", "", ""])
            continue
        ingest = "" if res["ingest_seconds"] is None else f"{res['ingest_seconds']:.0f}"
        for group in res["hippo"]:
            if group in ("query_ms_p50", "later_first"):
                continue
            d, h = res["dense"][group]["all"], res["hippo"][group]["all"]
            label = name if group == "overall" else f"{name} {group}"
            overall.append(
                [
                    label,
                    h["n"],
                    *[d[f"R@{k}"] for k in (2, 5, 10)],
                    *[h[f"R@{k}"] for k in (2, 5, 10)],
                    *[h[f"R@{k}"] - d[f"R@{k}"] for k in (5, 10)],
                    ingest if group == "overall" else "",
                    f"{res['dense']['query_ms_p50']:.1f} / {res['hippo']['query_ms_p50']:.1f}"
                    if group == "overall"
                    else "",
                ]
            )
        for kind, h in res["hippo"]["overall"].items():
            if kind == "all":
                continue
            d = res["dense"]["overall"][kind]
            kinds.append([name, kind, h["n"], d["R@5"], h["R@5"], d["R@10"], h["R@10"], h["R@10"] - d["R@10"]])
        if "later_first" in res["hippo"]:
            state.append(
                [
                    name,
                    res["hippo"]["later_first"]["pairs"],
                    res["dense"]["later_first"]["percent"],
                    res["hippo"]["later_first"]["percent"],
                ]
            )
    out = [
        f"## Retrieval suite: dense vs hippo (commit {payload['commit']}, all-MiniLM-L6-v2, R@k over distinct units)\n",
        markdown_table(
            [
                "domain",
                "n",
                "dense R@2",
                "dense R@5",
                "dense R@10",
                "hippo R@2",
                "hippo R@5",
                "hippo R@10",
                "d R@5",
                "d R@10",
                "ingest s",
                "query ms p50 dense / hippo",
            ],
            overall,
        ),
        "\n### By question kind\n",
        markdown_table(["domain", "kind", "n", "dense R@5", "hippo R@5", "dense R@10", "hippo R@10", "d R@10"], kinds),
    ]
    for name, res in results.items():
        if res != "skipped" and res.get("note"):
            out.append(f"\n{name}: {res['note']}")
        if res != "skipped" and res.get("missing"):
            out.append(
                f"\n{name}: evaluated {len(res['chats'])} chats ({res['questions']} questions); "
                f"not evaluated (store not built or data absent): {', '.join(res['missing'])}"
            )
    checks = must_shows(results)
    payload["must_shows"] = checks
    out += ["\n### Must-shows of issue 20 (this run)\n", markdown_table(["check", "value", "status"], checks)]
    if state:
        out += [
            "\n### State questions (BEAM knowledge update: later evidence ranked first, top 10)\n",
            markdown_table(["domain", "scorable pairs", "dense %", "hippo %"], state),
        ]
    return "\n".join(out)


if __name__ == "__main__":
    main()
