/** Audit records in a table (the Audit page and a model's Activity tab), paged with the API's ``next_token``. */
import Box from "@cloudscape-design/components/box";
import Pagination from "@cloudscape-design/components/pagination";
import StatusIndicator, { type StatusIndicatorProps } from "@cloudscape-design/components/status-indicator";
import Table from "@cloudscape-design/components/table";
import type { ReactNode } from "react";
import type { AuditRecord } from "../api/types";
import { formatTime } from "./format";

const OUTCOME_STATUS: Record<AuditRecord["outcome"], StatusIndicatorProps.Type> = {
  success: "success",
  allowed: "info",
  denied: "stopped",
  error: "error",
};

export interface AuditTableProps {
  records: AuditRecord[];
  loading: boolean;
  header: ReactNode;
  filter?: ReactNode;
  /** 0-based page, how many pages are known, and whether the API has more. */
  page: { index: number; count: number; hasMore: boolean };
  onPage: (index: number) => void;
  showModel?: boolean;
  variant?: "full-page" | "container";
  testId?: string;
  empty?: ReactNode;
}

function detailOf(record: AuditRecord): string {
  const parts: string[] = [];
  if (record.version !== null && record.version !== undefined) parts.push(`version ${record.version}`);
  if (record.restored_from !== null && record.restored_from !== undefined) parts.push(`restored from version ${record.restored_from}`);
  if (record.base_model_id) parts.push(`base ${record.base_model_id}`);
  if (record.rule) parts.push(`rule ${record.rule}`);
  if (record.error) parts.push(record.error);
  if (record.role_arn) parts.push("cross-account role");
  return parts.join(" · ") || "-";
}

export function AuditTable(props: AuditTableProps) {
  const { records, page } = props;
  return (
    <Table
      data-testid={props.testId ?? "audit-table"}
      variant={props.variant ?? "container"}
      loading={props.loading}
      loadingText="Loading audit records"
      items={records}
      trackBy="id"
      header={props.header}
      filter={props.filter}
      ariaLabels={{ tableLabel: "Audit records" }}
      empty={props.empty ?? <Box textAlign="center">No audit record matches.</Box>}
      columnDefinitions={[
        { id: "timestamp", header: "Time (UTC)", cell: (r) => formatTime(r.timestamp), isRowHeader: true },
        { id: "actor", header: "User", cell: (r) => r.actor },
        { id: "action", header: "Action", cell: (r) => r.action },
        ...(props.showModel === false ? [] : [{ id: "model", header: "Model", cell: (r: AuditRecord) => r.model_id ?? "-" }]),
        {
          id: "outcome",
          header: "Outcome",
          cell: (r) => <StatusIndicator type={OUTCOME_STATUS[r.outcome]}>{r.outcome}</StatusIndicator>,
        },
        { id: "details", header: "Details", cell: detailOf },
        { id: "request", header: "Request id", cell: (r) => <Box variant="small">{r.request_id}</Box> },
      ]}
      pagination={
        <Pagination
          currentPageIndex={page.index + 1}
          pagesCount={Math.max(page.count, 1)}
          openEnd={page.hasMore}
          disabled={props.loading}
          onChange={({ detail }) => props.onPage(detail.currentPageIndex - 1)}
          onNextPageClick={({ detail }) => {
            if (!detail.requestedPageAvailable) props.onPage(detail.requestedPageIndex - 1);
          }}
        />
      }
    />
  );
}
