"use client";
// Settings → two-step verification: set up with the QR code Sekisho draws, confirm
// with a first code, see the recovery codes once; turn off or renew the codes with
// the password.
import { useState } from "react";
import type { TwoFactorSetup } from "@sekisho/client";
import { useSession } from "@sekisho/client/react";

import { ErrorAlert, Field, text, useSubmit } from "./forms";

export function TwoFactorSettings() {
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
    <section className="card" id="two-factor">
      <h1>Two-step verification</h1>
      {codes ? (
        <div className="alert ok" data-testid="recovery-codes">
          <p>
            Save these recovery codes somewhere safe. Each signs you in once if you lose your phone. They are shown
            only now.
          </p>
          <ul className="codes">
            {codes.map((code) => (
              <li key={code}>
                <code>{code}</code>
              </li>
            ))}
          </ul>
          <button type="button" onClick={() => setCodes(null)}>
            I saved them
          </button>
        </div>
      ) : null}
      {user.twoFactorEnabled ? (
        <>
          <p data-testid="two-factor-state">On: signing in asks for a code from your authenticator app.</p>
          <form onSubmit={renew.onSubmit} noValidate id="renew-codes">
            <ErrorAlert error={renew.error} />
            <Field name="password" label="Password" type="password" error={renew.error} autoComplete="current-password" />
            <button type="submit" className="secondary" disabled={renew.pending}>
              New recovery codes
            </button>
          </form>
          <form onSubmit={turnOff.onSubmit} noValidate id="turn-off">
            <ErrorAlert error={turnOff.error} />
            <Field name="password" label="Password" type="password" error={turnOff.error} autoComplete="current-password" />
            <button type="submit" className="secondary" disabled={turnOff.pending}>
              Turn off
            </button>
          </form>
        </>
      ) : setup ? (
        <form onSubmit={confirm.onSubmit} noValidate id="confirm-two-factor">
          <p>Scan this with your authenticator app, then enter the code it shows.</p>
          {/* Drawn by Sekisho from the otpauth URI: an SVG of squares, no script. */}
          <div className="qr" dangerouslySetInnerHTML={{ __html: setup.qrSvg }} />
          <p className="muted">
            Or type the key: <code data-testid="totp-secret">{setup.secret}</code>
          </p>
          <ErrorAlert error={confirm.error} />
          <Field name="code" label="Code" error={confirm.error} autoComplete="one-time-code" />
          <button type="submit" disabled={confirm.pending}>
            Turn on
          </button>
        </form>
      ) : (
        <form onSubmit={start.onSubmit} noValidate id="start-two-factor">
          <p data-testid="two-factor-state">Off. With it on, signing in also asks for a code from an app on your phone.</p>
          <ErrorAlert error={start.error} />
          <Field name="password" label="Password" type="password" error={start.error} autoComplete="current-password" />
          <button type="submit" disabled={start.pending}>
            Set up
          </button>
        </form>
      )}
    </section>
  );
}
