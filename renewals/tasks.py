from jobs.tasks import beat_alias

#: The renewal jobs' tasks as existing beat rows name them (the jobs are registered in jobs.py).
refresh_renewal_overview = beat_alias("renewals.refresh_renewal_overview", job="refresh_renewal_overview")
remove_expired_access = beat_alias("renewals.remove_expired_access", job="remove_expired_access")
