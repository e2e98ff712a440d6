// The signed-in state for the whole app: sign in, register, sign out, and who "me" is.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";

import type { Api, Schemas } from "../api/client";
import { unwrap } from "../api/problem";

export type Me = Schemas["UserPublic"];

interface AuthState {
  api: Api;
  signedIn: boolean;
  me: Me | null;
  signIn(email: string, password: string): Promise<void>;
  register(name: string, email: string, password: string): Promise<void>;
  signOut(): Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ api, children }: { api: Api; children: ReactNode }) {
  const [signedIn, setSignedIn] = useState(api.tokens.signedIn);
  const [me, setMe] = useState<Me | null>(null);

  useEffect(() => api.tokens.subscribe(setSignedIn), [api]);

  useEffect(() => {
    if (!signedIn) {
      setMe(null);
      return;
    }
    let live = true;
    api.client
      .GET("/api/me")
      .then((result) => live && result.data && setMe(result.data))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [api, signedIn]);

  const signIn = useCallback(
    async (email: string, password: string) => {
      const pair = unwrap(await api.client.POST("/api/auth/login", { body: { email, password } }));
      api.tokens.save(pair);
    },
    [api],
  );

  const register = useCallback(
    async (name: string, email: string, password: string) => {
      const locale = navigator.language.toLowerCase().startsWith("de") ? "de" : "en";
      unwrap(await api.client.POST("/api/users", { body: { name, email, password, locale } }));
      await signIn(email, password);
    },
    [api, signIn],
  );

  const signOut = useCallback(async () => {
    const refreshToken = api.tokens.refreshToken;
    if (refreshToken) {
      await api.client.POST("/api/auth/logout", { body: { refreshToken } }).catch(() => undefined);
    }
    api.tokens.clear();
  }, [api]);

  const value = useMemo(
    () => ({ api, signedIn, me, signIn, register, signOut }),
    [api, signedIn, me, signIn, register, signOut],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const state = useContext(AuthContext);
  if (state === null) throw new Error("useAuth outside <AuthProvider>");
  return state;
}

export function useApi(): Api {
  return useAuth().api;
}
