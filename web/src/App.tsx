import { useCallback, useEffect, useState, type ReactElement } from "react";
import { api, canWrite, session, type Me } from "./api.ts";
import { Link } from "./components/Link.tsx";
import { navigate, usePath } from "./live.ts";
import { ClustersPage } from "./pages/ClustersPage.tsx";
import { CreateStackPage } from "./pages/CreateStackPage.tsx";
import { EventsPage } from "./pages/EventsPage.tsx";
import { SignIn } from "./pages/SignIn.tsx";
import { StackPage } from "./pages/StackPage.tsx";
import { StacksPage } from "./pages/StacksPage.tsx";

/** The shell: sign-in gate, header with navigation and the signed-in user, and the page for the path. */
export function App(): ReactElement {
  const [me, setMe] = useState<Me | null>(null);
  const [checking, setChecking] = useState(() => session.token() !== null);
  const path = usePath();
  const signOut = useCallback((): void => {
    session.clear();
    setMe(null);
  }, []);
  useEffect(() => {
    if (!session.token()) return;
    api
      .whoami()
      .then(setMe, signOut)
      .finally(() => setChecking(false));
  }, [signOut]);
  useEffect(() => {
    window.addEventListener("stackwarden:unauthorized", signOut);
    return () => window.removeEventListener("stackwarden:unauthorized", signOut);
  }, [signOut]);
  // Each page names itself in the tab title.
  useEffect(() => {
    const h1 = document.querySelector("h1");
    document.title = h1?.textContent ? `${h1.textContent} · Stackwarden` : "Stackwarden";
  });
  // After navigating, focus goes to the new page's main area so keyboard and screen-reader users start there.
  const [shownPath, setShownPath] = useState(path);
  useEffect(() => {
    if (path === shownPath) return;
    setShownPath(path);
    document.getElementById("main")?.focus();
  }, [path, shownPath]);

  if (checking)
    return (
      <main id="main" className="muted">
        Loading…
      </main>
    );
  if (!me) {
    return (
      <SignIn
        onSignedIn={(token, who) => {
          session.set(token);
          setMe(who);
        }}
      />
    );
  }
  const stackMatch = /^\/stacks\/([^/]+)$/.exec(path);
  let page: ReactElement;
  if (stackMatch?.[1])
    page = <StackPage key={stackMatch[1]} id={decodeURIComponent(stackMatch[1])} role={me.role} />;
  else if (path === "/new" && canWrite(me.role)) page = <CreateStackPage />;
  else if (path === "/events") page = <EventsPage />;
  else if (path === "/clusters" && me.role === "admin") page = <ClustersPage />;
  else page = <StacksPage role={me.role} />;
  const current = (p: string): "page" | undefined =>
    (p === "/" ? path === "/" || path.startsWith("/stacks") : path === p) ? "page" : undefined;
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link href="/" className="brand">
          Stackwarden
        </Link>
        <nav aria-label="Main">
          <Link href="/" aria-current={current("/")}>
            Stacks
          </Link>
          {canWrite(me.role) ? (
            <Link href="/new" aria-current={current("/new")}>
              New stack
            </Link>
          ) : null}
          <Link href="/events" aria-current={current("/events")}>
            Events
          </Link>
          {me.role === "admin" ? (
            <Link href="/clusters" aria-current={current("/clusters")}>
              Clusters
            </Link>
          ) : null}
        </nav>
        <div className="me">
          <span>
            {me.name} <span className={`badge role role-${me.role}`}>{me.role}</span>
          </span>
          <button
            type="button"
            onClick={() => {
              signOut();
              navigate("/");
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      {page}
    </>
  );
}
