/**
 * Models: a table of the predefined and saved models (filter, sort, paginate). Administrators get every column and
 * Create / Edit / Duplicate / Delete; plain users see what they may use, and "Test".
 */
import { useCollection } from "@cloudscape-design/collection-hooks";
import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import ButtonDropdown from "@cloudscape-design/components/button-dropdown";
import Header from "@cloudscape-design/components/header";
import Link from "@cloudscape-design/components/link";
import Modal from "@cloudscape-design/components/modal";
import Pagination from "@cloudscape-design/components/pagination";
import PropertyFilter, { type PropertyFilterProps } from "@cloudscape-design/components/property-filter";
import SpaceBetween from "@cloudscape-design/components/space-between";
import StatusIndicator from "@cloudscape-design/components/status-indicator";
import Table, { type TableProps } from "@cloudscape-design/components/table";
import { useState } from "react";
import { useNavigate } from "react-router";
import { ApiError, toErrorBody } from "../api/errors";
import type { ModelSummary } from "../api/types";
import { apiLabel, formatTime, PROVIDER_LABELS } from "../components/format";
import { useFlash } from "../shell/flash";
import { useFollow } from "../shell/navigation";
import { paths } from "../shell/routes";
import { useSession } from "../shell/session";

const PAGE_SIZE = 20;

/** What a row is filtered and sorted on (display strings, so filtering matches what the user reads). */
export interface ModelRow extends ModelSummary {
  providerLabel: string;
  apiLabel: string;
  formatLabel: string;
  sourceLabel: string;
}

export function toRow(model: ModelSummary): ModelRow {
  return {
    ...model,
    providerLabel: PROVIDER_LABELS[model.provider],
    apiLabel: apiLabel(model),
    formatLabel: model.format ?? "custom",
    sourceLabel: model.source === "saved" ? "Saved" : "Predefined",
  };
}

const FILTERING_PROPERTIES: PropertyFilterProps.FilteringProperty[] = [
  { key: "name", propertyLabel: "Name", groupValuesLabel: "Names", operators: [":", "!:", "=", "!="] },
  { key: "id", propertyLabel: "Id", groupValuesLabel: "Ids", operators: [":", "!:", "=", "!="] },
  { key: "providerLabel", propertyLabel: "Provider", groupValuesLabel: "Providers", operators: ["=", "!="] },
  { key: "apiLabel", propertyLabel: "API", groupValuesLabel: "APIs", operators: ["=", "!="] },
  { key: "formatLabel", propertyLabel: "Format", groupValuesLabel: "Formats", operators: ["=", "!="] },
  { key: "sourceLabel", propertyLabel: "Source", groupValuesLabel: "Sources", operators: ["=", "!="] },
];
const ADMIN_FILTERING_PROPERTIES: PropertyFilterProps.FilteringProperty[] = [
  ...FILTERING_PROPERTIES,
  { key: "updated_by", propertyLabel: "Updated by", groupValuesLabel: "Users", operators: ["=", "!=", ":"] },
];

function yesNo(value: boolean | null | undefined) {
  return value ? <StatusIndicator type="success">Yes</StatusIndicator> : <Box color="text-status-inactive">No</Box>;
}

