import { redirect } from "next/navigation";
import { Suspense } from "react";
import { isSekishoError } from "@sekisho/client";
import { getSession, type ServerSession } from "@sekisho/client/next";

import { ResendVerification } from "../../sekisho/verification";

// The session is request data: under cacheComponents it is read inside a Suspense
// boundary (the page's shell stays prerendered), never in "use cache".
export default function DashboardPage() {
  return (
    <Suspense fallback={<div className="card muted">Loading…</div>}>
      <Dashboard />
    </Suspense>
  );
}

// The real check: Sekisho answers for this request's cookie, so a session revoked a
// moment ago from another device lands on /login here, even though its cookie exists.
async function Dashboard() {
  let session: ServerSession | null;
  try {
    session = await getSession();
  } catch (error) {
    if (!isSekishoError(error)) throw error;
    return (
      <div className="card">
        <h1>Dashboard</h1>
        <p className="alert error" role="alert" data-code={error.code}>
          The sign-in service is not answering ({error.code}): {error.message}. Try again in a moment.
        </p>
      </div>
    );
  }
  if (!session) redirect("/login?next=%2Fdashboard");
  const { user } = session;
  return (
    <div className="card">
      <h1>Welcome, {user.name ?? user.email}</h1>
      {user.emailVerified ? null : (
        <div className="alert warn" data-testid="unverified">
          <p>Your email address is not verified yet: open the link we mailed to {user.email}.</p>
          <ResendVerification />
        </div>
      )}
      <table>
        <tbody>
          <tr>
            <th>Email</th>
            <td data-testid="email">{user.email}</td>
          </tr>
          <tr>
            <th>Name</th>
            <td>{user.name ?? <span className="empty">not set</span>}</td>
          </tr>
          <tr>
            <th>Email verified</th>
            <td data-testid="verified">{user.emailVerified ? "yes" : "no"}</td>
          </tr>
          <tr>
            <th>Role</th>
            <td>{user.role}</td>
          </tr>
          <tr>
            <th>Member since</th>
            <td>{new Date(user.createdAt).toLocaleString("en-GB", { timeZone: "UTC" })} UTC</td>
          </tr>
        </tbody>
      </table>
    </div>
  );
}
