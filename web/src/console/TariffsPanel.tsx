// The provider's tariffs: pick one to write a new version of it, or start a new tariff.
import { useState } from "react";

import { unwrap } from "../api/problem";
import { useApi } from "../auth/AuthContext";
import { Empty, Loaded } from "../components/Status";
import { useLoad } from "../components/useLoad";
import { dateTime } from "../format";
import { draftFrom, newDraft } from "./tariff";
import { TariffEditor } from "./TariffEditor";
import { providerStations } from "./stations";

export function TariffsPanel({ providerId }: { providerId: string }) {
  const api = useApi();
  const [editing, setEditing] = useState<string | "new" | null>(null);
  const [round, setRound] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  const saved = (r: { version: number }) => {
    setNotice(`Saved: version ${r.version} is now the current one.`);
    setEditing(null);
    setRound((n) => n + 1);
  };
  const data = useLoad(async () => {
    const [tariffs, stations] = await Promise.all([
      api.client.GET("/api/providers/{providerId}/tariffs", { params: { path: { providerId }, query: { limit: 100 } } }),
      providerStations(api, providerId),
    ]);
    return { tariffs: unwrap(tariffs).items, stations };
  }, [api, providerId, round]);
  return (
    <section aria-labelledby="tariffs-h">
      <h2 id="tariffs-h">Tariffs</h2>
      {notice && (
        <p className="status" role="status">
          {notice}
        </p>
      )}
      <Loaded load={data} what="Loading tariffs">
        {({ tariffs, stations }) => (
          <>
            {tariffs.length === 0 ? (
              <Empty>No tariffs yet.</Empty>
            ) : (
              <table className="table">
                <caption className="sr-only">Your tariffs</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Current version</th>
                    <th scope="col">Summary</th>
                    <th scope="col">Stations</th>
                    <th scope="col">Edit</th>
                  </tr>
                </thead>
                <tbody>
                  {tariffs.map((t) => (
                    <tr key={t.id}>
                      <td>{t.name}</td>
                      <td>
                        {t.currentVersion} <span className="muted">({dateTime(t.updatedAt)})</span>
                      </td>
                      <td>{t.summary}</td>
                      <td>{stations.filter((s) => s.tariffId === t.id).length}</td>
                      <td>
                        <button type="button" className="secondary" onClick={() => {
                            setNotice(null);
                            setEditing(t.id);
                          }} aria-label={`New version of ${t.name}`}>
                          New version
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <button type="button" onClick={() => {
                setNotice(null);
                setEditing("new");
              }}>
              New tariff
            </button>
            {editing === "new" && (
              <TariffEditor
                key="new"
                providerId={providerId}
                initial={newDraft()}
                stations={stations}
                onSaved={saved}
              />
            )}
            {editing !== null && editing !== "new" && (
              <ExistingTariff key={editing} providerId={providerId} tariffId={editing} stations={stations} onSaved={saved} />
            )}
          </>
        )}
      </Loaded>
    </section>
  );
}

function ExistingTariff({
  providerId,
  tariffId,
  stations,
  onSaved,
}: {
  providerId: string;
  tariffId: string;
  stations: Parameters<typeof TariffEditor>[0]["stations"];
  onSaved(r: { version: number }): void;
}) {
  const api = useApi();
  const detail = useLoad(
    async () => unwrap(await api.client.GET("/api/tariffs/{tariffId}", { params: { path: { tariffId } } })),
    [api, tariffId],
  );
  return (
    <Loaded load={detail} what="Loading the tariff">
      {(t) => {
        const latest = t.versions.find((v) => v.version === t.currentVersion) ?? t.versions[t.versions.length - 1];
        return (
          <TariffEditor
            providerId={providerId}
            tariffId={t.id}
            initial={latest ? draftFrom(t.name, latest) : newDraft(t.currency)}
            stations={stations}
            onSaved={onSaved}
          />
        );
      }}
    </Loaded>
  );
}
