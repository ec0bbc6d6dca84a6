"""A large, valid corpus for benchmarks and the volume guard: `flask bench corpus`."""
