"use client";
// Settings → two-step verification: set up with the QR code Sekisho draws, confirm
// with a first code, see the recovery codes once; turn off or renew the codes with
// the password.
import { useState } from "react";
import type { TwoFactorSetup } from "@sekisho/client";
import { useSession } from "@sekisho/client/react";

import { Button, Card, ErrorAlert, Field, Heading, Muted, text, useSubmit } from "./forms";
import { useStrings } from "./language";

export function TwoFactorSettings() {
  const t = useStrings();
  const { user, client } = useSession();
  const [setup, setSetup] = useState<TwoFactorSetup | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const start = useSubmit(async (form) => {
    setSetup(await client.twoFactor.setup(text(form, "password")));
  });
  const confirm = useSubmit(async (form) => {
    const { recoveryCodes } = await client.twoFactor.enable(text(form, "code"));
    setSetup(null);
    // useSession().user follows by itself: the provider hears the change.
    setCodes(recoveryCodes);
  });
  const turnOff = useSubmit(async (form) => {
    await client.twoFactor.disable({ password: text(form, "password") });
    setCodes(null);
  });
  const renew = useSubmit(async (form) => {
    setCodes(await client.twoFactor.recoveryCodes({ password: text(form, "password") }));
  });
  if (!user) return null;

  return (
    <Card id="two-factor">
      <Heading>{t.twoFactor.title}</Heading>
      {codes ? (
        <div className="sekisho-codes-box" data-testid="recovery-codes">
          <p>{t.twoFactor.saveCodes}</p>
          <ul className="sekisho-codes">
            {codes.map((code) => (
              <li key={code}>
                <code>{code}</code>
              </li>
            ))}
          </ul>
          <Button type="button" onClick={() => setCodes(null)}>
            {t.twoFactor.saved}
          </Button>
        </div>
      ) : null}
      {user.twoFactorEnabled ? (
        <>
          <p data-testid="two-factor-state">{t.twoFactor.on}</p>
          <form onSubmit={renew.onSubmit} noValidate id="renew-codes">
            <ErrorAlert error={renew.error} />
            <Field name="password" id="renew-codes-password" label={t.password.label} type="password" error={renew.error} autoComplete="current-password" />
            <Button secondary disabled={renew.pending}>
              {t.twoFactor.newCodes}
            </Button>
          </form>
          <form onSubmit={turnOff.onSubmit} noValidate id="turn-off">
            <ErrorAlert error={turnOff.error} />
            <Field name="password" id="turn-off-password" label={t.password.label} type="password" error={turnOff.error} autoComplete="current-password" />
            <Button secondary disabled={turnOff.pending}>
              {t.twoFactor.turnOff}
            </Button>
          </form>
        </>
      ) : setup ? (
        <form onSubmit={confirm.onSubmit} noValidate id="confirm-two-factor">
          <p>{t.twoFactor.scan}</p>
          {/* Drawn by Sekisho from the otpauth URI: an SVG of squares, no script. */}
          <div className="sekisho-qr" data-testid="qr" dangerouslySetInnerHTML={{ __html: setup.qrSvg }} />
          <Muted>
            {t.twoFactor.orType} <code data-testid="totp-secret">{setup.secret}</code>
          </Muted>
          <ErrorAlert error={confirm.error} />
          <Field name="code" id="confirm-code" label={t.twoFactor.code} error={confirm.error} autoComplete="one-time-code" />
          <Button disabled={confirm.pending}>{t.twoFactor.turnOn}</Button>
        </form>
      ) : (
        <form onSubmit={start.onSubmit} noValidate id="start-two-factor">
          <p data-testid="two-factor-state">{t.twoFactor.off}</p>
          <ErrorAlert error={start.error} />
          <Field name="password" id="start-two-factor-password" label={t.password.label} type="password" error={start.error} autoComplete="current-password" />
          <Button disabled={start.pending}>{t.twoFactor.setUp}</Button>
        </form>
      )}
    </Card>
  );
}
