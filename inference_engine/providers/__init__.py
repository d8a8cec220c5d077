"""Provider adapters: turn a prepared request into one AWS runtime call and its answer into text."""
