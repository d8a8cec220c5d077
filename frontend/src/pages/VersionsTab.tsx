/**
 * Versions: every saved version (who, when, what it restored), the difference between any two as a JSON merge patch,
 * and restore, which saves an old version's config again as a new version (after a confirmation).
 */
import Alert from "@cloudscape-design/components/alert";
import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import ColumnLayout from "@cloudscape-design/components/column-layout";
import Container from "@cloudscape-design/components/container";
import FormField from "@cloudscape-design/components/form-field";
import Header from "@cloudscape-design/components/header";
import Modal from "@cloudscape-design/components/modal";
import Select from "@cloudscape-design/components/select";
import SpaceBetween from "@cloudscape-design/components/space-between";
import Spinner from "@cloudscape-design/components/spinner";
import Table from "@cloudscape-design/components/table";
import { useCallback, useEffect, useRef, useState } from "react";
import { useNavigate, useSearchParams } from "react-router";
import { ApiError, toErrorBody } from "../api/errors";
import type { ErrorBody, ModelVersion, ModelVersionSummary } from "../api/types";
import { ErrorAlert } from "../components/ErrorAlert";
import { formatTime } from "../components/format";
import { stringifyJson, type JsonObject } from "../model-editor/json";
import { defaultComparison, restoreRequest, versionDiff } from "../model-editor/versionDiff";
import { useFlash } from "../shell/flash";
import { paths } from "../shell/routes";
import { useSession } from "../shell/session";

export interface VersionsTabProps {
  modelId: string;
  /** Unsaved edits in the Configuration tab (a restore replaces them). */
  dirty: boolean;
  onRestored: (version: number) => void;
}

function numberParam(value: string | null): number | null {
  return value && /^\d+$/.test(value) ? Number(value) : null;
}

