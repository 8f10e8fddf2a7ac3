// INIConfig module. See docs/ARCHITECTURE.md.
