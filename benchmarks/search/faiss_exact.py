#!/usr/bin/env python3
"""Times FAISS's exact inner-product index on the vectors `dualstream bench search --export-vectors DIR` wrote.

Needs numpy and faiss-cpu (pip install numpy faiss-cpu). Loads DIR/documents.npy and DIR/queries.npy,
builds IndexFlatIP, runs one warm-up search of every query and --rounds timed ones on --threads threads, and
prints queries per second (the median round) as JSON, with how far FAISS's top k agrees with dualstream's
(DIR/dualstream-top.npy): the mean share of each query's top k found in both.
"""
import argparse
import json
import os
import statistics
import sys
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("vectors", help="directory written by bench search --export-vectors")
    parser.add_argument("--threads", type=int, default=2, help="OpenMP threads (default 2)")
    parser.add_argument("-k", type=int, default=100, help="results per query (default 100)")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds (default 5)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    try:
        import faiss
        import numpy as np
    except ImportError as e:
        sys.exit(f"faiss_exact.py: {e}; pip install numpy faiss-cpu")

    docs = np.load(os.path.join(args.vectors, "documents.npy"))
    queries = np.load(os.path.join(args.vectors, "queries.npy"))
    faiss.omp_set_num_threads(args.threads)
    index = faiss.IndexFlatIP(docs.shape[1])
    index.add(docs)
    _, top = index.search(queries, args.k)  # warm-up
    rounds = []
    for r in range(args.rounds):
        start = time.perf_counter()
        index.search(queries, args.k)
        rounds.append(len(queries) / (time.perf_counter() - start))
        print(f"faiss: round {r + 1}: {rounds[-1]:,.0f} queries/s on {args.threads} threads", file=sys.stderr)
    result = {"library": "faiss " + faiss.__version__, "index": "IndexFlatIP", "qps": statistics.median(rounds),
              "threads": args.threads, "k": args.k, "queries": int(queries.shape[0]),
              "documents": int(docs.shape[0]), "dimension": int(docs.shape[1]), "rounds_qps": rounds}
    ours = os.path.join(args.vectors, "dualstream-top.npy")
    if os.path.exists(ours):
        theirs = np.load(ours)
        width = min(theirs.shape[1], args.k)
        overlap = [len(set(a[:width]) & set(b[:width])) / width for a, b in zip(top, theirs)]
        result["agreement_with_dualstream"] = float(np.mean(overlap))
    text = json.dumps(result)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
