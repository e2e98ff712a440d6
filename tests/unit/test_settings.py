"""Settings: environment over local.settings.json over the example; weak secrets refused outside development."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from shared.config import DEFAULT_JWT_SECRET, Settings


def write_values(directory, name, values):
    (directory / name).write_text(json.dumps({"IsEncrypted": False, "Values": values}))


@pytest.fixture
def settings_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("WATTSUP_SETTINGS_DIR", str(tmp_path))
    for key in ("APP_ENV", "JWT_SECRET", "STORAGE_BACKEND", "BUS_MAX_DELIVERY_COUNT", "WEBPUBSUB_ACCESS_KEYS"):
        monkeypatch.delenv(key, raising=False)
    return tmp_path


def test_falls_back_to_the_example(settings_dir):
    write_values(settings_dir, "local.settings.example.json", {"BUS_MAX_DELIVERY_COUNT": "4"})
    assert Settings().bus_max_delivery_count == 4


def test_local_settings_win_over_the_example(settings_dir):
    write_values(settings_dir, "local.settings.example.json", {"BUS_MAX_DELIVERY_COUNT": "4"})
    write_values(settings_dir, "local.settings.json", {"BUS_MAX_DELIVERY_COUNT": "6"})
    assert Settings().bus_max_delivery_count == 6


def test_environment_wins(settings_dir, monkeypatch):
    write_values(settings_dir, "local.settings.json", {"BUS_MAX_DELIVERY_COUNT": "6"})
    monkeypatch.setenv("BUS_MAX_DELIVERY_COUNT", "8")
    assert Settings().bus_max_delivery_count == 8


def test_adapter_chosen_by_setting(settings_dir, monkeypatch):
    monkeypatch.setenv("STORAGE_BACKEND", "cosmos")
    with pytest.raises(ValidationError, match="COSMOS_ENDPOINT"):
        Settings()
    monkeypatch.setenv("COSMOS_ENDPOINT", "https://127.0.0.1:8081")
    assert Settings().storage_backend == "cosmos"


@pytest.mark.parametrize("secret", [DEFAULT_JWT_SECRET, "short-secret"])
def test_production_refuses_default_or_short_secret(settings_dir, monkeypatch, secret):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("JWT_SECRET", secret)
    with pytest.raises(ValidationError, match="JWT_SECRET must be set"):
        Settings()


def test_production_accepts_a_long_random_secret(settings_dir, monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("JWT_SECRET", "k" * 48)
    monkeypatch.setenv("WEBPUBSUB_ACCESS_KEYS", "primary-key")
    monkeypatch.setenv("PAYMENT_BACKEND", "stripe")
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_x")
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_x")
    assert Settings().environment == "production"


def test_production_refuses_the_payment_simulator_and_stripe_needs_its_keys(settings_dir, monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("JWT_SECRET", "k" * 48)
    monkeypatch.setenv("WEBPUBSUB_ACCESS_KEYS", "primary-key")
    with pytest.raises(ValidationError, match="PAYMENT_BACKEND=simulator takes no real money"):
        Settings()
    monkeypatch.setenv("PAYMENT_BACKEND", "stripe")
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_x")
    with pytest.raises(ValidationError, match="needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET"):
        Settings()


def test_azure_blob_storage_needs_an_account(settings_dir, monkeypatch):
    monkeypatch.setenv("BLOB_BACKEND", "azure")
    with pytest.raises(ValidationError, match="BLOB_BACKEND=azure needs AZURE_STORAGE_ACCOUNT_URL"):
        Settings()
    monkeypatch.setenv("AZURE_STORAGE_ACCOUNT_URL", "https://acct.blob.core.windows.net")
    assert Settings().blob_backend == "azure"


def test_production_refuses_empty_webpubsub_access_keys(settings_dir, monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("JWT_SECRET", "k" * 48)
    monkeypatch.setenv("WEBPUBSUB_ACCESS_KEYS", " , ")
    with pytest.raises(ValidationError, match="WEBPUBSUB_ACCESS_KEYS must be set"):
        Settings()


def test_webpubsub_lists_are_split_on_commas(settings_dir, monkeypatch):
    monkeypatch.setenv("WEBPUBSUB_ACCESS_KEYS", " primary , secondary,")
    monkeypatch.setenv("WEBPUBSUB_ALLOWED_ORIGINS", "a.webpubsub.azure.com")
    settings = Settings()
    assert settings.webpubsub_access_key_list == ["primary", "secondary"]
    assert settings.webpubsub_allowed_origin_list == ["a.webpubsub.azure.com"]
    assert settings.webpubsub_hub == "ocpp" and settings.ocpp_heartbeat_interval_seconds == 300


def test_development_allows_the_default_secret(settings_dir):
    assert Settings().jwt_secret == DEFAULT_JWT_SECRET


def test_example_lists_every_setting():
    from shared.config import project_root

    values = json.loads((project_root() / "local.settings.example.json").read_text())["Values"]
    for name, field in Settings.model_fields.items():
        assert (field.alias or name) in values, f"{field.alias or name} missing from local.settings.example.json"
