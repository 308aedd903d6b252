"use client";
import { useRouter } from "next/navigation";
import { useCallback, useEffect, useState } from "react";
import { isSekishoError, type SekishoError, type Session } from "@sekisho/client";
import { useSekisho } from "@sekisho/client/react";

import { ErrorAlert } from "../../components/forms";

export default function SessionsPage() {
  const client = useSekisho();
  const router = useRouter();
  const [sessions, setSessions] = useState<Session[] | null>(null);
  const [error, setError] = useState<SekishoError | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const run = useCallback(
    async (key: string | null, action: () => Promise<unknown>) => {
      setBusy(key);
      setError(null);
      try {
        await action();
        setSessions(await client.listSessions());
      } catch (caught) {
        if (!isSekishoError(caught)) throw caught;
        if (caught.status === 401) {
          router.push("/login?next=%2Fsessions");
          return;
        }
        setError(caught);
      } finally {
        setBusy(null);
      }
    },
    [client, router],
  );

  useEffect(() => {
    void run("load", async () => undefined);
  }, [run]);

  const others = sessions?.filter((s) => !s.current) ?? [];
  return (
    <div className="card">
      <h1>My sessions</h1>
      <ErrorAlert error={error} />
      {sessions === null && !error ? <p className="muted">Loading…</p> : null}
      {sessions ? (
        <table>
          <thead>
            <tr>
              <th>Device</th>
              <th>Last seen (UTC)</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {sessions.map((s) => (
              <tr key={s.id} data-session={s.id} data-current={s.current ? "yes" : "no"}>
                <td>
                  {s.userAgent ?? "unknown device"}
                  <br />
                  <span className="muted">
                    {s.kind} · {s.ip ?? "unknown address"}
                    {s.signInMethod ? ` · ${signedInWith(s.signInMethod)}` : ""}
                  </span>
                </td>
                <td>{new Date(s.lastSeenAt).toLocaleString("en-GB", { timeZone: "UTC" })}</td>
                <td>
                  {s.current ? (
                    <strong>this device</strong>
                  ) : (
                    <button
                      className="secondary"
                      style={{ marginTop: 0 }}
                      disabled={busy !== null}
                      onClick={() => run(s.id, () => client.revokeSession(s.id))}
                    >
                      {busy === s.id ? "Revoking…" : "Revoke"}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {sessions && others.length === 0 ? <p className="empty">No other sessions: you are signed in only here.</p> : null}
      {others.length > 0 ? (
        <button disabled={busy !== null} onClick={() => run("others", () => client.revokeOtherSessions())}>
          {busy === "others" ? "Signing out…" : "Sign out everywhere else"}
        </button>
      ) : null}
    </div>
  );
}

/** How a session was signed in, in words. */
function signedInWith(method: string): string {
  if (method === "password") return "password";
  if (method === "password+totp") return "password and app code";
  if (method === "password+recovery_code") return "password and recovery code";
  if (method === "email_link") return "email link";
  if (method.startsWith("provider:")) return `signed in with ${method.slice("provider:".length)}`;
  return method;
}
