"use client";
// The account's name and picture, and a change of address: the new address gets a
// link, and until it is opened the page says which address is waiting.
import { useState } from "react";
import { useSession } from "@sekisho/client/react";

import { ErrorAlert, Field, text, useSubmit } from "./forms";

export function ProfileSettings() {
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
    <form className="card" onSubmit={save.onSubmit} noValidate id="profile">
      <h1>Profile</h1>
      {saved ? (
        <p className="alert ok" role="status">
          Saved.
        </p>
      ) : null}
      <ErrorAlert error={save.error} />
      <Field name="name" id="profile-name" label="Name" error={save.error} autoComplete="name" defaultValue={user.name ?? ""} />
      <Field name="image" id="profile-image" label="Picture URL (https://)" error={save.error} defaultValue={user.image ?? ""} />
      <button type="submit" disabled={save.pending}>
        {save.pending ? "Saving…" : "Save profile"}
      </button>
    </form>
  );
}

export function EmailChange() {
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
    <form className="card" onSubmit={change.onSubmit} noValidate id="change-email">
      <h1>Email address</h1>
      <p className="muted">
        Now: <span data-testid="current-email">{user.email}</span>
      </p>
      {waiting ? (
        <p className="alert ok" role="status" data-testid="email-pending">
          We sent a link to {waiting}. Your address changes when you open it (within 24 hours); until then it stays{" "}
          {user.email}.
        </p>
      ) : null}
      <ErrorAlert error={change.error} />
      <Field name="newEmail" label="New email" type="email" error={change.error} autoComplete="email" />
      <Field name="password" id="change-email-password" label="Current password" type="password" error={change.error} autoComplete="current-password" />
      <p className="muted">No password on this account? Leave it empty; if you signed in more than 10 minutes ago, sign in again first.</p>
      <button type="submit" disabled={change.pending}>
        {change.pending ? "Sending…" : "Change email"}
      </button>
    </form>
  );
}
