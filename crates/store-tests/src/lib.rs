//! Nothing here: the suite lives in `tests/it`, the benchmark in `examples/import_bench.rs`.
