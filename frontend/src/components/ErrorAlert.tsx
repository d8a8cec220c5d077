/** An API error shown readably: the message, the security rule on a 403, and the field details. */
import Alert from "@cloudscape-design/components/alert";
import Box from "@cloudscape-design/components/box";
import type { ReactNode } from "react";
import { describeRule } from "../api/errors";
import type { ErrorBody } from "../api/types";

const TITLES: Record<string, string> = {
  forbidden: "Not allowed",
  validation_error: "Invalid request",
  conflict: "Conflict",
  not_found: "Not found",
  unauthorized: "Signed out",
};

export function ErrorAlert({ error, header, action }: { error: ErrorBody; header?: string; action?: ReactNode }) {
  return (
    <Alert type="error" header={header ?? TITLES[error.error] ?? "Request failed"} action={action} data-testid="error-alert">
      <Box>{error.message}</Box>
      {error.rule && (
        <Box data-testid="error-rule">
          Rule: <strong>{error.rule}</strong> ({describeRule(error.rule)})
        </Box>
      )}
      {error.details && error.details.length > 0 && (
        <ul className="ms-error-details">
          {error.details.map((detail, index) => (
            <li key={`${detail.path}-${index}`}>
              <code>{detail.path}</code>: {detail.message}
            </li>
          ))}
        </ul>
      )}
    </Alert>
  );
}
