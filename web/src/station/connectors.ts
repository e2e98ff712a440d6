// A station's connectors as drivers see them: their key, their live status, a readable label.
import type { Schemas } from "../api/client";

export type StationView = Schemas["StationView"];
export type Connector = Schemas["StationConnector"];

export const connectorKey = (c: Connector) => `${c.chargerId}/${c.connectorId}`;

export function statusOf(station: StationView, c: Connector): string {
  return station.effectiveStatus?.[connectorKey(c)] ?? c.status ?? "Unknown";
}

export function connectorLabel(c: Connector): string {
  return `${c.standard.replace("_", " ")} ${c.powerType}, ${c.maxPowerKw} kW (${c.chargerId} #${c.connectorId})`;
}
