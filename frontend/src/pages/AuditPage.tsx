/**
 * The audit log: every audited action (invokes with an override, validations, saves, restores, deletes, denied reads),
 * newest first, filtered by model, user, action, outcome and time range (UTC dates, inclusive), paged. The filters are
 * the URL's query, so a filtered view can be shared and survives a reload.
 */
import Button from "@cloudscape-design/components/button";
import ColumnLayout from "@cloudscape-design/components/column-layout";
import DatePicker from "@cloudscape-design/components/date-picker";
import Form from "@cloudscape-design/components/form";
import FormField from "@cloudscape-design/components/form-field";
import Header from "@cloudscape-design/components/header";
import Input from "@cloudscape-design/components/input";
import Select from "@cloudscape-design/components/select";
import SpaceBetween from "@cloudscape-design/components/space-between";
import { useEffect, useMemo, useState } from "react";
import { useSearchParams } from "react-router";
import { AuditTable } from "../components/AuditTable";
import { ErrorAlert } from "../components/ErrorAlert";
import { AUDIT_ACTIONS, AUDIT_OUTCOMES, filtersFromSearch, filtersToSearch, rangeProblem, type AuditFilters } from "../model-editor/auditQuery";
import { useSession } from "../shell/session";
import { useAuditPages } from "./useAuditPages";

interface Option {
  value: string;
  label: string;
  description?: string;
}

const ANY: Option = { value: "", label: "Any" };

export default function AuditPage() {
  const { api, models } = useSession();
  const [params, setParams] = useSearchParams();
  const applied = useMemo(() => filtersFromSearch(params), [params]);
  const [form, setForm] = useState<AuditFilters>(applied);
  useEffect(() => setForm(applied), [applied]);
  const problem = rangeProblem(form);
  const audit = useAuditPages(api, applied);

  const apply = () => {
    if (problem) return;
    setParams(filtersToSearch(form));
  };
  const set = (key: keyof AuditFilters, value: string | undefined) =>
    setForm((current) => {
      const next = { ...current };
      if (value) (next as Record<string, string>)[key] = value;
      else delete next[key];
      return next;
    });

  const modelOptions: Option[] = [ANY, ...models.map((model) => ({ value: model.id, label: model.name, description: model.id }))];
  if (form.model_id && !models.some((model) => model.id === form.model_id)) {
    modelOptions.push({ value: form.model_id, label: form.model_id, description: "not in the model list (deleted?)" });
  }
  const actionOptions = [ANY, ...AUDIT_ACTIONS.map((action) => ({ value: action, label: action }))];
  const outcomeOptions = [ANY, ...AUDIT_OUTCOMES.map((outcome) => ({ value: outcome, label: outcome }))];
  const pick = (options: Option[], value: string | undefined) => options.find((o) => o.value === (value ?? "")) ?? ANY;
  const filterCount = Object.keys(applied).length;

  const filters = (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        apply();
      }}
      aria-label="Audit filters"
    >
      <Form
        actions={
          <SpaceBetween size="xs" direction="horizontal">
            <Button formAction="none" onClick={() => setParams("")} disabled={filterCount === 0}>
              Clear filters
            </Button>
            <Button variant="primary" formAction="submit" disabled={problem !== null}>
              Apply filters
            </Button>
          </SpaceBetween>
        }
        errorText={problem ?? undefined}
      >
        <ColumnLayout columns={3}>
          <FormField label="Model">
            <Select selectedOption={pick(modelOptions, form.model_id)} options={modelOptions} filteringType="auto" onChange={({ detail }) => set("model_id", detail.selectedOption.value)} />
          </FormField>
          <FormField label="User" description="The exact username.">
            <Input value={form.actor ?? ""} onChange={({ detail }) => set("actor", detail.value.trim())} placeholder="username" />
          </FormField>
          <FormField label="Action">
            <Select selectedOption={pick(actionOptions, form.action)} options={actionOptions} onChange={({ detail }) => set("action", detail.selectedOption.value)} />
          </FormField>
          <FormField label="Outcome">
            <Select selectedOption={pick(outcomeOptions, form.outcome)} options={outcomeOptions} onChange={({ detail }) => set("outcome", detail.selectedOption.value)} />
          </FormField>
          <FormField label="From (UTC date)" constraintText="YYYY/MM/DD, inclusive">
            <DatePicker value={form.since ?? ""} onChange={({ detail }) => set("since", detail.value)} placeholder="YYYY/MM/DD" openCalendarAriaLabel={(d) => `Choose the start date${d ? `, selected ${d}` : ""}`} />
          </FormField>
          <FormField label="To (UTC date)" constraintText="YYYY/MM/DD, inclusive">
            <DatePicker value={form.until ?? ""} onChange={({ detail }) => set("until", detail.value)} placeholder="YYYY/MM/DD" openCalendarAriaLabel={(d) => `Choose the end date${d ? `, selected ${d}` : ""}`} />
          </FormField>
        </ColumnLayout>
      </Form>
    </form>
  );

  return (
    <SpaceBetween size="m">
      {audit.error && <ErrorAlert error={audit.error} header="Could not load the audit log" />}
      <AuditTable
        variant="full-page"
        records={audit.records}
        loading={audit.loading}
        page={audit.page}
        onPage={audit.goTo}
        filter={filters}
        header={
          <Header
            variant="awsui-h1-sticky"
            headingTagOverride="h1"
            description="Every audited action, newest first (times in UTC)."
            counter={filterCount ? `(${filterCount} ${filterCount === 1 ? "filter" : "filters"})` : undefined}
            actions={<Button iconName="refresh" ariaLabel="Reload the audit log" onClick={audit.reload} />}
          >
            Audit log
          </Header>
        }
      />
    </SpaceBetween>
  );
}
