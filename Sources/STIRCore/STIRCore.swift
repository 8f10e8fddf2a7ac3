// STIRCore module. See docs/ARCHITECTURE.md.
