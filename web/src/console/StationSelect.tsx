// The console's station filter: "All stations" or one of the provider's stations.
export function StationSelect({
  id,
  stations,
  value,
  onChange,
}: {
  id: string;
  stations: readonly { id: string; name: string }[];
  value: string;
  onChange(stationId: string): void;
}) {
  return (
    <>
      <label htmlFor={id}>Station</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">All stations</option>
        {stations.map((s) => (
          <option key={s.id} value={s.id}>
            {s.name}
          </option>
        ))}
      </select>
    </>
  );
}
