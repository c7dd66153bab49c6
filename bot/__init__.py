"""The composition root and the edges: channels, the HTTP app, the CLI, and the effects."""
