"use client";
// The account's name and picture, a change of address (the new address gets a link,
// and until it is opened the page says which address is waiting), the password, and
// withdrawal.
import { useState } from "react";
import { useSession } from "@sekisho/client/react";

import { Button, Card, ErrorAlert, Field, Heading, Muted, Notice, text, useSubmit } from "./forms";
import { useStrings } from "./language";
import { routes } from "./routes";

/** Who is signed in, and the way out. */
export function SignedInAs() {
  const t = useStrings();
  const { user, signOut } = useSession();
  const [pending, setPending] = useState(false);
  if (!user) return null;
  async function leave() {
    setPending(true);
    try {
      await signOut();
    } finally {
      // A fresh load: nothing of the account stays in the page's state.
      window.location.assign(routes.login);
    }
  }
  return (
    <Card id="signed-in-as">
      <Heading>{t.settings.title}</Heading>
      <Muted>
        {t.settings.signedInAs} <strong data-testid="signed-in-email">{user.email}</strong>
      </Muted>
      <Button type="button" secondary disabled={pending} onClick={() => void leave()}>
        {t.settings.signOut}
      </Button>
    </Card>
  );
}

export function ProfileSettings() {
  const t = useStrings();
  const { user, updateProfile } = useSession();
  const [saved, setSaved] = useState(false);
  const save = useSubmit(async (form) => {
    setSaved(false);
    const image = text(form, "image").trim();
    await updateProfile({ name: text(form, "name"), image: image === "" ? null : image });
    setSaved(true);
  });
  if (!user) return null;
  return (
    <Card onSubmit={save.onSubmit} id="profile">
      <Heading>{t.profile.title}</Heading>
      {saved ? <Notice kind="ok">{t.profile.saved}</Notice> : null}
      <ErrorAlert error={save.error} />
      <Field name="name" id="profile-name" label={t.profile.name} error={save.error} autoComplete="name" defaultValue={user.name ?? ""} />
      <Field name="image" id="profile-image" label={t.profile.image} error={save.error} defaultValue={user.image ?? ""} />
      <Button disabled={save.pending}>{save.pending ? t.forms.saving : t.profile.save}</Button>
    </Card>
  );
}

export function EmailChange() {
  const t = useStrings();
  const { user, client } = useSession();
  const [waiting, setWaiting] = useState<string | null>(null);
  const change = useSubmit(async (form) => {
    const newEmail = text(form, "newEmail");
    // A user without a password leaves it empty: Sekisho then asks for a sign-in
    // within the last 10 minutes instead.
    const password = text(form, "password");
    await client.changeEmail(newEmail, password === "" ? undefined : password);
    setWaiting(newEmail.trim().toLowerCase());
  });
  if (!user) return null;
  return (
    <Card onSubmit={change.onSubmit} id="change-email">
      <Heading>{t.email.title}</Heading>
      <Muted>
        {t.email.now} <span data-testid="current-email">{user.email}</span>
      </Muted>
      {waiting ? (
        <Notice kind="ok" testId="email-pending">
          {t.email.pending(waiting, user.email)}
        </Notice>
      ) : null}
      <ErrorAlert error={change.error} />
      <Field name="newEmail" label={t.email.newEmail} type="email" error={change.error} autoComplete="email" />
      <Field name="password" id="change-email-password" label={t.password.current} type="password" error={change.error} autoComplete="current-password" />
      <Muted>{t.email.noPassword}</Muted>
      <Button disabled={change.pending}>{change.pending ? t.forms.sending : t.email.change}</Button>
    </Card>
  );
}

export function PasswordChange() {
  const t = useStrings();
  const { client } = useSession();
  const [changed, setChanged] = useState<string | null>(null);
  const change = useSubmit(async (form) => {
    setChanged(null);
    setChanged(await client.changePassword(text(form, "currentPassword"), text(form, "newPassword")));
  });
  return (
    <Card onSubmit={change.onSubmit} id="change-password">
      <Heading>{t.password.title}</Heading>
      <Muted>{t.password.providerOnly}</Muted>
      {changed ? <Notice kind="ok">{`${changed} ${t.password.othersSignedOut}`}</Notice> : null}
      <ErrorAlert error={change.error} />
      <Field name="currentPassword" label={t.password.current} type="password" error={change.error} autoComplete="current-password" />
      <Field name="newPassword" label={t.password.new} type="password" error={change.error} autoComplete="new-password" />
      <Button disabled={change.pending}>{change.pending ? t.forms.saving : t.password.change}</Button>
    </Card>
  );
}

export function Withdrawal() {
  const t = useStrings();
  const { client } = useSession();
  const withdraw = useSubmit(async (form) => {
    await client.withdraw(text(form, "confirmPassword"));
    // A fresh load: nothing of the deleted account stays in the page's state.
    window.location.assign(`${routes.login}?withdrawn=1`);
  });
  return (
    <Card onSubmit={withdraw.onSubmit} id="withdraw">
      <Heading>{t.withdraw.title}</Heading>
      <Muted>{t.withdraw.explain}</Muted>
      <ErrorAlert error={withdraw.error} />
      <Field name="confirmPassword" label={t.password.label} type="password" error={withdraw.error} autoComplete="current-password" />
      <Button disabled={withdraw.pending}>{withdraw.pending ? t.withdraw.deleting : t.withdraw.title}</Button>
    </Card>
  );
}
