"""ANN backends for the living index: recall@10 against exact search, build and query time, bytes
per vector, and recall after incremental deletes and adds. Also the synonym finder's recall
against exact all-pairs on the MuSiQue entity names.

Real vectors: MiniLM (the packaged all-MiniLM-L6-v2) as the MuSiQue dev100 OpenIE store holds them:
its 1,890 passages and 17,013 facts (queries: the MuSiQue dev100 questions) and its 19,099 entity
names (queries: every 50th entity). The 2Wiki corpus is not in that store (not built here).
Synthetic vectors: 384-d topic-centre + noise (bench/scale.py's encoder), 100k, 300 queries.
Backends: hnswlib float32 (the one the index uses), usearch float16 and int8. Baseline in the same
run: exact numpy search.

    python bench/ann_study.py
"""

from __future__ import annotations

import json
import time

import numpy as np
from common import CACHE, dataset, markdown_table, write_results


def real_vectors() -> dict[str, np.ndarray]:
    """MiniLM vectors as the MuSiQue store holds them (passages, facts, entities; nothing is
    re-encoded but the 100 questions), from the cached OpenIE build (``bench/eval.py`` builds it)."""
    path = CACHE / "ann_minilm_store_vectors.npz"
    if path.exists():
        return dict(np.load(path))
    from musique import store_name

    from hippograph.embedding import load_embedder
    from hippograph.graph.sqlite_store import SQLiteStore

    db, done = store_name("openie", None)
    if not done.exists():
        raise SystemExit(f"build the MuSiQue store first (python bench/eval.py): {db} is missing")
    store = SQLiteStore(db)
    questions = [q["question"] for q in json.loads(dataset("musique_dev100.json").read_text())]
    names, entities = store.vectors("entity")
    out = {
        "passages": store.vectors("passage")[1],
        "facts": store.vectors("fact")[1],
        "questions": load_embedder().encode(questions),
        "entities": entities,
        "entity_names": np.array(names),
    }
    store.close()
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(path, **out)
    return out


