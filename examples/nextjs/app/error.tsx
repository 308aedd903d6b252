"use client";

// Anything a page did not handle itself: shown, never a blank page.
export default function ErrorPage({ error, reset }: { error: Error; reset: () => void }) {
  return (
    <div className="card">
      <h1>Something went wrong</h1>
      <p className="alert error" role="alert">
        {error.message || "An unexpected error."}
      </p>
      <button onClick={reset}>Try again</button>
    </div>
  );
}
