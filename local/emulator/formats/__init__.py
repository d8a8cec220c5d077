"""Container and model formats: how each real server validates a body and shapes its answer."""
