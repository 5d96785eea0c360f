"""Tuning loop: load the evaluation domains once, score several retrieval settings side by side.

    python bench/tune.py --variant '{}' --variant '{"dense_fusion": 0.3}' [--domain musique-gpt35 ...]

Each variant is a JSON object of ``RetrievalSettings`` overrides applied to the defaults. Prints
R@2/5/10 per domain (MuSiQue by half) for dense and for every variant; writes nothing under
bench/results (tuning is not a result: ``eval_suite.py`` reports the chosen defaults).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace

from beam import DEFAULT_FOLDER, HELD_100K, HELD_500K, TUNE
from domains import beam_domain, locomo_domain, musique_domain, run_domain

from hippograph import Settings
from hippograph.config import data_dir
from hippograph.retrieve.index import IndexCache


def summary(rows: dict, group: str) -> str:
    r = rows.get(group, {}).get("all")
    return "  -  " if r is None else f"{r['R@2']:5.1f} {r['R@5']:5.1f} {r['R@10']:5.1f}"


def load_domains(names: list[str], beam: str) -> dict:
    """The named evaluation domains whose stores are built (others are left out)."""
    data = data_dir() or ""
    specs = {
        "musique-gpt35": lambda: musique_domain("openie", data, True),
        "musique-spacy": lambda: musique_domain("corpus", data, True),
        "locomo-dev5": lambda: locomo_domain(data, True),
        "beam-tune": lambda: beam_domain(beam, TUNE, True),
        "beam-held": lambda: beam_domain(beam, HELD_100K + HELD_500K, True),  # the chats built so far
    }
    return {n: d for n in names if (d := specs[n]()) is not None}


def use_index_settings(domains: dict, settings) -> None:
    """Index-level settings (``next_weight``) need their own index: rebuild where they differ."""
    for domain in domains.values():
        for memory in domain["stores"].values():
            cache = memory.retriever.indexes
            if cache.next_weight != settings.next_weight:
                memory.retriever.indexes = IndexCache(cache.store, cache.backend, settings.next_weight)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variant", action="append", default=[], help="JSON settings overrides")
    parser.add_argument(
        "--domain", action="append", help="musique-gpt35, musique-spacy, locomo-dev5, beam-tune, beam-held"
    )
    parser.add_argument("--beam", default=DEFAULT_FOLDER)
    parser.add_argument("--kinds", action="store_true", help="also print per-kind R@10")
    args = parser.parse_args()
    domains = load_domains(args.domain or ["musique-gpt35", "locomo-dev5", "beam-tune"], args.beam)
    variants = [json.loads(v) for v in args.variant] or [{}]
    base = Settings.from_env().retrieval
    header = "variant".ljust(48) + "".join(f"| {n[:17]:17} " for n in domains)
    print(header, flush=True)
    first = True
    for variant in variants:
        settings = replace(base, **variant)
        use_index_settings(domains, settings)
        modes = ("dense", "hippo") if first else ("hippo",)
        results = {n: run_domain(d, settings, modes) for n, d in domains.items()}
        if first:
            line = "dense".ljust(48)
            for res in results.values():
                line += "| " + summary(res["dense"], "overall") + " "
            print(line, flush=True)
        line = json.dumps(variant)[:47].ljust(48)
        for res in results.values():
            line += "| " + summary(res["hippo"], "overall") + " "
        extra = []
        for n, res in results.items():
            if n.startswith("musique"):
                halves = summary(res["hippo"], "q1-50 (tuned)"), summary(res["hippo"], "q51-100")
                extra.append(f"{n} q1-50 {halves[0]} q51+ {halves[1]}")
            lf = res["hippo"].get("later_first")
            if lf:
                extra.append(f"{n} later-first {lf['percent']:.0f}% of {lf['pairs']}")
        print(line + ("\n    " + "; ".join(extra) if extra else ""), flush=True)
        if args.kinds:
            for n, res in results.items():
                kinds = res["hippo"]["overall"]
                dk = res.get("dense", {}).get("overall", {})
                print(
                    "    "
                    + n
                    + ": "
                    + ", ".join(
                        f"{k} {v['R@10']:.0f}" + (f"/{dk[k]['R@10']:.0f}" if k in dk else "")
                        for k, v in kinds.items()
                        if k != "all"
                    ),
                    flush=True,
                )
        first = False


if __name__ == "__main__":
    main()
