// Where the sign-in lives: the refresh token survives reloads (localStorage), the short-lived
// access token stays in memory and is fetched again from the refresh token when needed.
export const REFRESH_KEY = "wattsup.refreshToken";

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
}

type Listener = (signedIn: boolean) => void;

export class TokenStore {
  private access: string | null = null;
  private readonly listeners = new Set<Listener>();

  constructor(private readonly storage: Storage = window.localStorage) {}

  get accessToken(): string | null {
    return this.access;
  }

  get refreshToken(): string | null {
    return this.storage.getItem(REFRESH_KEY);
  }

  get signedIn(): boolean {
    return this.refreshToken !== null;
  }

  save(pair: TokenPair): void {
    const was = this.signedIn;
    this.access = pair.accessToken;
    this.storage.setItem(REFRESH_KEY, pair.refreshToken);
    if (!was) this.emit(true);
  }

  clear(): void {
    const was = this.signedIn;
    this.access = null;
    this.storage.removeItem(REFRESH_KEY);
    if (was) this.emit(false);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(signedIn: boolean): void {
    for (const listener of this.listeners) listener(signedIn);
  }
}
