"""The Cosmos DB containers of database ``wattsup`` (DESIGN section 4).

Both store adapters create these on first use: Cosmos containers with their
partition key, SQLite tables with the same names.
"""

from __future__ import annotations

from shared.ports.store import ContainerSpec

__all__ = ["CONTAINERS", "container"]

CONTAINERS: dict[str, ContainerSpec] = {
    spec.name: spec
    for spec in (
        # users also holds the documents that make an email or an RFID tag unique
        # (ids "email:..." and "tag:...") and refresh-token families ("rtf_..."):
        # partitioned by id, each is its own point read.
        ContainerSpec("users", "id", default_ttl=-1),
        ContainerSpec("providers", "id"),
        ContainerSpec(
            "stations",
            "providerId",
            spatial_paths=("location",),
            # the map search's filters and its ranking projection (location, featured window, reliability)
            indexed_fields=(
                *("type", "lifecycle", "access", "providerActive"),
                *("maxPowerKw", "energyPricePerKwh", "ratingAverage", "standards"),
                *("location", "featuredFrom", "featuredUntil"),
                "reliability.score",
            ),
        ),
        ContainerSpec("chargers", "id"),
        # sessions also holds one claim document per connector ("claim:<charger>:<connector>")
        ContainerSpec(
            "sessions",
            "stationId",
            indexed_fields=(
                *("type", "status", "connectorKey", "startKey", "idTag"),
                *("userId", "providerId", "requestedAt", "updatedAt", "stoppedAt", "hasPendingEvents"),
            ),
        ),
        ContainerSpec("reservations", "connectorKey", default_ttl=-1),
        # one small document per reading; raw samples expire by their own ttl (DESIGN section 11)
        ContainerSpec("meter_samples", "sessionId", default_ttl=-1, indexed_fields=("sessionId", "at")),
        # invoices and credit notes; one statement per provider and month ("stm_...")
        ContainerSpec(
            "invoices",
            "providerId",
            indexed_fields=("type", "kind", "userId", "sessionId", "createdAt", "month"),
        ),
        # payment accounts ("acct:<userId>") and one payment record per billed session ("pay_<sessionId>")
        ContainerSpec(
            "payments",
            "userId",
            indexed_fields=(
                *("type", "status", "providerId", "stationId", "createdAt", "updatedAt", "stoppedAt", "nextAttemptAt"),
                *("holdIntentId", "topupIntentId", "hasPendingEvents", "hasOpenRefunds"),
            ),
        ),
        # reviews ("rev_<sessionId>"), each station's rating ("rating:<stationId>") and problem reports
        ContainerSpec(
            "reviews",
            "stationId",
            indexed_fields=(
                *("type", "status", "providerId", "reviewId", "openReports", "hasPendingMessages"),
                *("newestKey", "highKey", "lowKey", "reportedKey", "createdKey"),
            ),
        ),
        ContainerSpec("notifications", "userId", default_ttl=-1),
        # analytics rollups (docs/analytics.md): day documents per station, provider, driver and the platform,
        # per-session contributions and the connectors' status log, partitioned by scope ("station:<id>" ...)
        ContainerSpec("rollups", "scope", indexed_fields=("kind", "day", "at", "connectorKey")),
        ContainerSpec("counters", "id"),
        # commands sent to chargers, awaiting their reply (ChargerLink); they expire by their own ttl
        ContainerSpec("charger_commands", "chargerId", default_ttl=-1, indexed_fields=("status", "deadline")),
        # idempotency keys and login throttles expire by their own ttl
        ContainerSpec("processed_messages", "id", default_ttl=-1),
        ContainerSpec("throttles", "id", default_ttl=-1),
    )
}


def container(name: str) -> ContainerSpec:
    return CONTAINERS[name]
