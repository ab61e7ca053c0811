"""The webhook outbox sweep, registered with the kernel's sweeps (jobs.beat writes its beat row)."""

from resellerconsole.sweeps import Every, register_sweep

# Every minute: queues what a broker outage kept from being queued, and the retries that are due.
register_sweep(
    task="webhooks.send_due",
    every=Every(minutes=1),
    expire_seconds=50,
    title="Send due webhooks (webhook outbox sweep)",
    description="Queues webhook deliveries that are pending or due for a retry, one task each.",
)
