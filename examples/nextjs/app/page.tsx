import Link from "next/link";

export default function Home() {
  return (
    <div className="card">
      <h1>Sekisho × Next.js</h1>
      <p>
        An App Router app that uses only <code>@sekisho/client</code>: sign up, log in, see your sessions and
        revoke them, reset a forgotten password, change it, or delete your account.
      </p>
      <p>
        <Link href="/signup">Create an account</Link> or <Link href="/login">log in</Link>.
      </p>
    </div>
  );
}
