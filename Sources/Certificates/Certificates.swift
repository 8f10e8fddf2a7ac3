// Certificates module. See docs/ARCHITECTURE.md.
