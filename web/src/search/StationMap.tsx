// The map: OpenStreetMap tiles, one marker per station coloured by live availability, clustered
// when zoomed out (leaflet.markercluster). Moving the map reports the visible box to search in.
import "leaflet/dist/leaflet.css";
import "react-leaflet-cluster/dist/assets/MarkerCluster.css";
import "react-leaflet-cluster/dist/assets/MarkerCluster.Default.css";

import L from "leaflet";
import type {} from "leaflet.markercluster";
import { useEffect } from "react";
import { MapContainer, Marker, Popup, TileLayer, useMap, useMapEvents } from "react-leaflet";
import MarkerClusterGroup from "react-leaflet-cluster";
import { Link } from "react-router";

import type { Area } from "./filters";
import { availabilityOf, availabilityText, type Availability, type Station } from "./availability";

const icons: Record<Availability, L.DivIcon> = {
  available: pin("available"),
  busy: pin("busy"),
  unknown: pin("unknown"),
};

function pin(kind: Availability): L.DivIcon {
  return L.divIcon({
    className: `pin pin-${kind}`,
    html: `<span aria-hidden="true"></span>`,
    iconSize: [24, 24],
    iconAnchor: [12, 24],
    popupAnchor: [0, -22],
  });
}

// a cluster is green while any station in it has a free connector
function clusterIcon(cluster: L.MarkerCluster): L.DivIcon {
  const markers = cluster.getAllChildMarkers();
  const free = markers.some((m) => (m.options as { availability?: Availability }).availability === "available");
  return L.divIcon({
    className: `cluster ${free ? "cluster-available" : "cluster-busy"}`,
    html: `<span>${markers.length}</span>`,
    iconSize: [36, 36],
  });
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

function boxOf(map: L.Map): Area {
  const b = map.getBounds();
  return {
    kind: "bbox",
    west: clamp(b.getWest(), -180, 180),
    south: clamp(b.getSouth(), -90, 90),
    east: clamp(b.getEast(), -180, 180),
    north: clamp(b.getNorth(), -90, 90),
  };
}

function ReportArea({ onArea }: { onArea(area: Area): void }) {
  const map = useMapEvents({ moveend: () => onArea(boxOf(map)) });
  useEffect(() => onArea(boxOf(map)), [map, onArea]);
  return null;
}

function FlyTo({ center }: { center: [number, number] | null }) {
  const map = useMap();
  useEffect(() => {
    if (center) map.setView(center, Math.max(map.getZoom(), 13));
  }, [center, map]);
  return null;
}

export interface StationMapProps {
  stations: Station[];
  center: [number, number];
  focus: [number, number] | null;
  onArea(area: Area): void;
}

export default function StationMap({ stations, center, focus, onArea }: StationMapProps) {
  return (
    <MapContainer center={center} zoom={13} className="map" scrollWheelZoom>
      <TileLayer
        attribution='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
        url="https://tile.openstreetmap.org/{z}/{x}/{y}.png"
        maxZoom={19}
      />
      <ReportArea onArea={onArea} />
      <FlyTo center={focus} />
      <MarkerClusterGroup chunkedLoading iconCreateFunction={clusterIcon} maxClusterRadius={50}>
        {stations.map((s) => {
          const [lon = 0, lat = 0] = s.location.coordinates;
          const kind = availabilityOf(s);
          return (
            <Marker
              key={s.id}
              position={[lat, lon]}
              icon={icons[kind]}
              title={`${s.name}: ${availabilityText(s)}`}
              alt={s.name}
              {...({ availability: kind } as object)}
            >
              <Popup>
                <strong>{s.name}</strong>
                <br />
                {availabilityText(s)}
                <br />
                {s.priceSummary?.text}
                <br />
                <Link to={`/stations/${encodeURIComponent(s.id)}`}>Details and charging</Link>
              </Popup>
            </Marker>
          );
        })}
      </MarkerClusterGroup>
    </MapContainer>
  );
}
