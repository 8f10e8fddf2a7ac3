// INIConfig: a small, strict INI reader whose every error names `file:line`.
//
// The syntax is documented on `INIParser` (INIParser.swift). Consumers parse a
// file into an `INIDocument`, then read each section through an
// `INISectionReader`, which converts values to typed fields and reports keys
// nobody asked for, so an operator's typo never passes silently.
