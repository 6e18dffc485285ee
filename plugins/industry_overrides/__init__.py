"""Industry override plugins: one module (or package) per industry department (R3)."""