export default function ModelsPage() {
  const { api, me, models, reloadModels } = useSession();
  const follow = useFollow();
  const navigate = useNavigate();
  const flash = useFlash();
  const isAdmin = me.is_admin;
  const [toDelete, setToDelete] = useState<ModelSummary | null>(null);
  const [deleting, setDeleting] = useState(false);
  const [refreshing, setRefreshing] = useState(false);

  const rows = models.map(toRow);
  const { items, collectionProps, propertyFilterProps, paginationProps, filteredItemsCount, actions } = useCollection(rows, {
    propertyFiltering: {
      filteringProperties: isAdmin ? ADMIN_FILTERING_PROPERTIES : FILTERING_PROPERTIES,
      empty: <Box textAlign="center">No models are configured.</Box>,
      noMatch: <Box textAlign="center">No model matches the filter.</Box>,
    },
    sorting: { defaultState: { sortingColumn: { sortingField: "name" } } },
    pagination: { pageSize: PAGE_SIZE },
    selection: { trackBy: "id" },
  });
  const selected = collectionProps.selectedItems?.[0] ?? null;

  const nameCell = (row: ModelRow) =>
    isAdmin ? (
      <Link href={paths.model(row.id)} onFollow={follow}>
        {row.name}
      </Link>
    ) : (
      row.name
    );

  const columns: TableProps.ColumnDefinition<ModelRow>[] = [
    { id: "name", header: "Name", cell: nameCell, sortingField: "name", isRowHeader: true },
    { id: "id", header: "Id", cell: (row) => row.id, sortingField: "id" },
    { id: "provider", header: "Provider", cell: (row) => row.providerLabel, sortingField: "providerLabel" },
    {
      id: "api",
      header: "API / format",
      cell: (row) => (
        <>
          {row.apiLabel}
          <Box variant="small" display="block">
            {row.formatLabel}
          </Box>
          {row.model_id ? (
            <Box variant="small" display="block">
              {row.model_id}
            </Box>
          ) : null}
          {isAdmin && row.endpoint_name ? (
            <Box variant="small" display="block">
              {row.endpoint_name}
            </Box>
          ) : null}
        </>
      ),
      sortingField: "apiLabel",
    },
    { id: "streaming", header: "Streaming", cell: (row) => yesNo(row.streaming), sortingField: "streaming" },
  ];
  if (isAdmin) {
    columns.push(
      { id: "source", header: "Source", cell: (row) => row.sourceLabel + (row.default ? " (default)" : ""), sortingField: "sourceLabel" },
      { id: "version", header: "Version", cell: (row) => row.version ?? "-", sortingField: "version" },
      { id: "updated_by", header: "Updated by", cell: (row) => row.updated_by ?? "-", sortingField: "updated_by" },
      { id: "updated_at", header: "Updated at", cell: (row) => formatTime(row.updated_at), sortingField: "updated_at" },
      { id: "cross_account", header: "Cross-account", cell: (row) => yesNo(row.cross_account), sortingField: "cross_account" },
    );
  } else {
    columns.push({ id: "default", header: "Default", cell: (row) => (row.default ? "Default" : ""), sortingField: "default" });
  }

  const refresh = async () => {
    setRefreshing(true);
    try {
      await reloadModels();
    } catch (error) {
      flash.pushError(toErrorBody(error), "Could not reload the models");
    } finally {
      setRefreshing(false);
    }
  };

  const remove = async (model: ModelSummary) => {
    setDeleting(true);
    try {
      await api.deleteModel(model.id, model.version ?? 0);
      flash.push({ type: "success", content: `Deleted model "${model.id}".`, id: `deleted-${model.id}` });
      actions.setSelectedItems([]);
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        const now = error.body.current_version;
        flash.push({
          type: "error",
          header: "Not deleted: the model changed",
          content: `Someone saved "${model.id}" after this list was loaded (you had version ${model.version ?? "?"}${
            typeof now === "number" ? `, it is now version ${now}` : ""
          }). The list was reloaded: check the latest version, then delete again.`,
          id: `conflict-${model.id}`,
        });
      } else {
        flash.pushError(toErrorBody(error), `Could not delete "${model.id}"`);
      }
    } finally {
      setDeleting(false);
      setToDelete(null);
      await refresh();
    }
  };

  const actionsBar = isAdmin ? (
    <SpaceBetween size="xs" direction="horizontal">
      <Button iconName="refresh" ariaLabel="Reload the models" onClick={() => void refresh()} loading={refreshing} />
      <Button disabled={!selected} onClick={() => selected && navigate(paths.test(selected.id))}>
        Test
      </Button>
      <Button disabled={!selected} onClick={() => selected && navigate(paths.model(selected.id))}>
        Edit
      </Button>
      <ButtonDropdown
        disabled={!selected}
        items={[
          { id: "duplicate", text: "Duplicate" },
          {
            id: "delete",
            text: "Delete",
            disabled: selected?.source !== "saved",
            disabledReason: "Predefined models are deployed with the app and cannot be deleted.",
          },
        ]}
        onItemClick={({ detail }) => {
          if (!selected) return;
          if (detail.id === "duplicate") navigate(paths.create({ from: selected.id }));
          if (detail.id === "delete") setToDelete(selected);
        }}
      >
        Actions
      </ButtonDropdown>
      <Button variant="primary" onClick={() => navigate(paths.create())}>
        Create model
      </Button>
    </SpaceBetween>
  ) : (
    <Button variant="primary" disabled={!selected} onClick={() => selected && navigate(paths.test(selected.id))}>
      Test
    </Button>
  );

  return (
    <>
      <Table
        {...collectionProps}
        data-testid="models-table"
        variant="full-page"
        selectionType="single"
        ariaLabels={{
          selectionGroupLabel: "Model selection",
          itemSelectionLabel: (_, item) => `Select ${item.name}`,
          allItemsSelectionLabel: () => "Select all",
          tableLabel: "Models",
        }}
        columnDefinitions={columns}
        items={items}
        trackBy="id"
        stickyHeader
        header={
          <Header
            variant="awsui-h1-sticky"
            headingTagOverride="h1"
            counter={`(${models.length})`}
            description={
              isAdmin
                ? "Predefined models come with the deployment; saved models are created here. Select one to edit, duplicate, test or delete it."
                : "The models you may use. Select one to test it."
            }
            actions={actionsBar}
          >
            Models
          </Header>
        }
        filter={
          <PropertyFilter
            {...propertyFilterProps}
            countText={`${filteredItemsCount ?? 0} matches`}
            filteringAriaLabel="Filter models"
            filteringPlaceholder="Filter models by name, id, provider, API…"
            expandToViewport
          />
        }
        pagination={<Pagination {...paginationProps} />}
      />
      <Modal
        visible={toDelete !== null}
        onDismiss={() => setToDelete(null)}
        header="Delete model"
        data-testid="delete-modal"
        footer={
          <Box float="right">
            <SpaceBetween size="xs" direction="horizontal">
              <Button variant="link" onClick={() => setToDelete(null)}>
                Cancel
              </Button>
              <Button variant="primary" loading={deleting} onClick={() => toDelete && void remove(toDelete)}>
                Delete
              </Button>
            </SpaceBetween>
          </Box>
        }
      >
        Delete &quot;{toDelete?.name}&quot; ({toDelete?.id}, version {toDelete?.version ?? "?"})? It disappears from the
        model list for every user.
      </Modal>
    </>
  );
}
