"""The runtime shell: store, engine, timers and interfaces. The only package with side effects."""
