// Coordination between the tabs of one browser: one refresh at a time (Web Locks,
// or an in-process queue where there are none, as in Node), and the tokens that a
// refresh produced handed to every other tab (BroadcastChannel), so that no tab
// spends a refresh token another tab already spent.
import type { TokenPair } from "./tokens.js";

export type TabMessage =
  | { type: "tokens"; tokens: TokenPair }
  | { type: "signed-out"; reason: string }
  | { type: "hello" };

export interface TabChannel {
  post(message: TabMessage): void;
  close(): void;
}

export function openChannel(name: string, onMessage: (message: TabMessage) => void): TabChannel {
  if (typeof BroadcastChannel === "undefined") {
    return { post() {}, close() {} };
  }
  const channel = new BroadcastChannel(name);
  channel.onmessage = (event: MessageEvent) => {
    const data: unknown = event.data;
    if (typeof data === "object" && data !== null && "type" in data) {
      onMessage(data as TabMessage);
    }
  };
  return {
    post(message) {
      channel.postMessage(message);
    },
    close() {
      channel.close();
    },
  };
}

const localQueues = new Map<string, Promise<unknown>>();

/** Runs `task` while holding the lock `name` in every tab of this browser. */
export async function withLock<T>(name: string, task: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== "undefined" ? navigator.locks : undefined;
  if (locks && typeof locks.request === "function") {
    return locks.request(name, task) as Promise<T>;
  }
  const previous = localQueues.get(name) ?? Promise.resolve();
  const run = previous.then(task, task);
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  localQueues.set(name, settled);
  try {
    return await run;
  } finally {
    if (localQueues.get(name) === settled) localQueues.delete(name);
  }
}

// Which refresh token was spent last, as a fingerprint (a hash prefix: useless to a
// thief) in localStorage, which every tab reads synchronously. A tab that gets the
// lock after another tab refreshed may not have received that tab's message yet;
// the fingerprint tells it to wait for the message instead of spending the token.
const memoryLedger = new Map<string, string>();

function ledgerStore(): Pick<Storage, "getItem" | "setItem"> {
  try {
    if (typeof localStorage !== "undefined") return localStorage;
  } catch {
    // Storage disabled (privacy mode): fall back to this realm's memory.
  }
  return {
    getItem: (key) => memoryLedger.get(key) ?? null,
    setItem: (key, value) => void memoryLedger.set(key, value),
  };
}

async function fingerprint(token: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return Array.from(new Uint8Array(digest).slice(0, 16), (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function markSpent(channelName: string, refreshToken: string): Promise<void> {
  ledgerStore().setItem(`${channelName}:spent`, await fingerprint(refreshToken));
}

export async function wasSpent(channelName: string, refreshToken: string): Promise<boolean> {
  return ledgerStore().getItem(`${channelName}:spent`) === (await fingerprint(refreshToken));
}
