"""newsbrief's chat side: a platform-neutral core, adapters, configuration and the CLI."""
