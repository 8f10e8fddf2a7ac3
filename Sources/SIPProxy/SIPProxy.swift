// SIPProxy module. See docs/ARCHITECTURE.md.
