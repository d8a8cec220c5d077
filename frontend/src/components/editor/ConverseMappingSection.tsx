/** Converse has no request template: this shows where each model kwarg goes (inferenceConfig or extra fields). */
import Box from "@cloudscape-design/components/box";
import Container from "@cloudscape-design/components/container";
import Header from "@cloudscape-design/components/header";
import Table from "@cloudscape-design/components/table";
import { converseMapping } from "../../model-editor/createFlow";
import { getIn } from "../../model-editor/editorState";
import { useEditor } from "./EditorContext";

export function ConverseMappingSection() {
  const { state } = useEditor();
  const rows = converseMapping(state.draft.model_kwargs);
  const stops = getIn(state.draft, ["prompt", "stop_sequences"]);
  return (
    <Container
      data-testid="section-converse-mapping"
      header={
        <Header
          variant="h2"
          description="Converse builds the request itself: no request template, no chat template. max_tokens, temperature, top_p and stop sequences go to inferenceConfig; every other kwarg goes to additionalModelRequestFields, as is."
        >
          How the model kwargs are sent
        </Header>
      }
    >
      <Table
        variant="embedded"
        ariaLabels={{ tableLabel: "Model kwargs and where Converse sends them" }}
        items={rows}
        trackBy="kwarg"
        empty={<Box textAlign="center">No model kwargs: the model's defaults apply.</Box>}
        columnDefinitions={[
          { id: "kwarg", header: "Model kwarg", cell: (row) => <code>{row.kwarg}</code>, isRowHeader: true },
          { id: "value", header: "Value", cell: (row) => <code>{JSON.stringify(row.value)}</code> },
          { id: "target", header: "Sent as", cell: (row) => <code data-testid={`converse-target-${row.kwarg}`}>{row.target}</code> },
        ]}
        footer={
          Array.isArray(stops) && stops.length ? (
            <Box variant="small">The stop sequences below are sent as inferenceConfig.stopSequences.</Box>
          ) : undefined
        }
      />
    </Container>
  );
}
