// Crypto module. See docs/ARCHITECTURE.md.
