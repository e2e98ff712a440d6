// The driver's account under /account: one address per part (profile and password, RFID tags, notification
// settings, statistics, reservations, becoming a provider), with a sub-navigation between them.
import { NavLink, Route, Routes } from "react-router";

import { NotificationSettingsPanel } from "./NotificationSettingsPanel";
import { ProfilePanel } from "./ProfilePanel";
import { ProviderApplicationPanel } from "./ProviderApplicationPanel";
import { ReservationsPanel } from "./ReservationsPanel";
import { RfidTagsPanel } from "./RfidTagsPanel";
import { StatisticsPanel } from "./StatisticsPanel";

export const ACCOUNT_PARTS = [
  { path: "", label: "Profile" },
  { path: "rfid-tags", label: "RFID tags" },
  { path: "notifications", label: "Notification settings" },
  { path: "statistics", label: "Statistics" },
  { path: "reservations", label: "Reservations" },
  { path: "provider", label: "Become a provider" },
] as const;

export function AccountScreen() {
  return (
    <div className="page account">
      <h1>Your account</h1>
      <nav aria-label="Account" className="subnav">
        {ACCOUNT_PARTS.map((part) => (
          <NavLink key={part.path} to={part.path ? `/account/${part.path}` : "/account"} end>
            {part.label}
          </NavLink>
        ))}
      </nav>
      <Routes>
        <Route index element={<ProfilePanel />} />
        <Route path="rfid-tags" element={<RfidTagsPanel />} />
        <Route path="notifications" element={<NotificationSettingsPanel />} />
        <Route path="statistics" element={<StatisticsPanel />} />
        <Route path="reservations" element={<ReservationsPanel />} />
        <Route path="provider" element={<ProviderApplicationPanel />} />
        <Route path="*" element={<p>This page does not exist.</p>} />
      </Routes>
    </div>
  );
}
