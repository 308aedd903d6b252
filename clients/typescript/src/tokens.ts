// Bearer tokens for clients without the cookie: held in memory only (never in
// localStorage, where any script of the page could read them), shared between the
// tabs of one browser, refreshed once however many calls find them expired.
import { SekishoError } from "./errors.js";
import { markSpent, openChannel, type TabChannel, wasSpent, withLock } from "./tabs.js";

/** How long a tab waits for the tokens another tab just got before spending its own. */
const OTHER_TAB_WAIT_MS = 3000;

export interface TokenPair {
  token: string;
  refreshToken: string;
  /** Milliseconds since the epoch when `token` expires. */
  expiresAt: number;
  /** How long `token` lived when it was issued, in milliseconds. */
  lifetimeMs?: number;
}

export type SignOutReason = "TOKEN_REUSED" | "UNAUTHORIZED" | "SIGNED_OUT";

/** What the refresh call answered: new tokens, or why the session is over. */
export type RefreshOutcome =
  | { ok: true; tokens: TokenPair }
  | { ok: false; reason: "TOKEN_REUSED" | "UNAUTHORIZED"; error: SekishoError };

export class TokenKeeper {
  private tokens: TokenPair | null = null;
  private inFlight: Promise<boolean> | null = null;
  private readonly channel: TabChannel;
  private readonly listeners = new Set<(reason: SignOutReason, error?: SekishoError) => void>();
  private readonly tokenListeners = new Set<(tokens: TokenPair | null) => void>();

  constructor(
    private readonly channelName: string,
    private readonly callRefresh: (refreshToken: string) => Promise<RefreshOutcome>,
  ) {
    this.channel = openChannel(channelName, (message) => {
      switch (message.type) {
        case "tokens":
          this.adopt(message.tokens);
          break;
        case "signed-out":
          this.drop(message.reason as SignOutReason, false);
          break;
        case "hello":
          if (this.tokens) this.channel.post({ type: "tokens", tokens: this.tokens });
          break;
      }
    });
    // A new tab asks the others for the tokens they hold.
    this.channel.post({ type: "hello" });
  }

  get current(): TokenPair | null {
    return this.tokens;
  }

  /** Keeps a pair from /token or /refresh and hands it to the other tabs. */
  set(tokens: TokenPair): void {
    this.adopt(tokens);
    this.channel.post({ type: "tokens", tokens });
  }

  /** Forgets the tokens here and in every other tab. */
  clear(reason: SignOutReason, error?: SekishoError): void {
    this.drop(reason, true, error);
  }

  onSignOut(listener: (reason: SignOutReason, error?: SekishoError) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onTokens(listener: (tokens: TokenPair | null) => void): () => void {
    this.tokenListeners.add(listener);
    return () => this.tokenListeners.delete(listener);
  }

  /**
   * After a 401 on a call made with `spentAccessToken`: gets a fresh access token,
   * unless another call or tab already did. Concurrent callers share one refresh.
   * Resolves true when a retry is worth it; false when the session is over.
   */
  refreshAfter(spentAccessToken: string): Promise<boolean> {
    if (this.tokens && this.tokens.token !== spentAccessToken) return Promise.resolve(true);
    if (!this.tokens) return Promise.resolve(false);
    if (!this.inFlight) {
      this.inFlight = withLock(`${this.channelName}:refresh`, () => this.refreshHoldingLock(spentAccessToken)).finally(
        () => {
          this.inFlight = null;
        },
      );
    }
    return this.inFlight;
  }

  close(): void {
    this.channel.close();
  }

  private async refreshHoldingLock(spentAccessToken: string): Promise<boolean> {
    const tokens = this.tokens;
    if (!tokens) return false;
    // Another tab refreshed while this one waited for the lock.
    if (tokens.token !== spentAccessToken) return true;
    if (await wasSpent(this.channelName, tokens.refreshToken)) {
      // ... and its message had not arrived yet (it may have while we hashed).
      if (await this.tokensOtherThan(spentAccessToken, OTHER_TAB_WAIT_MS)) return this.tokens !== null;
    }
    await markSpent(this.channelName, tokens.refreshToken);
    const outcome = await this.callRefresh(tokens.refreshToken);
    if (outcome.ok) {
      this.set(outcome.tokens);
      return true;
    }
    this.clear(outcome.reason, outcome.error);
    if (outcome.reason === "TOKEN_REUSED") throw outcome.error;
    return false;
  }

  /** Resolves true once the tokens held are not `accessToken`'s pair (new tokens or
   * a sign-out), false when that has not happened within `ms`. */
  private tokensOtherThan(accessToken: string, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      if (this.tokens?.token !== accessToken) {
        resolve(true);
        return;
      }
      const timer = setTimeout(() => {
        stop();
        resolve(false);
      }, ms);
      const stop = this.onTokens(() => {
        clearTimeout(timer);
        stop();
        resolve(true);
      });
    });
  }

  private adopt(tokens: TokenPair): void {
    this.tokens = tokens;
    for (const listener of this.tokenListeners) listener(tokens);
  }

  private drop(reason: SignOutReason, broadcast: boolean, error?: SekishoError): void {
    const had = this.tokens !== null;
    this.tokens = null;
    if (broadcast) this.channel.post({ type: "signed-out", reason });
    if (had || broadcast) {
      for (const listener of this.tokenListeners) listener(null);
      for (const listener of this.listeners) listener(reason, error);
    }
  }
}
