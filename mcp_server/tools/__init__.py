"""One module per capability; each exposes `register(server, workspace)`."""
