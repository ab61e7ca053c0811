from jobs.tasks import beat_alias

#: The deadline sweep's task as existing beat rows name it (the job is registered in jobs.py).
enforce_order_deadlines = beat_alias("authorizations.enforce_order_deadlines", job="enforce_order_deadlines")
