"""The idempotency keys' periodic purge, registered with the kernel's sweeps (jobs.beat writes its beat row)."""

from resellerconsole.sweeps import Every, register_sweep

register_sweep(
    task="idempotency.purge_idempotency_keys",
    every=Every(hours=1),
    expire_seconds=3000,
    title="Purge old API idempotency keys (hourly)",
    description="Forgets API idempotency keys older than IDEMPOTENCY_KEY_HOURS.",
)
