"""Settings: one table, every entry documented in the README, bad values fail naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.settings import PREFIX, SETTINGS, SettingsError, load_settings

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_setting_is_documented_in_the_readme_with_its_default():
    readme = README.read_text(encoding="utf-8")
    for setting in SETTINGS:
        rows = [
            line for line in readme.splitlines() if line.startswith(f"| `{PREFIX}{setting.name}` |")
        ]
        row = rows[0] if rows else None
        assert row is not None, f"{PREFIX}{setting.name} is missing from the README settings table"
        assert f"`{setting.default}`" in row or (not setting.default and "(empty)" in row)


def test_defaults_load():
    settings = load_settings({})
    assert (
        settings.data_dir == Path("data")
        and settings.chroma_url == ""
        and settings.embed_batch_size > 0
    )


def test_unknown_variable_fails_naming_it():
    with pytest.raises(SettingsError, match="CPA_DATADIR is not a setting"):
        load_settings({"CPA_DATADIR": "/tmp"})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CPA_EMBED_BATCH_SIZE", "many"),
        ("CPA_MAX_FILE_MB", "-1"),
        ("CPA_CHROMA_URL", "localhost:8000"),
    ],
)
def test_malformed_value_fails_naming_the_variable(name, value):
    with pytest.raises(SettingsError, match=name):
        load_settings({name: value})


def test_cli_refuses_a_malformed_setting_with_one_line(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "CPA_MAX_FILE_MB": "lots", "CPA_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "ingest"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: CPA_MAX_FILE_MB='lots' is not valid: must be a positive number."
    ]


@pytest.mark.parametrize(("precision", "bfloat16"), [("float32", False), ("bfloat16", True)])
def test_embed_precision_and_batch_size_reach_the_encoder(tmp_path, precision, bfloat16):
    from ingest.service import build_embedder, build_ingester

    env = {
        "CPA_DATA_DIR": str(tmp_path),
        "CPA_EMBED_PRECISION": precision,
        "CPA_EMBED_BATCH_SIZE": "7",
    }
    embedder = build_embedder(load_settings(env))
    assert (embedder.precision, embedder.batch_size) == (precision, 7)
    assert embedder._use_bfloat16() is bfloat16  # what the encoder's autocast is switched by
    assert build_ingester(load_settings(env)).embedder.precision == precision
