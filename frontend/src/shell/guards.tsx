/** Route guards: the landing page per role, admin-only pages, unknown URLs. */
import Alert from "@cloudscape-design/components/alert";
import ContentLayout from "@cloudscape-design/components/content-layout";
import Header from "@cloudscape-design/components/header";
import Link from "@cloudscape-design/components/link";
import type { ReactNode } from "react";
import { Navigate } from "react-router";
import { useFollow } from "./navigation";
import { homeFor, paths } from "./routes";
import { useSession } from "./session";

export function HomeRedirect() {
  const { me } = useSession();
  return <Navigate to={homeFor(me.is_admin)} replace />;
}

/** Admin pages: a plain user who opens one (a shared link) is told why, never shown a broken page. */
export function AdminOnly({ children }: { children: ReactNode }) {
  const { me } = useSession();
  const follow = useFollow();
  if (me.is_admin) return <>{children}</>;
  return (
    <ContentLayout header={<Header variant="h1">Administrators only</Header>}>
      <Alert type="info" data-testid="admin-only">
        This page is for members of the {me.admin_group} group. You can{" "}
        <Link href={paths.test()} onFollow={follow}>
          test the models you may use
        </Link>
        .
      </Alert>
    </ContentLayout>
  );
}

export function NotFound() {
  const follow = useFollow();
  return (
    <ContentLayout header={<Header variant="h1">Page not found</Header>}>
      <Alert type="warning">
        Nothing lives at this address.{" "}
        <Link href={paths.home()} onFollow={follow}>
          Go to the start page
        </Link>
        .
      </Alert>
    </ContentLayout>
  );
}
