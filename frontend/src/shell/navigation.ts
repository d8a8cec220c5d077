/** Cloudscape links and navigation items carry an ``href``; following one routes inside the app (no reload). */
import { useCallback } from "react";
import { useNavigate } from "react-router";

interface FollowEvent {
  preventDefault: () => void;
  detail: { href?: string; external?: boolean };
}

export function useFollow(): (event: FollowEvent) => void {
  const navigate = useNavigate();
  return useCallback(
    (event: FollowEvent) => {
      const href = event.detail.href;
      if (!href || event.detail.external || /^https?:/.test(href)) return;
      event.preventDefault();
      navigate(href);
    },
    [navigate],
  );
}
