"use client";
// The provider identities linked to this account: unlink one (never the last way to
// sign in), or link another provider.
import { useCallback, useEffect, useState } from "react";
import { isSekishoError, type LinkedAccount, type SekishoError } from "@sekisho/client";
import { useSekisho } from "@sekisho/client/react";

import { ErrorAlert } from "./forms";
import { useProviders, useSocialStart } from "./social";

export function LinkedAccounts({ linkError }: { linkError: string | null }) {
  const client = useSekisho();
  const providers = useProviders();
  const [accounts, setAccounts] = useState<LinkedAccount[] | null>(null);
  const [error, setError] = useState<SekishoError | null>(null);
  const link = useSocialStart("/settings?linked=1", "/settings");
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
    <section className="card" id="linked-accounts">
      <h1>Linked accounts</h1>
      {linkError ? (
        <p className="alert error" role="alert" data-code={linkError}>
          {linkError === "ACCOUNT_NOT_LINKED"
            ? "That account already belongs to someone else, or you have one of this provider already."
            : "Linking did not work. Please try again."}
        </p>
      ) : null}
      <ErrorAlert error={error ?? link.error} />
      {accounts === null ? (
        <p className="muted">Loading…</p>
      ) : accounts.length === 0 ? (
        <p className="empty">No provider is linked.</p>
      ) : (
        <table>
          <tbody>
            {accounts.map((account) => (
              <tr key={account.provider} data-provider={account.provider}>
                <th>{name(account.provider)}</th>
                <td>{account.email ?? <span className="empty">no email</span>}</td>
                <td>
                  <button type="button" className="secondary" onClick={() => unlink(account.provider)}>
                    Unlink
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {linkable.map((provider) => (
        <button key={provider.id} type="button" className="secondary" onClick={() => link.start(provider.id)}>
          Link {provider.name}
        </button>
      ))}
    </section>
  );
}
