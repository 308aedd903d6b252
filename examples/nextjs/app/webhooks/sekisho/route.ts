// Sekisho's webhooks (sign-ups, bans, deletions, sessions), verified with the Standard
// Webhooks library and the endpoint's secret (SEKISHO_WEBHOOK_SECRET, shown once when
// the endpoint was registered in Sekisho's panel or through its management API).
// Answer 2xx once the event is handled; anything else makes Sekisho send it again
// later with the same webhook-id, so handle each id once.
import { appendFile } from "node:fs/promises";

import { Webhook, WebhookVerificationError } from "standardwebhooks";

type SekishoEvent = { type: string; timestamp: string; data: Record<string, unknown> };

export async function POST(request: Request): Promise<Response> {
  const secret = process.env.SEKISHO_WEBHOOK_SECRET;
  if (!secret) return new Response("SEKISHO_WEBHOOK_SECRET is not set", { status: 503 });
  const body = await request.text();
  let event: SekishoEvent;
  try {
    event = new Webhook(secret).verify(body, Object.fromEntries(request.headers)) as SekishoEvent;
  } catch (error) {
    if (error instanceof WebhookVerificationError) return new Response("bad signature", { status: 400 });
    throw error;
  }
  await handle(request.headers.get("webhook-id") ?? "", event);
  return new Response(null, { status: 204 });
}

/** Your work: upsert the user in your database on user.created / user.updated, delete
 * them on user.deleted… Here each event is appended to SEKISHO_WEBHOOK_LOG (JSON
 * lines) when it is set, which the example's end-to-end test reads. */
async function handle(id: string, event: SekishoEvent): Promise<void> {
  const log = process.env.SEKISHO_WEBHOOK_LOG;
  if (log) await appendFile(log, `${JSON.stringify({ id, ...event })}\n`);
}
