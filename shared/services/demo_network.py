"""A plausible charging network around Berlin for the demo: the same every time (seeded).

Pure data: ``demo_network()`` describes providers, stations, chargers and
connectors; ``shared.services.demo`` writes them through the services.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

__all__ = ["DemoCharger", "DemoProvider", "DemoStation", "demo_network"]

# (district, longitude, latitude, postal code) of Berlin's districts
DISTRICTS = [
    ("Mitte", 13.3889, 52.5170, "10117"),
    ("Friedrichshain", 13.4540, 52.5158, "10243"),
    ("Kreuzberg", 13.4030, 52.4987, "10961"),
    ("Prenzlauer Berg", 13.4247, 52.5387, "10405"),
    ("Charlottenburg", 13.3040, 52.5160, "10585"),
    ("Schöneberg", 13.3530, 52.4840, "10827"),
    ("Neukölln", 13.4380, 52.4811, "12043"),
    ("Spandau", 13.2000, 52.5350, "13597"),
    ("Steglitz", 13.3200, 52.4560, "12163"),
    ("Tempelhof", 13.3850, 52.4700, "12099"),
    ("Treptow", 13.4700, 52.4900, "12435"),
    ("Pankow", 13.4040, 52.5690, "13187"),
    ("Lichtenberg", 13.4990, 52.5150, "10365"),
    ("Marzahn", 13.5600, 52.5450, "12679"),
    ("Köpenick", 13.5750, 52.4450, "12555"),
    ("Reinickendorf", 13.3300, 52.5900, "13403"),
    ("Wilmersdorf", 13.3120, 52.4870, "10713"),
    ("Wedding", 13.3600, 52.5500, "13347"),
    ("Moabit", 13.3420, 52.5300, "10551"),
    ("Zehlendorf", 13.2600, 52.4330, "14163"),
]
STREETS = [
    "Hauptstraße",
    "Bahnhofstraße",
    "Schillerstraße",
    "Goethestraße",
    "Parkstraße",
    "Lindenallee",
    "Kastanienallee",
    "Gartenstraße",
    "Rathausplatz",
    "Marktstraße",
    "Am Wasserturm",
    "Uferweg",
]
PLACES = ["Parkhaus", "Supermarkt", "Bahnhof", "Rathaus", "Einkaufszentrum", "Sportpark", "Hotel", "Klinikum"]
AMENITIES = ["WIFI", "CAFE", "RESTROOM", "SUPERMARKET", "PARKING_LOT", "SHOPPING", "HOTEL", "PLAYGROUND"]


@dataclass(frozen=True)
class DemoCharger:
    identity: str
    vendor: str
    model: str
    connectors: tuple[tuple[str, str, float], ...]  # (standard, power type, max kW)


@dataclass(frozen=True)
class DemoStation:
    name: str
    street: str
    city: str
    postal_code: str
    lon: float
    lat: float
    amenities: tuple[str, ...]
    twentyfourseven: bool
    chargers: tuple[DemoCharger, ...]
    fast: bool


@dataclass(frozen=True)
class DemoProvider:
    key: str
    legal_name: str
    display_name: str
    vat_id: str
    admin_email: str
    stations: list[DemoStation] = field(default_factory=list)


PROVIDERS = [
    ("spree", "Spree Charge GmbH", "Spree Charge", "DE811111111"),
    ("hauptstadt", "Hauptstadt Strom AG", "Hauptstadt Strom", "DE822222222"),
    ("voltwerk", "VoltWerk Berlin GmbH", "VoltWerk", "DE833333333"),
]


def _charger(rng: random.Random, identity: str, fast: bool) -> DemoCharger:
    if fast:
        power = rng.choice([50.0, 150.0, 300.0])
        connectors = [("CCS2", "DC", power)] + ([("CHADEMO", "DC", 50.0)] if rng.random() < 0.3 else [])
        return DemoCharger(identity, "Alpitronic", f"HYC{int(power)}", tuple(connectors))
    power = rng.choice([11.0, 22.0])
    count = rng.choice([1, 2, 2])
    return DemoCharger(identity, "ABB", f"Terra AC {int(power)}", tuple(("TYPE_2", "AC", power) for _ in range(count)))


def demo_network(stations_per_provider: int = 50, seed: int = 7) -> list[DemoProvider]:
    """Each provider draws from its own generator, so a smaller network is a prefix of a larger one:
    station ``n`` of a provider (and the charger a simulated demo charger logs in as) does not depend on
    ``stations_per_provider`` (``DEMO_STATIONS_PER_PROVIDER``)."""
    providers = []
    for key, legal, display, vat in PROVIDERS:
        rng = random.Random(f"{seed}/{key}")
        provider = DemoProvider(key, legal, display, vat, f"admin@{key}.example.com")
        for n in range(stations_per_provider):
            district, lon, lat, postal = rng.choice(DISTRICTS)
            fast = rng.random() < 0.35
            chargers = tuple(
                _charger(rng, f"{key.upper()}-{n:03d}-{c}", fast) for c in range(1, rng.choice([1, 2, 2, 3]) + 1)
            )
            provider.stations.append(
                DemoStation(
                    name=f"{display} {district} {rng.choice(PLACES)}",
                    street=f"{rng.choice(STREETS)} {rng.randint(1, 180)}",
                    city="Berlin",
                    postal_code=postal,
                    # within about 1.5 km of the district's centre
                    lon=round(lon + rng.uniform(-0.022, 0.022), 6),
                    lat=round(lat + rng.uniform(-0.0135, 0.0135), 6),
                    amenities=tuple(sorted(rng.sample(AMENITIES, rng.randint(0, 3)))),
                    twentyfourseven=rng.random() < 0.7,
                    chargers=chargers,
                    fast=fast,
                )
            )
        providers.append(provider)
    return providers
