/**
 * The console shell (loaded once signed in): TopNavigation (user, stage, sign out), AppLayout with SideNavigation,
 * BreadcrumbGroup and a Flashbar at the top, and the current route's page in the content area.
 */
import AppLayout from "@cloudscape-design/components/app-layout";
import BreadcrumbGroup from "@cloudscape-design/components/breadcrumb-group";
import SideNavigation, { type SideNavigationProps } from "@cloudscape-design/components/side-navigation";
import Spinner from "@cloudscape-design/components/spinner";
import TopNavigation from "@cloudscape-design/components/top-navigation";
import Box from "@cloudscape-design/components/box";
import { I18nProvider } from "@cloudscape-design/components/i18n";
import enMessages from "@cloudscape-design/components/i18n/messages/all.en";
import { lazy, startTransition, Suspense, useCallback, useEffect, useMemo, useState } from "react";
import { Outlet, useLocation } from "react-router";
import type { ApiClient } from "../api/client";
import { ApiError, toErrorBody } from "../api/errors";
import type { ErrorBody, Me, ModelSummary } from "../api/types";
import { ErrorAlert } from "../components/ErrorAlert";
import { FlashProvider, useFlash } from "./flash";
import { useFollow } from "./navigation";
import { breadcrumbsFor, paths } from "./routes";
import type { SessionData } from "./opening";
import { SessionContext, type Session } from "./session";

/** Loaded with the first message (a save, a delete...): no page needs it to open. */
const Flashbar = lazy(() => import("@cloudscape-design/components/flashbar"));

export interface ConsoleProps {
  api: ApiClient;
  region: string;
  /** The identity and the model list, already on their way (`fetchSessionData`). */
  data: Promise<SessionData>;
  onSignOut: () => void;
}

function Loading() {
  return (
    <Box padding="l" textAlign="center">
      <Spinner size="large" />
      <span className="ms-visually-hidden">Loading…</span>
    </Box>
  );
}

function navItems(isAdmin: boolean): SideNavigationProps.Item[] {
  const test: SideNavigationProps.Item = { type: "link", text: "Test a model", href: paths.test() };
  if (!isAdmin) return [test, { type: "link", text: "Models", href: paths.models() }];
  return [
    { type: "link", text: "Models", href: paths.models() },
    { type: "link", text: "Create model", href: paths.create() },
    test,
    { type: "divider" },
    { type: "link", text: "Audit log", href: paths.audit() },
  ];
}

/** The side navigation item of a path (the model pages belong to "Models"). */
function activeHref(pathname: string): string {
  if (pathname === paths.create()) return paths.create();
  if (pathname.startsWith("/models")) return paths.models();
  if (pathname.startsWith("/audit")) return paths.audit();
  if (pathname.startsWith("/test")) return paths.test();
  return pathname;
}

function Shell({ session }: { session: Session }) {
  const { me, models, signOut } = session;
  const location = useLocation();
  const follow = useFollow();
  const flash = useFlash();
  const [navigationOpen, setNavigationOpen] = useState(true);
  const names = useMemo(() => Object.fromEntries(models.map((model) => [model.id, model.name])), [models]);

  return (
    <>
      <div id="ms-top-nav" className="ms-top-nav">
        <TopNavigation
          identity={{ title: "Model Studio", href: paths.home(), onFollow: follow }}
          utilities={[
            {
              type: "button",
              text: `Stage: ${me.stage}`,
              ariaLabel: `Deployment stage: ${me.stage}`,
              disableUtilityCollapse: true,
            },
            {
              type: "menu-dropdown",
              text: me.username,
              description: me.is_admin ? `Administrator (${me.admin_group})` : "User",
              iconName: "user-profile",
              ariaLabel: `Signed in as ${me.username}`,
              items: [{ id: "sign-out", text: "Sign out" }],
              onItemClick: ({ detail }) => {
                if (detail.id === "sign-out") signOut();
              },
            },
          ]}
          i18nStrings={{ overflowMenuTriggerText: "More", overflowMenuTitleText: "All" }}
        />
      </div>
      <AppLayout
        headerSelector="#ms-top-nav"
        navigationOpen={navigationOpen}
        onNavigationChange={({ detail }) => setNavigationOpen(detail.open)}
        navigation={
          <SideNavigation
            header={{ text: "Model Studio", href: paths.home() }}
            activeHref={activeHref(location.pathname)}
            items={navItems(me.is_admin)}
            onFollow={follow}
          />
        }
        breadcrumbs={
          <BreadcrumbGroup
            items={breadcrumbsFor(location.pathname, names)}
            onFollow={follow}
            ariaLabel="Breadcrumbs"
            expandAriaLabel="Show path"
          />
        }
        notifications={
          flash.items.length > 0 && (
            <Suspense fallback={null}>
              <Flashbar items={flash.items} stackItems={false} />
            </Suspense>
          )
        }
        toolsHide
        ariaLabels={{
          navigation: "Side navigation",
          navigationClose: "Close side navigation",
          navigationToggle: "Open side navigation",
          notifications: "Notifications",
        }}
        content={
          <Suspense fallback={<Loading />}>
            <Outlet />
          </Suspense>
        }
      />
    </>
  );
}

export default function Console({ api, region, data, onSignOut }: ConsoleProps) {
  const [me, setMe] = useState<Me | null>(null);
  const [models, setModels] = useState<ModelSummary[]>([]);
  const [error, setError] = useState<ErrorBody | null>(null);

  const reloadModels = useCallback(async () => {
    const list = await api.listModels();
    setModels(list);
    return list;
  }, [api]);

  useEffect(() => {
    let current = true;
    data
      .then(({ me: identity, models: list }) => {
        if (!current) return;
        // A transition: React renders the whole console in slices, yielding to input between them.
        startTransition(() => {
          setMe(identity);
          setModels(list);
        });
      })
      .catch((caught: unknown) => {
        if (!current) return;
        if (caught instanceof ApiError && caught.status === 401) onSignOut();
        else setError(toErrorBody(caught));
      });
    return () => {
      current = false;
    };
  }, [data, onSignOut]);

  const session = useMemo<Session | null>(
    () => (me ? { api, me, region, models, reloadModels, signOut: onSignOut } : null),
    [api, me, region, models, reloadModels, onSignOut],
  );

  if (error) {
    return (
      <main>
        <Box padding="l">
          <ErrorAlert error={error} header="Could not load the console" />
        </Box>
      </main>
    );
  }
  if (!session) {
    return (
      <main>
        <Loading />
      </main>
    );
  }
  return (
    <I18nProvider locale="en" messages={[enMessages]}>
      <SessionContext.Provider value={session}>
        <FlashProvider>
          <Shell session={session} />
        </FlashProvider>
      </SessionContext.Provider>
    </I18nProvider>
  );
}
