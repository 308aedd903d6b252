"use client";
// The provider identities linked to this account: unlink one (never the last way to
// sign in), or link another provider.
import { useCallback, useEffect, useState } from "react";
import { isSekishoError, type LinkedAccount, type SekishoError } from "@sekisho/client";
import { useSekisho } from "@sekisho/client/react";

import { Button, Card, ErrorAlert, Heading, Muted, Notice } from "./forms";
import { useStrings } from "./language";
import { routes } from "./routes";
import { useProviders, useSocialStart } from "./social";

export function LinkedAccounts({ linkError }: { linkError: string | null }) {
  const t = useStrings();
  const client = useSekisho();
  const providers = useProviders();
  const [accounts, setAccounts] = useState<LinkedAccount[] | null>(null);
  const [error, setError] = useState<SekishoError | null>(null);
  const link = useSocialStart(`${routes.settings}?linked=1`, routes.settings);
  const load = useCallback(async () => {
    try {
      setAccounts(await client.listAccounts());
    } catch (caught) {
      if (!isSekishoError(caught)) throw caught;
      setError(caught);
    }
  }, [client]);
  useEffect(() => {
    void load();
  }, [load]);

  async function unlink(provider: string) {
    setError(null);
    try {
      await client.unlinkAccount(provider);
      await load();
    } catch (caught) {
      if (!isSekishoError(caught)) throw caught;
      setError(caught);
    }
  }

  const name = (id: string) => providers.find((p) => p.id === id)?.name ?? id;
  const linkable = providers.filter((p) => !accounts?.some((a) => a.provider === p.id));
  return (
    <Card id="linked-accounts">
      <Heading>{t.linked.title}</Heading>
      {linkError ? (
        <Notice kind="error" code={linkError}>
          {linkError === "ACCOUNT_NOT_LINKED" ? t.linked.taken : t.linked.failed}
        </Notice>
      ) : null}
      <ErrorAlert error={error ?? link.error} />
      {accounts === null ? (
        <Muted>{t.forms.loading}</Muted>
      ) : accounts.length === 0 ? (
        <Muted>{t.linked.none}</Muted>
      ) : (
        <table className="sekisho-table">
          <tbody>
            {accounts.map((account) => (
              <tr key={account.provider} data-provider={account.provider}>
                <th>{name(account.provider)}</th>
                <td>{account.email ?? t.linked.noEmail}</td>
                <td>
                  <Button type="button" secondary onClick={() => unlink(account.provider)}>
                    {t.linked.unlink}
                  </Button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {linkable.map((provider) => (
        <Button key={provider.id} type="button" secondary onClick={() => link.start(provider.id)}>
          {t.linked.link(provider.name)}
        </Button>
      ))}
    </Card>
  );
}
