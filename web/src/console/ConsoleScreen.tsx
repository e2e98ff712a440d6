// The providers' console: one address per part (stations, tariffs, promo codes, sessions, reservations, problem
// reports, analytics, statements, reviews, staff) under /console, for the provider of the signed-in provider
// admin or staff member. Staff see what the API lets them read; the parts only admins may change say so.
import { NavLink, Route, Routes } from "react-router";

import { useAuth } from "../auth/AuthContext";
import { Loading } from "../components/Status";
import { AnalyticsPanel } from "./AnalyticsPanel";
import { ProblemsPanel } from "./ProblemsPanel";
import { PromoCodesPanel } from "./PromoCodesPanel";
import { ReservationsPanel } from "./ReservationsPanel";
import { ReviewsPanel } from "./ReviewsPanel";
import { isProvider, isProviderAdmin } from "./roles";
import { SessionsPanel } from "./SessionsPanel";
import { StaffPanel } from "./StaffPanel";
import { StatementsPanel } from "./StatementsPanel";
import { StationDetail } from "./StationDetail";
import { StationsPanel } from "./StationsPanel";
import { TariffsPanel } from "./TariffsPanel";

export function ConsoleScreen() {
  const { me } = useAuth();
  if (me === null) return <Loading what="Loading your account" />;
  if (!isProvider(me) || !me.providerId)
    return <p className="page">The console is for charging providers&apos; admins and staff.</p>;
  const providerId = me.providerId;
  const admin = isProviderAdmin(me);
  return (
    <div className="page wide">
      <h1>Provider console</h1>
      <nav aria-label="Console" className="subnav">
        <NavLink to="/console" end>
          Stations
        </NavLink>
        {admin && <NavLink to="/console/tariffs">Tariffs</NavLink>}
        <NavLink to="/console/promo-codes">Promo codes</NavLink>
        <NavLink to="/console/sessions">Sessions</NavLink>
        <NavLink to="/console/reservations">Reservations</NavLink>
        <NavLink to="/console/problems">Problems</NavLink>
        <NavLink to="/console/analytics">Analytics</NavLink>
        <NavLink to="/console/statements">Statements</NavLink>
        <NavLink to="/console/reviews">Reviews</NavLink>
        <NavLink to="/console/staff">Staff</NavLink>
      </nav>
      <Routes>
        <Route index element={<StationsPanel providerId={providerId} />} />
        <Route path="stations/:stationId" element={<StationDetail providerId={providerId} admin={admin} />} />
        {admin && <Route path="tariffs" element={<TariffsPanel providerId={providerId} />} />}
        <Route path="promo-codes" element={<PromoCodesPanel providerId={providerId} admin={admin} />} />
        <Route path="sessions" element={<SessionsPanel providerId={providerId} />} />
        <Route path="reservations" element={<ReservationsPanel providerId={providerId} />} />
        <Route path="problems" element={<ProblemsPanel providerId={providerId} />} />
        <Route path="analytics" element={<AnalyticsPanel providerId={providerId} />} />
        <Route path="statements" element={<StatementsPanel providerId={providerId} />} />
        <Route path="reviews" element={<ReviewsPanel providerId={providerId} />} />
        <Route path="staff" element={<StaffPanel providerId={providerId} admin={admin} />} />
        <Route path="*" element={<p>This page does not exist.</p>} />
      </Routes>
    </div>
  );
}
