"""The use cases: every change a user can make, and every read that applies a rule, implemented once.

The CLI (``api.cli``), the HTTP routes (``api.http``) and the job workers (``api.jobs``) are thin adapters over
these functions; they never reach ``data`` themselves. A use case validates its input (the limits in
``api.services.limits``), applies the lifecycle rules, and raises the error tree of ``api.errors``.
"""
