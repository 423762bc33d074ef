"""Synthetic applicant batches: realistic documents with a ground truth, for tests,
benchmarks and the demo."""
