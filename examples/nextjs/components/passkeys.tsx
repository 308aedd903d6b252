"use client";
// Settings → passkeys: add one (the browser's own dialog), rename, remove. Removing
// the last way to sign in is refused by Sekisho (LAST_SIGN_IN_METHOD).
import { useCallback, useEffect, useState } from "react";
import { isSekishoError, type Passkey, type SekishoError } from "@sekisho/client";
import { useSession } from "@sekisho/client/react";

import { ErrorAlert, Field, text, useSubmit } from "./forms";

export function PasskeySettings() {
  const { user, client } = useSession();
  const [passkeys, setPasskeys] = useState<Passkey[] | null>(null);
  const [rowError, setRowError] = useState<SekishoError | null>(null);
  const [supported, setSupported] = useState(true);
  const reload = useCallback(async () => setPasskeys(await client.passkey.list()), [client]);
  useEffect(() => {
    setSupported(client.passkey.isSupported());
    if (user) void reload().catch(() => setPasskeys([]));
  }, [client, user, reload]);
  const add = useSubmit(async (form) => {
    try {
      await client.passkey.register({ name: text(form, "name") || undefined });
    } catch (caught) {
      // Closing the browser's dialog is not an error to show.
      if (isSekishoError(caught) && caught.code === "PASSKEY_CANCELLED") return;
      throw caught;
    }
    (document.getElementById("add-passkey") as HTMLFormElement | null)?.reset();
    await reload();
  });
  async function act(work: () => Promise<unknown>) {
    setRowError(null);
    try {
      await work();
      await reload();
    } catch (caught) {
      if (!isSekishoError(caught)) throw caught;
      setRowError(caught);
    }
  }
  if (!user) return null;

  return (
    <section className="card" id="passkeys">
      <h1>Passkeys</h1>
      <p className="muted">
        A passkey signs you in with your device&rsquo;s screen lock or security key, without a password or a code.
      </p>
      <ErrorAlert error={rowError} />
      {passkeys === null ? (
        <p className="muted">Loading…</p>
      ) : passkeys.length === 0 ? (
        <p className="muted" data-testid="no-passkeys">
          No passkeys yet.
        </p>
      ) : (
        <ul className="passkeys">
          {passkeys.map((passkey) => (
            <li key={passkey.id} data-testid="passkey">
              <strong>{passkey.name}</strong>{" "}
              <span className="muted">
                added {new Date(passkey.createdAt).toLocaleDateString()}
                {passkey.lastUsedAt ? `, last used ${new Date(passkey.lastUsedAt).toLocaleString()}` : ", never used"}
              </span>{" "}
              <button
                type="button"
                className="secondary"
                onClick={() => {
                  const name = window.prompt("New name", passkey.name);
                  if (name) void act(() => client.passkey.rename(passkey.id, name));
                }}
              >
                Rename
              </button>{" "}
              <button type="button" className="secondary" onClick={() => void act(() => client.passkey.remove(passkey.id))}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      {supported ? (
        <form onSubmit={add.onSubmit} noValidate id="add-passkey">
          <ErrorAlert error={add.error} />
          <Field name="name" label="Name (optional)" error={add.error} autoComplete="off" />
          <button type="submit" disabled={add.pending}>
            {add.pending ? "Waiting for your device…" : "Add a passkey"}
          </button>
        </form>
      ) : (
        <p className="muted">This browser cannot use passkeys.</p>
      )}
    </section>
  );
}
