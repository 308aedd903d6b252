"use client";
import { useState } from "react";
import { useSekisho } from "@sekisho/client/react";

import { Button, Card, ErrorAlert, Field, Heading, Muted, Notice, text, useSubmit } from "../../../sekisho/forms";
import { useStrings } from "../../../sekisho/language";

export default function ForgotPasswordPage() {
  const t = useStrings();
  const client = useSekisho();
  const [sent, setSent] = useState<string | null>(null);
  const { pending, error, onSubmit } = useSubmit(async (form) => {
    setSent(await client.forgotPassword(text(form, "email")));
  });
  return (
    <Card onSubmit={onSubmit}>
      <Heading>{t.forgot.title}</Heading>
      {sent ? <Notice kind="ok">{sent}</Notice> : <Muted>{t.forgot.explain}</Muted>}
      <ErrorAlert error={error} />
      <Field name="email" label={t.fields.email} type="email" error={error} autoComplete="email" />
      <Button disabled={pending}>{pending ? t.forms.sending : t.forgot.submit}</Button>
    </Card>
  );
}
