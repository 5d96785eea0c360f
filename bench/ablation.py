"""Ablation of the memory mechanisms: each one switched on alone against the shipped defaults.

    python bench/ablation.py [--domain musique-gpt35 --domain locomo-dev5 --domain beam-tune]

For every mechanism (a ``RetrievalSettings`` override), R@2/5/10 per domain and the query
latency (link + PPR + rank, p50, queries encoded once beforehand) beside the defaults and dense
retrieval, all in one run. Writes bench/results/ablation.json and .md.
"""

from __future__ import annotations

import argparse
from dataclasses import replace

from beam import DEFAULT_FOLDER
from common import markdown_table, write_results
from domains import run_domain
from tune import load_domains, use_index_settings

from hippograph import Settings

# name -> (what it is, overrides that switch it on). Defaults are the "off" row.
MECHANISMS = {
    "fact-augmented keys": ("unit seed score moves halfway to its best fact's cosine", {"fact_keys": 0.5}),
    "multi-step recall": ("a second PPR round from bridge entities, fused by rank", {"multi_step": 1}),
    "weaker NEXT edges": ("episode chain edges at a quarter of their weight", {"next_weight": 0.25}),
    "dense fusion": ("reciprocal-rank fusion with the dense ranking (0.3)", {"dense_fusion": 0.3}),
    "no named-entity seeds": (
        "entities the question names verbatim are not seeded (only those of the linked facts)",
        {"named_weight": 0.0},
    ),
    "no later-first rule": ("statements of a change are not moved ahead of what they update", {"later_first": 0}),
    "later first in the top 10, relevance margin 0.5": (
        "last round's rule: updates move only within the top 10, and only past units as relevant (0.5 std)",
        {"later_first": 10, "later_margin": 0.5},
    ),
    "later first without the change cue": (
        "every later same-topic unit moves ahead, whether or not it states a change",
        {"later_cue": False},
    ),
    "degree-normalized PPR": ("unit mass over (1 + degree) ** 0.5", {"degree_norm": 0.5}),
    "degree-normalized PPR + dense fusion": (
        "unit mass over (1 + degree) ** 0.5, rank fusion 0.2 with dense",
        {"degree_norm": 0.5, "dense_fusion": 0.2},
    ),
    "flat-query fusion": ("dense rank fusion weighted 0.3 x flatness of the query's top", {"flat_fusion": 0.3}),
    "no dense fallback on weak links": (
        "the shipped fallback off: the graph ranks even when the best linked fact matches worse than the best unit",
        {"fallback_margin": None},
    ),
    "dense fallback, margin 0": (
        "fall back to dense whenever the best linked fact's cosine is below the best unit's (default: -0.1)",
        {"fallback_margin": 0.0},
    ),
    "no lexical (BM25)": (
        "neither BM25-raised passage seeds nor BM25 rank fusion",
        {"lexical_seeds": 0.0, "lexical_weight": 0.0},
    ),
    "lexical seeds only": ("BM25 raises passage seeds; no BM25 rank fusion", {"lexical_weight": 0.0}),
    "lexical on every query": (
        "BM25 seeds and fusion at full weight whatever the dense top looks like (no flatness gate)",
        {"lexical_flat": False},
    ),
    "no asker's-turns rule": ("assistant turns keep their score on first-person questions", {"assistant_weight": 1.0}),
    "dense + BM25 + asker's turns, no graph": (
        "the graph never ranks (always the dense fallback), with the lexical and speaker rules: what they give alone",
        {"fallback_margin": 10.0},
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--domain", action="append", help="domains as in bench/tune.py")
    parser.add_argument("--beam", default=DEFAULT_FOLDER)
    args = parser.parse_args()
    domains = load_domains(args.domain or ["musique-gpt35", "locomo-dev5", "beam-tune"], args.beam)
    base = Settings.from_env().retrieval
    rows, payload = [], {"domains": {}, "mechanisms": {}}
    defaults = {}
    for name, (what, overrides) in [("defaults", ("shipped defaults", {})), *MECHANISMS.items()]:
        settings = replace(base, **overrides)
        use_index_settings(domains, settings)
        modes = ("dense", "hippo") if name == "defaults" else ("hippo",)
        result = {d: run_domain(domain, settings, modes) for d, domain in domains.items()}
        payload["mechanisms"][name] = {"what": what, "overrides": overrides, "results": result}
        if name == "defaults":
            defaults = result
            for d, res in result.items():
                dense = res["dense"]["overall"]["all"]
                rows.append(
                    ["dense", d, dense["R@2"], dense["R@5"], dense["R@10"], "", res["dense"]["query_ms_p50"], ""]
                )
        for d, res in result.items():
            r, ref = res["hippo"]["overall"]["all"], defaults[d]["hippo"]["overall"]["all"]
            ms, ref_ms = res["hippo"]["query_ms_p50"], defaults[d]["hippo"]["query_ms_p50"]
            gain = "" if name == "defaults" else f"{r['R@5'] - ref['R@5']:+.1f} / {r['R@10'] - ref['R@10']:+.1f}"
            cost = "" if name == "defaults" else f"{ms - ref_ms:+.1f}"
            rows.append([name, d, r["R@2"], r["R@5"], r["R@10"], gain, ms, cost])
        print(f"{name}: done", flush=True)
    table = markdown_table(
        ["mechanism", "domain", "R@2", "R@5", "R@10", "gain R@5 / R@10", "query ms p50", "latency cost ms"], rows
    )
    notes = "\n".join(f"- **{n}**: {w} (`{o}`)" for n, (w, o) in MECHANISMS.items())
    title = "### Memory mechanisms and retrieval rules, each switched alone (vs shipped defaults)"
    write_results("ablation", payload, title + "\n\n" + table + "\n\n" + notes)


if __name__ == "__main__":
    main()
