// The platform admins' screens under /admin: provider applications, review moderation, dead letters, analytics.
import { NavLink, Route, Routes } from "react-router";

import { useAuth } from "../auth/AuthContext";
import { Loading } from "../components/Status";
import { AnalyticsPanel } from "../console/AnalyticsPanel";
import { isAdmin } from "../console/roles";
import { ApplicationsScreen } from "./ApplicationsScreen";
import { DeadLettersScreen } from "./DeadLettersScreen";
import { ModerationScreen } from "./ModerationScreen";

export function AdminScreen() {
  const { me } = useAuth();
  if (me === null) return <Loading what="Loading your account" />;
  if (!isAdmin(me)) return <p className="page">These screens are for the platform&apos;s admins.</p>;
  return (
    <div className="page wide">
      <h1>Admin</h1>
      <nav aria-label="Admin" className="subnav">
        <NavLink to="/admin" end>
          Provider applications
        </NavLink>
        <NavLink to="/admin/reviews">Review moderation</NavLink>
        <NavLink to="/admin/dead-letters">Dead letters</NavLink>
        <NavLink to="/admin/analytics">Platform analytics</NavLink>
      </nav>
      <Routes>
        <Route index element={<ApplicationsScreen />} />
        <Route path="reviews" element={<ModerationScreen />} />
        <Route path="dead-letters" element={<DeadLettersScreen />} />
        <Route path="analytics" element={<AnalyticsPanel />} />
        <Route path="*" element={<p>This page does not exist.</p>} />
      </Routes>
    </div>
  );
}