def synthetic(n: int, queries: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((2000, 384)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)

    def draw(k):
        v = centres[rng.integers(0, 2000, k)] + 0.08 * rng.standard_normal((k, 384)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    return draw(n), draw(queries)


class Hnswlib:
    name = "hnswlib f32"

    def __init__(self, dim: int, capacity: int):
        import hnswlib

        self.index = hnswlib.Index(space="ip", dim=dim)
        self.index.init_index(max_elements=capacity, ef_construction=200, M=16)
        self.index.set_ef(256)

    def add(self, keys, vectors):
        self.index.add_items(vectors, keys)

    def remove(self, keys):
        for k in keys:
            self.index.mark_deleted(int(k))

    def search(self, queries, k):
        return self.index.knn_query(queries, k=k)[0]

    def bytes(self, n, dim):
        return n * (dim * 4 + 16 * 2 * 4 + 16)  # vectors + level-0 links (M*2) + header, as hnswlib lays them out


class Usearch:
    def __init__(self, dim: int, capacity: int, dtype: str):
        from usearch.index import Index

        self.name = f"usearch {dtype}"
        self.index = Index(ndim=dim, metric="ip", dtype=dtype, connectivity=16, expansion_add=128, expansion_search=256)
        # usearch's Python ``add`` grows the index itself (2.26 has no ``reserve``); ``capacity`` unused.
        del capacity

    def add(self, keys, vectors):
        self.index.add(np.asarray(keys, dtype=np.uint64), vectors)

    def remove(self, keys):
        self.index.remove(np.asarray(keys, dtype=np.uint64))

    def search(self, queries, k):
        return self.index.search(queries, k).keys.astype(np.int64)

    def bytes(self, n, dim):
        return int(self.index.memory_usage)


def exact_top(vectors, queries, k, alive=None):
    sims = queries @ vectors.T
    if alive is not None:
        sims[:, ~alive] = -np.inf
    return np.argpartition(-sims, k, axis=1)[:, :k]


def recall(found, truth) -> float:
    return float(np.mean([len(set(f.tolist()) & set(t.tolist())) / len(t) for f, t in zip(found, truth)]))


def study(label: str, vectors: np.ndarray, queries: np.ndarray, backends) -> list[list]:
    n, dim = vectors.shape
    rows = []
    started = time.perf_counter()
    truth = exact_top(vectors, queries, 10)
    exact_ms = (time.perf_counter() - started) * 1000 / len(queries)
    rows.append([label, n, "exact numpy f32", 1.0, 0.0, round(exact_ms, 2), round(vectors.nbytes / n), "-"])
    rng = np.random.default_rng(1)
    for make in backends:
        index = make(dim, n)
        started = time.perf_counter()
        index.add(np.arange(n), vectors)
        build = time.perf_counter() - started
        started = time.perf_counter()
        found = index.search(queries, 10)
        query_ms = (time.perf_counter() - started) * 1000 / len(queries)
        r = recall(found, truth)
        # Incremental: delete 10%, add them back under new keys; recall against exact on the live set.
        gone = rng.choice(n, n // 10, replace=False)
        index.remove(gone)
        alive = np.ones(n, dtype=bool)
        alive[gone] = False
        after = recall(index.search(queries, 10), exact_top(vectors, queries, 10, alive))
        rows.append(
            [
                label,
                n,
                index.name,
                round(r, 4),
                round(build, 1),
                round(query_ms, 2),
                round(index.bytes(n, dim) / n),
                round(after, 4),
            ]
        )
        print(rows[-1], flush=True)
    return rows


def synonym_recall(entities: np.ndarray, names: np.ndarray) -> dict:
    import hippograph.graph.synonyms as synonyms

    ids = [str(n) for n in names]
    started = time.perf_counter()
    exact = {(e.source, e.target) for e in synonyms.synonym_edges(ids, entities, ids, entities, 0.8)}
    exact_s = time.perf_counter() - started

    class Feed:  # the finder reads a store; this one serves the fixed entity set
        def changes_since(self, generation):
            return None

        def generation(self):
            return 1

        def vectors(self, kind, wanted=None):
            return ids, entities

    finder = synonyms.SynonymFinder(0.8)
    old = synonyms.EXACT_BELOW
    synonyms.EXACT_BELOW = 0  # force the HNSW path, as on a large store
    try:
        started = time.perf_counter()
        finder.sync(Feed())
        build_s = time.perf_counter() - started
        started = time.perf_counter()
        found = {(e.source, e.target) for e in finder.edges(ids)}
        search_s = time.perf_counter() - started
    finally:
        synonyms.EXACT_BELOW = old
    return {
        "entities": len(ids),
        "exact_edges": len(exact),
        "found_edges": len(found),
        "recall": round(len(found & exact) / max(1, len(exact)), 4),
        "extra": len(found - exact),
        "exact_all_pairs_s": round(exact_s, 1),
        "hnsw_build_s": round(build_s, 1),
        "search_all_s": round(search_s, 1),
    }


def main() -> None:
    real = real_vectors()
    backends = [lambda d, n: Hnswlib(d, n), lambda d, n: Usearch(d, n, "f16"), lambda d, n: Usearch(d, n, "i8")]
    rows = study("MiniLM MuSiQue passages", real["passages"], real["questions"], backends)
    rows += study("MiniLM MuSiQue facts (queries: the questions)", real["facts"], real["questions"], backends)
    rows += study("MiniLM MuSiQue entity names", real["entities"], real["entities"][::50], backends)
    vectors, queries = synthetic(100_000, 300)
    rows += study("synthetic topic vectors", vectors, queries, backends)
    syn = synonym_recall(real["entities"], real["entity_names"])
    print(syn)
    headers = [
        "vectors",
        "n",
        "backend",
        "recall@10",
        "build s",
        "query ms",
        "bytes/vector",
        "recall@10 after 10% deleted",
    ]
    recall_columns = (3, 7)  # shown with 3 decimals: 0.958 is not 1.0
    shown = [[f"{v:.3f}" if i in recall_columns and isinstance(v, float) else v for i, v in enumerate(r)] for r in rows]
    table = markdown_table(headers, shown)
    table += (
        "\n\nSynonym finder (HNSW path forced) vs exact all-pairs on the MuSiQue OpenIE entity names "
        f"(MiniLM, threshold 0.8): recall {syn['recall']} ({syn['found_edges']} of {syn['exact_edges']} "
        f"edges, {syn['extra']} extra), all-pairs {syn['exact_all_pairs_s']} s, index build "
        f"{syn['hnsw_build_s']} s, every entity searched {syn['search_all_s']} s."
    )
    write_results("ann_study", {"rows": [dict(zip(headers, r)) for r in rows], "synonyms": syn}, table)


if __name__ == "__main__":
    main()
