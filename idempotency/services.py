"""Claiming, completing and forgetting idempotency keys (the middleware and the purge task call these)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from .models import IdempotentRequest


@dataclass(frozen=True)
class Claim:
    """What to do with a request: `run` it (we hold the key), `replay` a stored response, or refuse it."""

    outcome: str  # "run" | "replay" | "mismatch" | "in_progress"
    record: IdempotentRequest | None = None


def canonical_body(body: bytes, *, content_type: str) -> bytes:
    """A JSON body as canonical JSON (sorted keys, no whitespace), so that the same request written another way
    is the same request; any other body, or JSON that does not parse, as it came."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        return body
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested too deep to read
        return body
    try:
        return json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    except (ValueError, RecursionError):
        return body


def request_fingerprint(*, method: str, path: str, query: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def idempotency_key_claim(
    *, user, key: str, method: str, path: str, fingerprint: str, keep_for: timedelta | None = None
) -> Claim:
    """Take the key for this request, or say why not. Committed at once, so a parallel retry sees it.

    `keep_for`: keep the key at least this long (beyond IDEMPOTENCY_KEY_HOURS), for a door that promises more.
    """
    now = timezone.now()
    try:
        with transaction.atomic():
            record = IdempotentRequest.objects.create(
                user=user,
                key=key,
                method=method,
                path=path,
                fingerprint=fingerprint,
                created_at=now,
                claimed_at=now,
                keep_until=now + keep_for if keep_for else None,
            )
        return Claim("run", record)
    except IntegrityError:
        pass
    with transaction.atomic():
        existing = IdempotentRequest.objects.select_for_update().filter(user=user, key=key).first()
        if existing is None:  # purged between the insert and this read: take it again
            return idempotency_key_claim(
                user=user, key=key, method=method, path=path, fingerprint=fingerprint, keep_for=keep_for
            )
        if existing.fingerprint != fingerprint:
            return Claim("mismatch", existing)
        if existing.state == IdempotentRequest.State.COMPLETED:
            return Claim("replay", existing)
        # A worker that died mid-request never completes its claim; after a while a retry may take it over.
        if existing.claimed_at < now - timedelta(seconds=settings.IDEMPOTENCY_ABANDONED_SECONDS):
            existing.claimed_at = now
            existing.save(update_fields=["claimed_at"])
            return Claim("run", existing)
        return Claim("in_progress", existing)


def request_claim(*, request, user, key: str, keep_for: timedelta | None = None) -> Claim:
    """Claim `key` for this HTTP request: the same method, path, query and body (JSON compared as parsed) are
    the same request. The middleware (Idempotency-Key) and /v3 (X-Correlation-Id) both ask this."""
    return idempotency_key_claim(
        user=user,
        key=key,
        method=request.method,
        path=request.path,
        fingerprint=request_fingerprint(
            method=request.method,
            path=request.path,
            query=request.META.get("QUERY_STRING", ""),
            body=canonical_body(request.body, content_type=request.content_type),
        ),
        keep_for=keep_for,
    )


def idempotency_key_complete(*, record: IdempotentRequest, status_code: int, content_type: str, body: str) -> None:
    IdempotentRequest.objects.filter(pk=record.pk).update(
        state=IdempotentRequest.State.COMPLETED, status_code=status_code, content_type=content_type, response_body=body
    )


def idempotency_key_release(*, record: IdempotentRequest) -> None:
    """The request failed on our side (5xx): forget the key so that the client's retry runs again."""
    IdempotentRequest.objects.filter(pk=record.pk, state=IdempotentRequest.State.IN_PROGRESS).delete()


def idempotency_keys_purge(*, now=None) -> int:
    """Forget keys older than IDEMPOTENCY_KEY_HOURS (at least 24 hours: what clients are promised), except
    those to be kept longer (`keep_until`) until then."""
    now = now or timezone.now()
    hours = max(24, settings.IDEMPOTENCY_KEY_HOURS)
    deleted, _ = (
        IdempotentRequest.objects.filter(created_at__lt=now - timedelta(hours=hours))
        .filter(Q(keep_until__isnull=True) | Q(keep_until__lt=now))
        .delete()
    )
    return deleted
