/** Pages of ``GET /audit`` for a set of filters: each page's ``next_token`` is kept, so going back needs no token. */
import { useCallback, useEffect, useRef, useState } from "react";
import type { ApiClient } from "../api/client";
import { toErrorBody } from "../api/errors";
import type { AuditRecord, ErrorBody } from "../api/types";
import { auditQuery, type AuditFilters } from "../model-editor/auditQuery";

export function useAuditPages(api: ApiClient, filters: AuditFilters, enabled = true) {
  const key = JSON.stringify(filters);
  const [pages, setPages] = useState<AuditRecord[][]>([]);
  const [tokens, setTokens] = useState<(string | null)[]>([null]);
  const [index, setIndex] = useState(0);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);
  const request = useRef(0);

  const load = useCallback(
    async (pageIndex: number, token: string | null) => {
      const id = ++request.current;
      setLoading(true);
      setError(null);
      try {
        const answer = await api.listAudit(auditQuery(JSON.parse(key) as AuditFilters, { nextToken: token }));
        if (id !== request.current) return;
        setPages((current) => {
          const next = current.slice(0, pageIndex);
          next[pageIndex] = answer.records;
          return next;
        });
        setTokens((current) => {
          const next = current.slice(0, pageIndex + 1);
          next[pageIndex + 1] = answer.next_token ?? null;
          return next;
        });
        setIndex(pageIndex);
      } catch (caught) {
        if (id === request.current) setError(toErrorBody(caught));
      } finally {
        if (id === request.current) setLoading(false);
      }
    },
    [api, key],
  );

  useEffect(() => {
    if (!enabled) return;
    setPages([]);
    setTokens([null]);
    setIndex(0);
    void load(0, null);
  }, [load, enabled]);

  const goTo = (pageIndex: number) => {
    if (pages[pageIndex]) setIndex(pageIndex);
    else {
      const token = tokens[pageIndex];
      if (token) void load(pageIndex, token);
    }
  };

  const hasMore = Boolean(tokens[pages.length]);
  return {
    records: pages[index] ?? [],
    loading,
    error,
    page: { index, count: pages.length, hasMore },
    goTo,
    reload: () => void load(0, null),
  };
}
