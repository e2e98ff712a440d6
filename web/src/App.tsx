// The app's frame: navigation, and which screen each address shows.
import { Navigate, NavLink, Route, Routes, useLocation } from "react-router";
import { useEffect, useState, type ReactNode } from "react";

import { AccountScreen } from "./account/AccountScreen";
import { AdminScreen } from "./admin/AdminScreen";
import { useAuth } from "./auth/AuthContext";
import { ConsoleScreen } from "./console/ConsoleScreen";
import { isAdmin, isProvider } from "./console/roles";
import { HistoryScreen } from "./screens/HistoryScreen";
import { InvoicesScreen } from "./screens/InvoicesScreen";
import { LiveSessionScreen } from "./screens/LiveSessionScreen";
import { MapScreen } from "./screens/MapScreen";
import { NotificationsScreen } from "./screens/NotificationsScreen";
import { PaymentMethodsScreen } from "./screens/PaymentMethodsScreen";
import { SignInScreen } from "./screens/SignInScreen";
import { StationScreen } from "./screens/StationScreen";
import { WriteReview } from "./station/WriteReview";

function RequireSignIn({ children }: { children: ReactNode }) {
  const { signedIn } = useAuth();
  const location = useLocation();
  if (!signedIn) return <Navigate to={`/signin?next=${encodeURIComponent(location.pathname)}`} replace />;
  return <>{children}</>;
}

export function Header() {
  const { signedIn, me, signOut } = useAuth();
  // phones: the links and the account fold behind a menu button, closed again on every page change
  const [open, setOpen] = useState(false);
  const { pathname } = useLocation();
  useEffect(() => setOpen(false), [pathname]);
  return (
    <header className={open ? "app-header open" : "app-header"}>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <NavLink to="/" className="brand">
        ⚡ Watt&apos;s Up
      </NavLink>
      <button
        type="button"
        className="menu-toggle secondary"
        aria-expanded={open}
        aria-controls="main-menu"
        onClick={() => setOpen((o) => !o)}
      >
        Menu
      </button>
      <nav aria-label="Main" id="main-menu">
        <NavLink to="/">Map</NavLink>
        {signedIn && (
          <>
            <NavLink to="/sessions">Sessions</NavLink>
            <NavLink to="/invoices">Invoices</NavLink>
            <NavLink to="/payment-methods">Cards</NavLink>
            <NavLink to="/notifications">Notifications</NavLink>
            <NavLink to="/account">Account</NavLink>
            {isProvider(me) && <NavLink to="/console">Console</NavLink>}
            {isAdmin(me) && <NavLink to="/admin">Admin</NavLink>}
          </>
        )}
      </nav>
      <div className="account">
        {signedIn ? (
          <>
            {me && <span className="muted">{me.name}</span>}
            <button type="button" className="secondary" onClick={() => void signOut()}>
              Sign out
            </button>
          </>
        ) : (
          <NavLink to="/signin">Sign in</NavLink>
        )}
      </div>
    </header>
  );
}

export function App() {
  const guard = (screen: ReactNode) => <RequireSignIn>{screen}</RequireSignIn>;
  return (
    <>
      <Header />
      <main id="main" tabIndex={-1}>
        <Routes>
          <Route path="/" element={<MapScreen />} />
          <Route path="/stations/:stationId" element={<StationScreen />} />
          <Route path="/signin" element={<SignInScreen />} />
          <Route path="/register" element={<SignInScreen register />} />
          <Route path="/sessions" element={guard(<HistoryScreen />)} />
          <Route path="/sessions/:sessionId" element={guard(<LiveSessionScreen />)} />
          <Route path="/sessions/:sessionId/review" element={guard(<WriteReview />)} />
          <Route path="/invoices" element={guard(<InvoicesScreen />)} />
          <Route path="/payment-methods" element={guard(<PaymentMethodsScreen />)} />
          <Route path="/notifications" element={guard(<NotificationsScreen />)} />
          <Route path="/account/*" element={guard(<AccountScreen />)} />
          <Route path="/console/*" element={guard(<ConsoleScreen />)} />
          <Route path="/admin/*" element={guard(<AdminScreen />)} />
          <Route path="*" element={<p className="page">This page does not exist.</p>} />
        </Routes>
      </main>
    </>
  );
}
