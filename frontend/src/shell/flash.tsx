/** Flash messages shown at the top of every page (Cloudscape Flashbar in the AppLayout's notifications slot). */
import type { FlashbarProps } from "@cloudscape-design/components/flashbar";
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";
import type { ErrorBody } from "../api/types";

export interface FlashMessage {
  type: "success" | "info" | "warning" | "error";
  header?: string;
  content: ReactNode;
  /** A stable id replaces an earlier message with the same id (e.g. one "saved" message per model). */
  id?: string;
  action?: ReactNode;
}

export interface FlashApi {
  items: FlashbarProps.MessageDefinition[];
  push: (message: FlashMessage) => void;
  pushError: (error: ErrorBody, header?: string) => void;
  dismiss: (id: string) => void;
  clear: () => void;
}

const FlashContext = createContext<FlashApi | null>(null);

let counter = 0;

export function FlashProvider({ children }: { children: ReactNode }) {
  const [messages, setMessages] = useState<(FlashMessage & { id: string })[]>([]);
  const dismiss = useCallback((id: string) => setMessages((current) => current.filter((m) => m.id !== id)), []);
  const push = useCallback((message: FlashMessage) => {
    const id = message.id ?? `flash-${++counter}`;
    setMessages((current) => [{ ...message, id }, ...current.filter((m) => m.id !== id)].slice(0, 5));
  }, []);
  const pushError = useCallback(
    (error: ErrorBody, header?: string) => push({ type: "error", header: header ?? "Request failed", content: error.message }),
    [push],
  );
  const clear = useCallback(() => setMessages([]), []);
  const value = useMemo<FlashApi>(
    () => ({
      items: messages.map((message) => ({
        id: message.id,
        type: message.type,
        header: message.header,
        content: message.content,
        action: message.action,
        dismissible: true,
        dismissLabel: "Dismiss message",
        onDismiss: () => dismiss(message.id),
      })),
      push,
      pushError,
      dismiss,
      clear,
    }),
    [messages, push, pushError, dismiss, clear],
  );
  return <FlashContext.Provider value={value}>{children}</FlashContext.Provider>;
}

export function useFlash(): FlashApi {
  const value = useContext(FlashContext);
  if (value === null) throw new Error("useFlash must be used inside <FlashProvider>");
  return value;
}
