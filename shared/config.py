"""Settings: one pydantic-settings class for everything the app reads.

Values come from the environment (Azure app settings) and, locally, from the
``Values`` of ``local.settings.json`` beside ``function_app.py``, falling back
to ``local.settings.example.json``. The environment wins.
"""

from __future__ import annotations

import functools
import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

__all__ = ["DEFAULT_JWT_SECRET", "Settings", "load_settings", "project_root"]

DEFAULT_JWT_SECRET = "local-development-secret-change-me-0123456789"
MIN_SECRET_LENGTH = 32


def project_root() -> Path:
    return Path(__file__).resolve().parent.parent


class LocalSettingsSource(PydanticBaseSettingsSource):
    """Reads ``Values`` from local.settings.json, or else from the example file."""

    def __init__(self, settings_cls: type[BaseSettings], directory: Path | None = None) -> None:
        super().__init__(settings_cls)
        self._values = self._load(directory or Path(os.environ.get("WATTSUP_SETTINGS_DIR", project_root())))

    @staticmethod
    def _load(directory: Path) -> dict[str, Any]:
        for name in ("local.settings.json", "local.settings.example.json"):
            path = directory / name
            if path.is_file():
                values = json.loads(path.read_text(encoding="utf-8")).get("Values", {})
                return {k: v for k, v in values.items() if isinstance(v, str)}
        return {}

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        key = field.alias or field_name
        return self._values.get(key), key, False

    def __call__(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, field in self.settings_cls.model_fields.items():
            value, key, _ = self.get_field_value(field, name)
            if value is not None and value != "":
                out[key] = value
        return out


class Settings(BaseSettings):
    model_config = SettingsConfigDict(populate_by_name=True, extra="ignore", case_sensitive=True)

    environment: Literal["development", "test", "production"] = Field("development", alias="APP_ENV")

    # DocumentStore
    storage_backend: Literal["sqlite", "cosmos"] = Field("sqlite", alias="STORAGE_BACKEND")
    sqlite_path: str = Field(".data/wattsup.db", alias="SQLITE_PATH")
    cosmos_endpoint: str = Field("", alias="COSMOS_ENDPOINT")
    cosmos_key: str = Field("", alias="COSMOS_KEY")
    cosmos_database: str = Field("wattsup", alias="COSMOS_DATABASE")
    cosmos_verify_tls: bool = Field(True, alias="COSMOS_VERIFY_TLS")

    # EventBus
    bus_backend: Literal["local", "servicebus"] = Field("local", alias="BUS_BACKEND")
    local_bus_path: str = Field(".data/bus.db", alias="LOCAL_BUS_PATH")
    servicebus_namespace: str = Field("", alias="ServiceBusConnection__fullyQualifiedNamespace")
    servicebus_connection_string: str = Field("", alias="SERVICEBUS_CONNECTION_STRING")
    bus_max_delivery_count: int = Field(10, alias="BUS_MAX_DELIVERY_COUNT", ge=1)
    session_events_topic: str = Field("session-events", alias="SessionEventsTopic")
    billing_events_topic: str = Field("billing-events", alias="BillingEventsTopic")
    notifications_queue: str = Field("notifications", alias="NotificationsQueue")

    # Auth
    jwt_secret: str = Field(DEFAULT_JWT_SECRET, alias="JWT_SECRET")
    jwt_issuer: str = Field("https://wattsup.local", alias="JWT_ISSUER")
    jwt_audience: str = Field("wattsup-api", alias="JWT_AUDIENCE")
    access_token_ttl_seconds: int = Field(900, alias="ACCESS_TOKEN_TTL_SECONDS", ge=30)
    refresh_token_ttl_days: int = Field(30, alias="REFRESH_TOKEN_TTL_DAYS", ge=1)
    login_max_failures_per_account: int = Field(5, alias="LOGIN_MAX_FAILURES_PER_ACCOUNT", ge=1)
    login_max_failures_per_client: int = Field(20, alias="LOGIN_MAX_FAILURES_PER_CLIENT", ge=1)
    login_throttle_window_seconds: int = Field(900, alias="LOGIN_THROTTLE_WINDOW_SECONDS", ge=1)
    admin_email: str = Field("", alias="ADMIN_EMAIL")
    admin_password: str = Field("", alias="ADMIN_PASSWORD")

    # Chargers: OCPP over Azure Web PubSub (DESIGN section 6)
    webpubsub_access_keys: str = Field("", alias="WEBPUBSUB_ACCESS_KEYS")  # comma-separated: primary, secondary
    webpubsub_hub: str = Field("ocpp", alias="WEBPUBSUB_HUB", min_length=1)
    webpubsub_allowed_origins: str = Field("", alias="WEBPUBSUB_ALLOWED_ORIGINS")  # comma-separated hosts, or *
    ocpp_heartbeat_interval_seconds: int = Field(300, alias="OCPP_HEARTBEAT_INTERVAL_SECONDS", ge=10, le=86400)
    # ChargerLink: commands to chargers go through Web PubSub's REST API (the local relay speaks it too)
    webpubsub_endpoint: str = Field("", alias="WEBPUBSUB_ENDPOINT")
    ocpp_command_timeout_seconds: int = Field(30, alias="OCPP_COMMAND_TIMEOUT_SECONDS", ge=1, le=600)

    # Charging sessions (DESIGN sections 4 and 11)
    session_start_timeout_seconds: int = Field(120, alias="SESSION_START_TIMEOUT_SECONDS", ge=10, le=3600)
    session_stop_grace_seconds: int = Field(300, alias="SESSION_STOP_GRACE_SECONDS", ge=10, le=86400)
    session_totals_interval_seconds: int = Field(60, alias="SESSION_TOTALS_INTERVAL_SECONDS", ge=1, le=3600)

    # Payments (DESIGN section 7): Stripe in Azure, the local payment simulator (its own SQLite file) locally
    payment_backend: Literal["simulator", "stripe"] = Field("simulator", alias="PAYMENT_BACKEND")
    payment_simulator_path: str = Field(".data/payments.db", alias="PAYMENT_SIMULATOR_PATH")
    payment_simulator_webhook_secret: str = Field("", alias="PAYMENT_SIMULATOR_WEBHOOK_SECRET")
    stripe_secret_key: str = Field("", alias="STRIPE_SECRET_KEY")
    stripe_webhook_secret: str = Field("", alias="STRIPE_WEBHOOK_SECRET")
    stripe_publishable_key: str = Field("", alias="STRIPE_PUBLISHABLE_KEY")  # public: the web app's Stripe Elements
    stripe_max_network_retries: int = Field(2, alias="STRIPE_MAX_NETWORK_RETRIES", ge=0, le=10)
    stripe_timeout_seconds: int = Field(30, alias="STRIPE_TIMEOUT_SECONDS", ge=1, le=120)

    # Billing (DESIGN section 7): holds in the currency's major unit
    billing_hold_default_minutes: int = Field(120, alias="BILLING_HOLD_DEFAULT_MINUTES", ge=5, le=24 * 60)
    billing_hold_min_amount: Decimal = Field(Decimal("10"), alias="BILLING_HOLD_MIN_AMOUNT", ge=1)
    billing_hold_max_amount: Decimal = Field(Decimal("150"), alias="BILLING_HOLD_MAX_AMOUNT", ge=1)
    billing_hold_max_raised_amount: Decimal = Field(Decimal("300"), alias="BILLING_HOLD_MAX_RAISED_AMOUNT", ge=1)
    billing_hold_stop_ratio: Decimal = Field(Decimal("0.95"), alias="BILLING_HOLD_STOP_RATIO", gt=0, le=1)
    billing_hold_raise_ratio: Decimal = Field(Decimal("0.75"), alias="BILLING_HOLD_RAISE_RATIO", gt=0, le=1)
    billing_min_energy_wh: int = Field(200, alias="BILLING_MIN_ENERGY_WH", ge=0)
    billing_capture_max_attempts: int = Field(6, alias="BILLING_CAPTURE_MAX_ATTEMPTS", ge=1, le=50)
    billing_retry_base_seconds: int = Field(300, alias="BILLING_RETRY_BASE_SECONDS", ge=1)
    platform_commission_percent: Decimal = Field(Decimal("10"), alias="PLATFORM_COMMISSION_PERCENT", ge=0, le=100)

    # BlobStore (invoices): Blob Storage in Azure, a folder locally
    blob_backend: Literal["folder", "azure"] = Field("folder", alias="BLOB_BACKEND")
    blob_root: str = Field(".data/blobs", alias="BLOB_ROOT")
    azure_storage_account_url: str = Field("", alias="AZURE_STORAGE_ACCOUNT_URL")
    azure_storage_connection_string: str = Field("", alias="AZURE_STORAGE_CONNECTION_STRING")
    invoices_container: str = Field("invoices", alias="INVOICES_CONTAINER", min_length=3, max_length=63)
    blob_create_containers: bool = Field(False, alias="BLOB_CREATE_CONTAINERS")
    invoice_font_dir: str = Field("", alias="INVOICE_FONT_DIR")
    invoice_link_ttl_seconds: int = Field(300, alias="INVOICE_LINK_TTL_SECONDS", ge=30, le=86400)

    # Analytics (docs/analytics.md): rollups per station, provider, platform and driver
    analytics_co2_kg_per_kwh: Decimal = Field(Decimal("0.4"), alias="ANALYTICS_CO2_KG_PER_KWH", ge=0, le=2)
    analytics_recompute_days: int = Field(3, alias="ANALYTICS_RECOMPUTE_DAYS", ge=1, le=62)

    # Notifications (docs/notifications.md): email through the Mailer port, links back to the app
    mail_backend: Literal["outbox", "smtp", "acs"] = Field("outbox", alias="MAIL_BACKEND")
    mail_sender: str = Field("Watt's Up <no-reply@wattsup.local>", alias="MAIL_SENDER")
    mail_outbox_dir: str = Field("", alias="MAIL_OUTBOX_DIR")  # empty: "outbox" beside SQLITE_PATH
    smtp_host: str = Field("", alias="SMTP_HOST")
    smtp_port: int = Field(587, alias="SMTP_PORT", ge=1, le=65535)
    smtp_username: str = Field("", alias="SMTP_USERNAME")
    smtp_password: str = Field("", alias="SMTP_PASSWORD")
    smtp_security: Literal["starttls", "tls", "none"] = Field("starttls", alias="SMTP_SECURITY")
    acs_email_endpoint: str = Field("", alias="ACS_EMAIL_ENDPOINT")
    app_base_url: str = Field("http://127.0.0.1:7071", alias="APP_BASE_URL")
    notifications_unsubscribe_secret: str = Field("", alias="NOTIFICATIONS_UNSUBSCRIBE_SECRET")  # empty: from JWT
    notification_ttl_days: int = Field(90, alias="NOTIFICATION_TTL_DAYS", ge=1, le=3650)

    # Meter samples (DESIGN section 11): raw samples expire, a downsampled history per session is kept
    meter_sample_retention_days: int = Field(90, alias="METER_SAMPLE_RETENTION_DAYS", ge=1, le=3650)

    # Local host and demo data
    demo_data: bool = Field(False, alias="DEMO_DATA")
    # how many stations each of the three demo providers gets (the end-to-end browser test seeds a few)
    demo_stations_per_provider: int = Field(50, alias="DEMO_STATIONS_PER_PROVIDER", ge=1, le=500)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, LocalSettingsSource(settings_cls))

    @model_validator(mode="after")
    def _refuse_weak_secrets(self) -> Settings:
        if self.environment != "development" and (
            self.jwt_secret == DEFAULT_JWT_SECRET or len(self.jwt_secret) < MIN_SECRET_LENGTH
        ):
            raise ValueError(
                "JWT_SECRET must be set to a random secret of at least "
                f"{MIN_SECRET_LENGTH} characters outside development "
                "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        if self.environment != "development" and not self.webpubsub_access_key_list:
            raise ValueError(
                "WEBPUBSUB_ACCESS_KEYS must be set outside development: the Web PubSub access keys "
                "(comma-separated), which sign every charger event the charger function receives"
            )
        if self.payment_backend == "stripe" and not (self.stripe_secret_key and self.stripe_webhook_secret):
            raise ValueError("PAYMENT_BACKEND=stripe needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET")
        if self.payment_backend == "simulator" and self.environment == "production":
            raise ValueError("PAYMENT_BACKEND=simulator takes no real money: production needs PAYMENT_BACKEND=stripe")
        has_account = self.azure_storage_account_url or self.azure_storage_connection_string
        if self.blob_backend == "azure" and not has_account:
            raise ValueError("BLOB_BACKEND=azure needs AZURE_STORAGE_ACCOUNT_URL (or AZURE_STORAGE_CONNECTION_STRING)")
        if self.storage_backend == "cosmos" and not self.cosmos_endpoint:
            raise ValueError("STORAGE_BACKEND=cosmos needs COSMOS_ENDPOINT")
        if self.mail_backend == "smtp" and not self.smtp_host:
            raise ValueError("MAIL_BACKEND=smtp needs SMTP_HOST")
        if self.mail_backend == "acs" and not self.acs_email_endpoint:
            raise ValueError("MAIL_BACKEND=acs needs ACS_EMAIL_ENDPOINT")
        if self.bus_backend == "servicebus" and not (self.servicebus_namespace or self.servicebus_connection_string):
            raise ValueError(
                "BUS_BACKEND=servicebus needs ServiceBusConnection__fullyQualifiedNamespace "
                "(or SERVICEBUS_CONNECTION_STRING)"
            )
        return self

    @property
    def webpubsub_access_key_list(self) -> list[str]:
        return _split(self.webpubsub_access_keys)

    @property
    def webpubsub_allowed_origin_list(self) -> list[str]:
        return _split(self.webpubsub_allowed_origins)

    def resolve_path(self, value: str) -> Path:
        path = Path(value)
        return path if path.is_absolute() else project_root() / path


def _split(value: str) -> list[str]:
    return list(_parts(value))


@functools.lru_cache(maxsize=64)
def _parts(value: str) -> tuple[str, ...]:
    """A comma-separated setting's parts: remembered, as the charger function reads its keys per frame."""
    return tuple(part.strip() for part in value.split(",") if part.strip())


def load_settings(**overrides: Any) -> Settings:
    return Settings(**overrides)
