"use client";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useSession } from "@sekisho/client/react";
import { Mark } from "./Mark";

export function Nav() {
  const { status, user, signOut } = useSession();
  const router = useRouter();
  return (
    <header>
      <Link href="/" className="brand">
        <Mark /> Sekisho example
      </Link>
      {status === "authenticated" && user ? (
        <>
          <Link href="/dashboard">Dashboard</Link>
          <Link href="/sessions">My sessions</Link>
          <Link href="/settings">Settings</Link>
          <button
            className="secondary"
            style={{ marginTop: 0 }}
            onClick={async () => {
              await signOut().catch(() => undefined);
              router.push("/login");
              router.refresh();
            }}
          >
            Log out
          </button>
        </>
      ) : status === "unauthenticated" ? (
        <>
          <Link href="/login">Log in</Link>
          <Link href="/signup">Sign up</Link>
        </>
      ) : (
        <span className="muted">…</span>
      )}
    </header>
  );
}
