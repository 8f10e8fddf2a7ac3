// StirDaemon module. See docs/ARCHITECTURE.md.
