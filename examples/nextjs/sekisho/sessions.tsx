"use client";
// The account's sessions: where each was signed in, when it was last seen (in the
// visitor's own time zone, named), revoke one or every other.
import { useRouter } from "next/navigation";
import { useCallback, useEffect, useState } from "react";
import { isSekishoError, type SekishoError, type Session } from "@sekisho/client";
import { useSekisho } from "@sekisho/client/react";

import { Button, Card, ErrorAlert, Heading, Muted } from "./forms";
import { useLanguage, useStrings } from "./language";
import { routes } from "./routes";

export function SessionList({ returnTo = routes.settings }: { returnTo?: string }) {
  const t = useStrings();
  const language = useLanguage();
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
          router.push(`${routes.login}?next=${encodeURIComponent(returnTo)}`);
          return;
        }
        setError(caught);
      } finally {
        setBusy(null);
      }
    },
    [client, router, returnTo],
  );

  useEffect(() => {
    void run("load", async () => undefined);
  }, [run]);

  const locale = language === "ja" ? "ja-JP" : "en-GB";
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const others = sessions?.filter((s) => !s.current) ?? [];
  return (
    <Card id="sessions">
      <Heading>{t.sessions.title}</Heading>
      <ErrorAlert error={error} />
      {sessions === null && !error ? <Muted>{t.forms.loading}</Muted> : null}
      {sessions ? (
        <table className="sekisho-table">
          <thead>
            <tr>
              <th>{t.sessions.device}</th>
              <th>{t.sessions.lastSeen(zone)}</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {sessions.map((s) => (
              <tr key={s.id} data-session={s.id} data-current={s.current ? "yes" : "no"}>
                <td>
                  {s.userAgent ?? t.sessions.unknownDevice}
                  <br />
                  <span className="sekisho-note">
                    {s.kind} · {s.ip ?? t.sessions.unknownAddress}
                    {s.signInMethod ? ` · ${t.sessions.method(s.signInMethod)}` : ""}
                  </span>
                </td>
                <td>{new Date(s.lastSeenAt).toLocaleString(locale, { timeZoneName: "short" })}</td>
                <td>
                  {s.current ? (
                    <strong>{t.sessions.thisDevice}</strong>
                  ) : (
                    <Button type="button" secondary disabled={busy !== null} onClick={() => run(s.id, () => client.revokeSession(s.id))}>
                      {busy === s.id ? t.sessions.revoking : t.sessions.revoke}
                    </Button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {sessions && others.length === 0 ? <Muted>{t.sessions.noOthers}</Muted> : null}
      {others.length > 0 ? (
        <Button type="button" disabled={busy !== null} onClick={() => run("others", () => client.revokeOtherSessions())}>
          {busy === "others" ? t.sessions.signingOut : t.sessions.signOutOthers}
        </Button>
      ) : null}
    </Card>
  );
}
