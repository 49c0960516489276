"""Background solves: the runner in the web process (``runner``) and the work of a worker process (``worker``)."""
