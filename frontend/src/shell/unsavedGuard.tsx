/**
 * The unsaved-changes guard: while ``dirty``, leaving through the app (a link, the back button) asks first (a
 * Cloudscape Modal fed by react-router's ``useBlocker``), and reloading or closing the tab triggers the browser's own
 * "Leave site?" prompt (``beforeunload``). The draft itself survives a reload (``model-editor/drafts.ts``).
 */
import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import Modal from "@cloudscape-design/components/modal";
import SpaceBetween from "@cloudscape-design/components/space-between";
import { useEffect, type RefObject } from "react";
import { useBlocker } from "react-router";

/**
 * Blocks a navigation that leaves ``scope`` (the page's path prefix, e.g. ``/models/x/``: switching that model's tabs or
 * query keeps the editor and passes).
 */
export function shouldBlock(dirty: boolean, scope: string, next: { pathname: string }): boolean {
  return dirty && !(next.pathname === scope.replace(/\/$/, "") || next.pathname.startsWith(scope));
}

export function useBeforeUnload(dirty: boolean): void {
  useEffect(() => {
    if (!dirty) return;
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      // Older browsers need returnValue set to show the prompt.
      event.returnValue = "";
    };
    window.addEventListener("beforeunload", onBeforeUnload);
    return () => window.removeEventListener("beforeunload", onBeforeUnload);
  }, [dirty]);
}

export interface UnsavedChangesGuardProps {
  dirty: boolean;
  scope: string;
  onDiscard: () => void;
  /** Set to true just before a navigation the page makes itself after saving or deleting (never blocked). */
  bypass?: RefObject<boolean>;
}

export function UnsavedChangesGuard({ dirty, scope, onDiscard, bypass }: UnsavedChangesGuardProps) {
  useBeforeUnload(dirty);
  const blocker = useBlocker(({ nextLocation }) => !bypass?.current && shouldBlock(dirty, scope, nextLocation));
  const open = blocker.state === "blocked";
  return (
    <Modal
      visible={open}
      onDismiss={() => blocker.reset?.()}
      header="Leave this page?"
      data-testid="unsaved-changes-modal"
      footer={
        <Box float="right">
          <SpaceBetween size="xs" direction="horizontal">
            <Button variant="link" onClick={() => blocker.reset?.()}>
              Stay on this page
            </Button>
            <Button
              variant="primary"
              onClick={() => {
                onDiscard();
                blocker.proceed?.();
              }}
            >
              Discard changes and leave
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      You have unsaved changes to this model. If you leave, they are discarded.
    </Modal>
  );
}
