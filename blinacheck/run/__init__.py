"""Running the pipeline: one file, discovery of plan files, batches, parallel workers."""
