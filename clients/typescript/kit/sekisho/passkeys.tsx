"use client";
// Settings → passkeys: add one (the browser's own dialog), rename, remove. Removing
// the last way to sign in is refused by Sekisho (LAST_SIGN_IN_METHOD).
import { useCallback, useEffect, useState } from "react";
import { isSekishoError, type Passkey, type SekishoError } from "@sekisho/client";
import { useSession } from "@sekisho/client/react";

import { Button, Card, ErrorAlert, Field, Heading, Muted, text, useSubmit } from "./forms";
import { useLanguage, useStrings } from "./language";

export function PasskeySettings() {
  const t = useStrings();
  const language = useLanguage();
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
  const when = (iso: string) => new Date(iso).toLocaleString(language === "ja" ? "ja-JP" : "en-GB");

  return (
    <Card id="passkeys">
      <Heading>{t.passkeys.title}</Heading>
      <Muted>{t.passkeys.explain}</Muted>
      <ErrorAlert error={rowError} />
      {passkeys === null ? (
        <Muted>{t.forms.loading}</Muted>
      ) : passkeys.length === 0 ? (
        <Muted testId="no-passkeys">{t.passkeys.none}</Muted>
      ) : (
        <ul className="sekisho-list">
          {passkeys.map((passkey) => (
            <li key={passkey.id} data-testid="passkey">
              <strong>{passkey.name}</strong>{" "}
              <span className="sekisho-note">{t.passkeys.used(when(passkey.createdAt), passkey.lastUsedAt ? when(passkey.lastUsedAt) : null)}</span>{" "}
              <Button
                type="button"
                secondary
                onClick={() => {
                  const name = window.prompt(t.passkeys.newName, passkey.name);
                  if (name) void act(() => client.passkey.rename(passkey.id, name));
                }}
              >
                {t.passkeys.rename}
              </Button>
              <Button type="button" secondary onClick={() => void act(() => client.passkey.remove(passkey.id))}>
                {t.passkeys.remove}
              </Button>
            </li>
          ))}
        </ul>
      )}
      {supported ? (
        <form onSubmit={add.onSubmit} noValidate id="add-passkey">
          <ErrorAlert error={add.error} />
          <Field name="name" id="passkey-name" label={t.passkeys.name} error={add.error} autoComplete="off" />
          <Button disabled={add.pending}>{add.pending ? t.passkeys.waitingDevice : t.passkeys.add}</Button>
        </form>
      ) : (
        <Muted>{t.passkeys.unsupported}</Muted>
      )}
    </Card>
  );
}