export function VersionsTab({ modelId, dirty, onRestored }: VersionsTabProps) {
  const { api, reloadModels } = useSession();
  const flash = useFlash();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [versions, setVersions] = useState<ModelVersionSummary[] | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [configs, setConfigs] = useState<Record<number, ModelVersion>>({});
  const [restoreTarget, setRestoreTarget] = useState<number | null>(null);
  const [restoring, setRestoring] = useState(false);
  const loadingConfigs = useRef(new Set<number>());

  const load = useCallback(async () => {
    try {
      setVersions((await api.listVersions(modelId)).versions);
      setError(null);
    } catch (caught) {
      setError(toErrorBody(caught));
    }
  }, [api, modelId]);

  useEffect(() => {
    void load();
  }, [load]);

  const fetchConfig = useCallback(
    async (version: number) => {
      if (configs[version] || loadingConfigs.current.has(version)) return;
      loadingConfigs.current.add(version);
      try {
        const answer = await api.getVersion(modelId, version);
        setConfigs((current) => ({ ...current, [version]: answer }));
      } catch (caught) {
        setError(toErrorBody(caught));
      } finally {
        loadingConfigs.current.delete(version);
      }
    },
    [api, modelId, configs],
  );

  const fallback = defaultComparison(versions ?? []);
  const a = numberParam(params.get("a")) ?? fallback.a;
  const b = numberParam(params.get("b")) ?? fallback.b;
  const latest = versions?.[0]?.version ?? null;

  useEffect(() => {
    for (const version of [a, b, restoreTarget, latest]) if (version !== null) void fetchConfig(version);
  }, [a, b, restoreTarget, latest, fetchConfig]);

  const choose = (side: "a" | "b", version: number) =>
    navigate(paths.versions(modelId, { a: side === "a" ? version : a, b: side === "b" ? version : b }), { replace: true });

  const restore = async (version: number) => {
    const old = configs[version];
    if (!old || latest === null) return;
    setRestoring(true);
    try {
      const saved = await api.saveModel(modelId, restoreRequest(old, latest));
      flash.push({
        type: "success",
        id: `restored-${modelId}`,
        content: `Restored version ${version} of "${modelId}" as version ${saved.version}.`,
      });
      setRestoreTarget(null);
      await Promise.all([load(), reloadModels().catch(() => undefined)]);
      navigate(paths.versions(modelId, { a: latest, b: saved.version }), { replace: true });
      onRestored(saved.version);
    } catch (caught) {
      setRestoreTarget(null);
      if (caught instanceof ApiError && caught.status === 409) {
        flash.push({
          type: "error",
          header: "Not restored: the model changed",
          content: `Someone saved "${modelId}" after this list was loaded${
            typeof caught.body.current_version === "number" ? ` (it is now version ${caught.body.current_version})` : ""
          }. The list was reloaded: review it and restore again.`,
        });
        await load();
      } else {
        flash.pushError(toErrorBody(caught), "Could not restore the version");
      }
    } finally {
      setRestoring(false);
    }
  };

  if (error && error.error === "not_found") {
    return (
      <Alert type="info" data-testid="versions-none">
        &quot;{modelId}&quot; has no saved versions: predefined models come with the deployment. Save a copy under a new id
        to keep a history.
      </Alert>
    );
  }
  if (error) return <ErrorAlert error={error} header="Could not load the versions" />;
  if (!versions) return <Spinner size="large" />;

  const options = versions.map((v) => ({ value: String(v.version), label: `Version ${v.version}`, description: `${v.saved_by}, ${formatTime(v.saved_at)}` }));
  const diff = a !== null && b !== null && configs[a] && configs[b] ? versionDiff(configs[a].config as JsonObject, configs[b].config as JsonObject) : null;
  const restoreDiff =
    restoreTarget !== null && latest !== null && configs[restoreTarget] && configs[latest]
      ? versionDiff(configs[latest].config as JsonObject, configs[restoreTarget].config as JsonObject)
      : null;

  return (
    <SpaceBetween size="l">
      <Table
        data-testid="versions-table"
        variant="container"
        header={<Header variant="h2" counter={`(${versions.length})`} description="Newest first. Restoring saves an old version again as a new version.">Versions</Header>}
        items={versions}
        trackBy="version"
        ariaLabels={{ tableLabel: "Saved versions" }}
        columnDefinitions={[
          { id: "version", header: "Version", cell: (v) => `${v.version}${v.version === latest ? " (current)" : ""}`, isRowHeader: true },
          { id: "saved_at", header: "Saved at", cell: (v) => formatTime(v.saved_at) },
          { id: "saved_by", header: "Saved by", cell: (v) => v.saved_by },
          { id: "restored_from", header: "Restored from", cell: (v) => (v.restored_from ? `Version ${v.restored_from}` : "-") },
          { id: "base", header: "Base model", cell: (v) => v.base_model_id ?? "-" },
          {
            id: "actions",
            header: "Actions",
            cell: (v) =>
              v.version === latest ? (
                <Box color="text-status-inactive">Current</Box>
              ) : (
                <Button variant="inline-link" ariaLabel={`Restore version ${v.version}`} onClick={() => setRestoreTarget(v.version)}>
                  Restore
                </Button>
              ),
          },
        ]}
      />
      <Container
        data-testid="version-compare"
        header={
          <Header variant="h2" description="What changed from A to B, as a JSON merge patch (RFC 7396): applying it to A gives B; null removes a field.">
            Compare versions
          </Header>
        }
      >
        <SpaceBetween size="m">
          <ColumnLayout columns={2}>
            <FormField label="From version (A)">
              <Select
                selectedOption={options.find((o) => o.value === String(a)) ?? null}
                options={options}
                onChange={({ detail }) => choose("a", Number(detail.selectedOption.value))}
              />
            </FormField>
            <FormField label="To version (B)">
              <Select
                selectedOption={options.find((o) => o.value === String(b)) ?? null}
                options={options}
                onChange={({ detail }) => choose("b", Number(detail.selectedOption.value))}
              />
            </FormField>
          </ColumnLayout>
          {!diff && <Spinner />}
          {diff && (
            <SpaceBetween size="xs">
              <Box data-testid="version-diff-summary">
                {diff.same
                  ? `Versions ${a} and ${b} hold the same config.`
                  : `${diff.paths.length} changed ${diff.paths.length === 1 ? "field" : "fields"}: ${diff.paths.join(", ")}`}
              </Box>
              <Box variant="code">
                <pre className="ms-pre" data-testid="version-diff">
                  {stringifyJson(diff.patch)}
                </pre>
              </Box>
            </SpaceBetween>
          )}
        </SpaceBetween>
      </Container>
      <Modal
        visible={restoreTarget !== null}
        onDismiss={() => setRestoreTarget(null)}
        header={`Restore version ${restoreTarget ?? ""}`}
        data-testid="restore-modal"
        footer={
          <Box float="right">
            <SpaceBetween size="xs" direction="horizontal">
              <Button variant="link" onClick={() => setRestoreTarget(null)}>
                Cancel
              </Button>
              <Button variant="primary" loading={restoring} disabled={!restoreDiff} onClick={() => restoreTarget !== null && void restore(restoreTarget)}>
                Restore as version {latest !== null ? latest + 1 : ""}
              </Button>
            </SpaceBetween>
          </Box>
        }
      >
        <SpaceBetween size="s">
          <Box>
            Version {restoreTarget}&apos;s config is saved again as a new version ({latest !== null ? latest + 1 : "?"}); the history keeps every
            version. Users of &quot;{modelId}&quot; get it at once.
          </Box>
          {dirty && <Alert type="warning">Your unsaved changes in the Configuration tab are replaced by the restored config.</Alert>}
          {restoreDiff && (
            <>
              <Box variant="awsui-key-label">Changes from the current version (merge patch)</Box>
              <Box variant="code">
                <pre className="ms-pre" data-testid="restore-diff">
                  {restoreDiff.same ? "(no change: the current version holds the same config)" : stringifyJson(restoreDiff.patch)}
                </pre>
              </Box>
            </>
          )}
        </SpaceBetween>
      </Modal>
    </SpaceBetween>
  );
}
