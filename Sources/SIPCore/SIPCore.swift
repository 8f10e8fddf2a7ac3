// SIPCore module. See docs/ARCHITECTURE.md.
